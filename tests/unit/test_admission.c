/*  test_admission.c — limits per total, class and tenant; retry hints from
    the drain rate, on the driven clock. */
#include "nqtest.h"

#include "broker/admission.h"
#include "common/errors.h"

#include <string.h>

static nq_admission_limits_t
s_limits (void)
{
    nq_admission_limits_t l;
    nq_admission_defaults (&l);
    l.max_total = 10;
    l.max_class[NQ_CLASS_INTERACTIVE] = 6;
    l.max_class[NQ_CLASS_STANDARD] = 10;
    l.max_class[NQ_CLASS_BULK] = 10;
    l.max_tenant = 4;
    return l;
}

static void
test_tenant_then_class_then_total (void **state)
{
    (void) state;
    nq_clock_t *clock = nq_clock_new_manual (0, 0);
    nq_admission_limits_t l = s_limits ();
    nq_admission_t *a = nq_admission_new (&l, clock);
    uint64_t retry = 0;
    const char *which = NULL;
    for (int i = 0; i < 4; i++) {
        assert_int_equal (nq_admission_check (a, NQ_CLASS_INTERACTIVE, "t1", &retry, &which), 0);
        assert_int_equal (nq_admission_enter (a, NQ_CLASS_INTERACTIVE, "t1"), 0);
    }
    //  t1 is at its limit; t2 is not.
    assert_int_equal (nq_admission_check (a, NQ_CLASS_INTERACTIVE, "t1", &retry, &which), NQ_EOVERLOADED);
    assert_string_equal (which, "tenant");
    assert_true (retry >= l.min_retry_ms && retry <= l.max_retry_ms);
    //  The tenant limit is per class: t1 may still queue bulk work.
    assert_int_equal (nq_admission_check (a, NQ_CLASS_BULK, "t1", NULL, NULL), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal (nq_admission_check (a, NQ_CLASS_INTERACTIVE, "t2", NULL, NULL), 0);
        nq_admission_enter (a, NQ_CLASS_INTERACTIVE, "t2");
    }
    assert_int_equal (nq_admission_check (a, NQ_CLASS_INTERACTIVE, "t3", NULL, &which), NQ_EOVERLOADED);
    assert_string_equal (which, "class");
    for (int i = 0; i < 4; i++) {
        assert_int_equal (nq_admission_check (a, NQ_CLASS_BULK, i < 2 ? "b1" : "b2", NULL, NULL), 0);
        nq_admission_enter (a, NQ_CLASS_BULK, i < 2 ? "b1" : "b2");
    }
    assert_int_equal (nq_admission_queued (a), 10);
    assert_int_equal (nq_admission_check (a, NQ_CLASS_STANDARD, "s", NULL, &which), NQ_EOVERLOADED);
    assert_string_equal (which, "total");
    assert_int_equal (nq_admission_refused (a), 3);
    //  A job leaves: there is room again.
    nq_admission_leave (a, NQ_CLASS_BULK, "b1", 1);
    assert_int_equal (nq_admission_check (a, NQ_CLASS_STANDARD, "s", NULL, NULL), 0);
    assert_int_equal (nq_admission_queued_tenant (a, NQ_CLASS_BULK, "b1"), 1);
    assert_int_equal (nq_admission_queued_class (a, NQ_CLASS_INTERACTIVE), 6);
    nq_admission_destroy (&a);
    assert_null (a);
    nq_clock_destroy (&clock);
}

//  The retry hint follows the drain rate: a fast-draining class gets a
//  short hint, a stalled one the maximum.
static void
test_retry_after_follows_drain_rate (void **state)
{
    (void) state;
    nq_clock_t *clock = nq_clock_new_manual (0, 0);
    nq_admission_limits_t l = s_limits ();
    l.max_tenant = 0;
    l.max_class[NQ_CLASS_INTERACTIVE] = 1000;
    l.max_total = 1000;
    nq_admission_t *a = nq_admission_new (&l, clock);
    uint64_t retry = 0;
    for (int i = 0; i < 1000; i++)
        nq_admission_enter (a, NQ_CLASS_INTERACTIVE, "t");
    //  Nothing has drained yet: the maximum hint.
    assert_int_equal (nq_admission_check (a, NQ_CLASS_INTERACTIVE, "t", &retry, NULL), NQ_EOVERLOADED);
    assert_int_equal (retry, l.max_retry_ms);
    //  200 jobs per second leave for 10 seconds, and as many come in.
    for (int s = 0; s < 10 * 200; s++) {
        nq_clock_advance (clock, 5);
        nq_admission_leave (a, NQ_CLASS_INTERACTIVE, "t", 1);
        nq_admission_enter (a, NQ_CLASS_INTERACTIVE, "t");
    }
    double rate = nq_admission_drain_rate (a, NQ_CLASS_INTERACTIVE);
    assert_true (rate > 170 && rate < 210);
    assert_int_equal (nq_admission_check (a, NQ_CLASS_INTERACTIVE, "t", &retry, NULL), NQ_EOVERLOADED);
    assert_int_equal (retry, l.min_retry_ms);    //  one slot frees in ~5 ms: clamped up to the minimum
    //  The class stalls: the estimate decays and the hint grows.
    nq_clock_advance (clock, 30000);
    assert_int_equal (nq_admission_check (a, NQ_CLASS_INTERACTIVE, "t", &retry, NULL), NQ_EOVERLOADED);
    assert_true (retry > 1000);
    //  Cancelled jobs leave without counting as drained.
    double before = nq_admission_drain_rate (a, NQ_CLASS_INTERACTIVE);
    nq_admission_leave (a, NQ_CLASS_INTERACTIVE, "t", 0);
    assert_true (nq_admission_drain_rate (a, NQ_CLASS_INTERACTIVE) <= before);
    nq_admission_destroy (&a);
    nq_clock_destroy (&clock);
}

static void
test_no_limits (void **state)
{
    (void) state;
    nq_clock_t *clock = nq_clock_new_manual (0, 0);
    nq_admission_limits_t l;
    memset (&l, 0, sizeof l);
    nq_admission_t *a = nq_admission_new (&l, clock);
    for (int i = 0; i < 50000; i++) {
        assert_int_equal (nq_admission_check (a, NQ_CLASS_BULK, "t", NULL, NULL), 0);
        nq_admission_enter (a, NQ_CLASS_BULK, "t");
    }
    assert_int_equal (nq_admission_queued (a), 50000);
    nq_admission_destroy (&a);
    nq_clock_destroy (&clock);
}

NQ_TEST_MAIN (cmocka_unit_test (test_tenant_then_class_then_total), cmocka_unit_test (test_retry_after_follows_drain_rate),
              cmocka_unit_test (test_no_limits))
