/*  test_id.c — UUIDv7 job ids: well-formed, time-carrying, strictly
    increasing per generator, reproducible with a seed. */
#include "nqtest.h"

#include "common/clock.h"
#include "common/id.h"

#include <string.h>

static void
test_format_and_time (void **state)
{
    (void)state;
    nq_clock_t *clock = nq_clock_new_manual (0, 1732780800123ULL);
    nq_idgen_t gen;
    nq_idgen_init (&gen, clock, 42);
    char id[NQ_ID_TEXT_LEN + 1];
    assert_int_equal (nq_idgen_next (&gen, id), 0);
    assert_int_equal (strlen (id), 36);
    assert_true (nq_id_valid (id, strlen (id)));
    assert_int_equal (id[14], '7');
    assert_int_equal (nq_id_time_ms (id), 1732780800123ULL);
    assert_false (nq_id_valid ("01938a6e-7b1c-4d2e-9f3a-4b5c6d7e8f90", 36));    //  version 4
    assert_false (nq_id_valid ("01938a6e-7b1c-7d2e-cf3a-4b5c6d7e8f90", 36));    //  variant
    assert_int_equal (nq_id_time_ms ("nonsense"), 0);
    nq_clock_destroy (&clock);
}

static void
test_strictly_increasing (void **state)
{
    (void)state;
    nq_clock_t *clock = nq_clock_new_manual (0, 1732780800000ULL);
    nq_idgen_t gen;
    nq_idgen_init (&gen, clock, 0);    //  OpenSSL random bits
    char prev[NQ_ID_TEXT_LEN + 1] = "", id[NQ_ID_TEXT_LEN + 1];
    //  5,000 ids in one millisecond overflow the 12-bit counter: order holds.
    for (int i = 0; i < 5000; i++) {
        assert_int_equal (nq_idgen_next (&gen, id), 0);
        assert_true (strcmp (prev, id) < 0);
        strcpy (prev, id);
        if (i == 2500)
            nq_clock_advance (clock, 1);
    }
    assert_true (nq_id_time_ms (id) >= 1732780800001ULL);
    nq_clock_destroy (&clock);
}

static void
test_seeded_is_reproducible (void **state)
{
    (void)state;
    nq_clock_t *clock = nq_clock_new_manual (0, 1000);
    nq_idgen_t a, b;
    nq_idgen_init (&a, clock, 7);
    nq_idgen_init (&b, clock, 7);
    char x[NQ_ID_TEXT_LEN + 1], y[NQ_ID_TEXT_LEN + 1];
    for (int i = 0; i < 10; i++) {
        nq_idgen_next (&a, x);
        nq_idgen_next (&b, y);
        assert_string_equal (x, y);
    }
    nq_clock_destroy (&clock);
}

NQ_TEST_MAIN (cmocka_unit_test (test_format_and_time), cmocka_unit_test (test_strictly_increasing),
              cmocka_unit_test (test_seeded_is_reproducible))
