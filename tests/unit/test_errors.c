/*  test_errors.c — the error table: names, wire names, lookups. */
#include "nqtest.h"

#include "common/errors.h"

#include <string.h>

static void
test_wire_names (void **state)
{
    (void) state;
    assert_string_equal (nq_error_wire (NQ_EOVERLOADED), "overloaded");
    assert_string_equal (nq_error_wire (NQ_ERATE_LIMITED), "rate_limited");
    assert_string_equal (nq_error_wire (NQ_EUPSTREAM_UNAVAILABLE), "upstream_unavailable");
    assert_string_equal (nq_error_wire (NQ_ENOMEM), "internal");
    assert_string_equal (nq_error_wire (NQ_EPROTO_UTF8), "invalid_request");
    assert_string_equal (nq_error_wire (0), "ok");
    assert_string_equal (nq_error_wire (-9999), "internal");
}

static void
test_descriptions (void **state)
{
    (void) state;
    assert_string_equal (nq_strerror (0), "ok");
    assert_string_equal (nq_strerror (NQ_EPROTO_UTF8), "text is not valid UTF-8");
    assert_string_equal (nq_strerror (-9999), "unknown error");
    assert_string_equal (nq_error_name (NQ_EOVERLOADED), "OVERLOADED");
}

static void
test_from_wire (void **state)
{
    (void) state;
    static const char *wire[] = {"invalid_request", "unauthorized", "forbidden", "rate_limited",
                                 "quota_exceeded", "overloaded", "unavailable", "not_found",
                                 "deadline_exceeded", "cancelled", "upstream_unavailable",
                                 "upstream_failed", "internal"};
    for (size_t i = 0; i < sizeof wire / sizeof wire[0]; i++) {
        int code = nq_error_from_wire (wire[i]);
        assert_true (code < 0);
        assert_string_equal (nq_error_wire (code), wire[i]);
        //  Public codes map back to themselves, not to a local alias.
        assert_int_equal (code, -(int) (i + 1));
    }
    assert_int_equal (nq_error_from_wire ("no_such_code"), NQ_EINTERNAL);
    assert_int_equal (nq_error_from_wire (NULL), NQ_EINTERNAL);
}

NQ_TEST_MAIN (cmocka_unit_test (test_wire_names), cmocka_unit_test (test_descriptions),
              cmocka_unit_test (test_from_wire))
