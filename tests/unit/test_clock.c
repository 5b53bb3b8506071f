/*  test_clock.c — the driven clock, the seeded generator and backoff. */
#include "nqtest.h"

#include "common/backoff.h"
#include "common/clock.h"
#include "common/rng.h"

static void
test_manual_clock_is_driven (void **state)
{
    (void) state;
    nq_clock_t *clock = nq_clock_new_manual (1000, 1700000000000ULL);
    assert_non_null (clock);
    assert_true (nq_clock_is_manual (clock));
    assert_int_equal (nq_clock_now_ms (clock), 1000);
    nq_clock_advance (clock, 250);
    assert_int_equal (nq_clock_now_ms (clock), 1250);
    assert_int_equal (nq_clock_now_us (clock), 1250000);
    nq_clock_set (clock, 5000);
    assert_int_equal (nq_clock_now_ms (clock), 5000);
    nq_clock_set (clock, 10);    //  never backwards
    assert_int_equal (nq_clock_now_ms (clock), 5000);
    assert_int_equal (nq_clock_wall_ms (clock), 1700000000000ULL + 5000);
    nq_clock_destroy (&clock);
    assert_null (clock);
    nq_clock_destroy (&clock);    //  accepts NULL
}

static void
test_system_clock_is_monotonic (void **state)
{
    (void) state;
    nq_clock_t *clock = nq_clock_system ();
    uint64_t a = nq_clock_now_us (clock);
    uint64_t b = nq_clock_now_us (clock);
    assert_true (b >= a);
    assert_false (nq_clock_is_manual (clock));
    //  Wall clock is after 2020-01-01.
    assert_true (nq_clock_wall_ms (clock) > 1577836800000ULL);
    nq_clock_destroy (&clock);    //  a no-op on the system clock
    assert_null (clock);
    assert_non_null (nq_clock_system ());
}

static void
test_rng_repeats_with_seed (void **state)
{
    (void) state;
    nq_rng_t a, b;
    nq_rng_seed (&a, 42);
    nq_rng_seed (&b, 42);
    for (int i = 0; i < 100; i++)
        assert_int_equal (nq_rng_next (&a), nq_rng_next (&b));
    for (int i = 0; i < 10000; i++) {
        double u = nq_rng_uniform (&a);
        assert_true (u >= 0.0 && u < 1.0);
        assert_true (nq_rng_below (&a, 7) < 7);
    }
}

static void
test_backoff_sequence (void **state)
{
    (void) state;
    nq_backoff_t b = {.min_ms = 100, .max_ms = 5000, .factor = 2.0, .jitter = 0.0};
    uint64_t expect[] = {100, 200, 400, 800, 1600, 3200, 5000, 5000};
    for (unsigned i = 0; i < 8; i++)
        assert_int_equal (nq_backoff_delay_ms (&b, i + 1, NULL), expect[i]);
    assert_int_equal (nq_backoff_base_ms (&b, 0), 100);
    assert_int_equal (nq_backoff_base_ms (&b, 1000), 5000);
}

static void
test_backoff_jitter_bounds (void **state)
{
    (void) state;
    nq_backoff_t b = {.min_ms = 1000, .max_ms = 60000, .factor = 3.0, .jitter = 0.2};
    nq_rng_t rng;
    nq_rng_seed (&rng, 7);
    uint64_t lo = UINT64_MAX, hi = 0;
    for (int i = 0; i < 5000; i++) {
        uint64_t d = nq_backoff_delay_ms (&b, 2, &rng);    //  base 3000
        assert_true (d >= 2400 && d <= 3600);
        lo = d < lo ? d : lo;
        hi = d > hi ? d : hi;
    }
    //  The jitter really spreads the delays over most of the band.
    assert_true (lo < 2500 && hi > 3500);
    //  Never above the cap, even with jitter.
    for (int i = 0; i < 1000; i++)
        assert_true (nq_backoff_delay_ms (&b, 20, &rng) <= 60000);
}

NQ_TEST_MAIN (cmocka_unit_test (test_manual_clock_is_driven), cmocka_unit_test (test_system_clock_is_monotonic),
              cmocka_unit_test (test_rng_repeats_with_seed), cmocka_unit_test (test_backoff_sequence),
              cmocka_unit_test (test_backoff_jitter_bounds))
