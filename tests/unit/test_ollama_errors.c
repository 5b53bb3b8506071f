/*  test_ollama_errors.c — the Ollama client's error mapping: each condition
    gives its NQ_E* code, retry flag and breaker verdict (the table in
    docs/ollama-client.md). */
#include "nqtest.h"

#include "actors/ollama.h"
#include "common/errors.h"

#include <string.h>

typedef struct {
    nq_call_kind_t kind;
    int status;
    int code;
    int retryable;
    nq_verdict_t verdict;
} s_row_t;

static void
test_mapping_table (void **state)
{
    (void)state;
    const s_row_t rows[] = {
        {NQ_CALL_HTTP, 404, NQ_ENOT_FOUND, 0, NQ_VERDICT_SUCCESS},
        {NQ_CALL_HTTP, 400, NQ_EINVALID, 0, NQ_VERDICT_SUCCESS},
        {NQ_CALL_HTTP, 413, NQ_EINVALID, 0, NQ_VERDICT_SUCCESS},
        {NQ_CALL_HTTP, 429, NQ_ERATE_LIMITED, 1, NQ_VERDICT_SUCCESS},
        {NQ_CALL_HTTP, 503, NQ_EOVERLOADED, 1, NQ_VERDICT_FAILURE},
        {NQ_CALL_HTTP, 500, NQ_EUPSTREAM_FAILED, 1, NQ_VERDICT_FAILURE},
        {NQ_CALL_HTTP, 502, NQ_EUPSTREAM_FAILED, 1, NQ_VERDICT_FAILURE},
        {NQ_CALL_STREAM, 200, NQ_EUPSTREAM_FAILED, 1, NQ_VERDICT_FAILURE},
        {NQ_CALL_TRANSPORT, 0, NQ_EUNAVAILABLE, 1, NQ_VERDICT_FAILURE},
        {NQ_CALL_TIMEOUT, 0, NQ_ETIMEOUT, 1, NQ_VERDICT_FAILURE},
        {NQ_CALL_TIMEOUT, 200, NQ_ETIMEOUT, 1, NQ_VERDICT_FAILURE},
        {NQ_CALL_CANCELLED, 0, NQ_ECANCELLED, 0, NQ_VERDICT_IGNORE},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        nq_ollama_error_t e;
        memset (&e, 0, sizeof e);
        nq_ollama_classify (rows[i].kind, rows[i].status, &e);
        assert_int_equal (e.code, rows[i].code);
        assert_int_equal (e.retryable, rows[i].retryable);
        assert_int_equal (e.verdict, rows[i].verdict);
        assert_int_equal (e.call.kind, rows[i].kind);
        assert_int_equal (e.call.http_status, rows[i].status);
    }
}

static void
test_wire_names (void **state)
{
    (void)state;
    //  What the broker will see when an actor forwards these codes.
    assert_string_equal (nq_error_wire (NQ_EOVERLOADED), "overloaded");
    assert_string_equal (nq_error_wire (NQ_ENOT_FOUND), "not_found");
    assert_string_equal (nq_error_wire (NQ_EUPSTREAM_FAILED), "upstream_failed");
    assert_string_equal (nq_error_wire (NQ_ETIMEOUT), "deadline_exceeded");
}

NQ_TEST_MAIN (cmocka_unit_test (test_mapping_table), cmocka_unit_test (test_wire_names))
