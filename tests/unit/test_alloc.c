/*  test_alloc.c — the allocation seam fails exactly the N-th allocation. */
#include "nqtest.h"

#include "common/alloc.h"
#include "common/config.h"

#include <string.h>

static void
test_fail_nth (void **state)
{
    (void) state;
    nq_alloc_fail_after (3, 0);
    void *a = nq_malloc (8);
    void *b = nq_calloc (2, 8);
    void *c = nq_malloc (8);    //  the third: fails
    void *d = nq_strdup ("x");  //  the seam is off again
    assert_non_null (a);
    assert_non_null (b);
    assert_null (c);
    assert_non_null (d);
    nq_free (a);
    nq_free (b);
    nq_free (d);
}

static void
test_sticky (void **state)
{
    (void) state;
    long failures = nq_alloc_failures ();
    nq_alloc_fail_after (1, 1);
    assert_null (nq_malloc (1));
    assert_null (nq_realloc (NULL, 1));
    assert_null (nq_strdup ("abc"));
    assert_int_equal (nq_alloc_failures () - failures, 3);
    nq_alloc_fail_after (0, 0);
    void *p = nq_malloc (1);
    assert_non_null (p);
    nq_free (p);
}

static void
test_counts (void **state)
{
    (void) state;
    long before = nq_alloc_count ();
    char *s = nq_strndup ("abcdef", 3);
    assert_string_equal (s, "abc");
    assert_int_equal (nq_alloc_count () - before, 1);
    nq_free (s);
    assert_null (nq_strdup (NULL));
    char *m = nq_memdup ("ab", 2);
    assert_memory_equal (m, "ab", 2);
    nq_free (m);
}

//  Every allocation a real constructor makes can fail without a crash or a
//  leak (ASan checks the leak part): the seam walks them one by one.
static void
test_config_survives_each_failure (void **state)
{
    (void) state;
    int succeeded = 0;
    for (long n = 1; n < 200 && !succeeded; n++) {
        nq_alloc_fail_after (n, 0);
        nq_config_t *config = nq_config_new ();
        nq_alloc_fail_after (0, 0);
        if (config) {
            succeeded = 1;
            nq_config_destroy (&config);
        }
    }
    assert_true (succeeded);
}

NQ_TEST_MAIN (cmocka_unit_test (test_fail_nth), cmocka_unit_test (test_sticky), cmocka_unit_test (test_counts),
              cmocka_unit_test (test_config_survives_each_failure))
