/*  test_reflect.c — the reflection request carries the schema and the
    exchange; answers are validated field by field. */
#include "nqtest.h"

#include "actors/reflect.h"
#include "common/errors.h"

#include <string.h>

static void
test_request_shape (void **state)
{
    (void) state;
    const char *ctx[] = {"user prefers short answers"};
    nq_reflect_t r = {.input = "What is 2+2?", .output = "4", .context = ctx, .context_count = 1};
    json_t *body = nq_reflect_request (&r, "mistral:instruct");
    assert_non_null (body);
    assert_string_equal (json_string_value (json_object_get (body, "model")), "mistral:instruct");
    assert_true (json_is_false (json_object_get (body, "stream")));
    json_t *messages = json_object_get (body, "messages");
    assert_int_equal (json_array_size (messages), 2);
    const char *system = json_string_value (json_object_get (json_array_get (messages, 0), "content"));
    assert_non_null (strstr (system, "what did I attempt to accomplish in this interaction?"));
    assert_non_null (strstr (system, "constitutional principles"));
    assert_non_null (strstr (system, "improve my response for next time"));
    const char *user = json_string_value (json_object_get (json_array_get (messages, 1), "content"));
    assert_non_null (strstr (user, "What is 2+2?"));
    assert_non_null (strstr (user, "The assistant answered:\n4"));
    assert_non_null (strstr (user, "- user prefers short answers"));
    json_t *format = json_object_get (body, "format");
    assert_string_equal (json_string_value (json_object_get (format, "type")), "object");
    assert_int_equal (json_array_size (json_object_get (format, "required")), 4);
    //  Options stay minimal: never num_ctx, which would force a model reload.
    assert_null (json_object_get (json_object_get (body, "options"), "num_ctx"));
    json_decref (body);
}

static void
test_valid_answer (void **state)
{
    (void) state;
    nq_reflect_answer_t a;
    const char *why = NULL;
    assert_int_equal (nq_reflect_parse ("{\"attempted\":\"answer arithmetic\",\"self_assessment\":\"aligned: honest\","
                                        "\"alignment_score\":0.85,\"improvement_notes\":\"show the working\"}",
                                        &a, &why),
                      0);
    assert_string_equal (a.attempted, "answer arithmetic");
    assert_true (a.alignment_score == 0.85);
    assert_true (a.aligned);
    nq_reflect_answer_fini (&a);
    //  The flag follows the score, not what the model says.
    assert_int_equal (nq_reflect_parse ("{\"attempted\":\"a\",\"self_assessment\":\"b\",\"alignment_score\":0.5,"
                                        "\"improvement_notes\":\"c\",\"aligned\":true}",
                                        &a, &why),
                      0);
    assert_false (a.aligned);
    nq_reflect_answer_fini (&a);
    assert_int_equal (nq_reflect_parse ("{\"attempted\":\"a\",\"self_assessment\":\"b\",\"alignment_score\":0.7,"
                                        "\"improvement_notes\":\"c\"}",
                                        &a, &why),
                      0);
    assert_true (a.aligned);    //  0.7 is aligned
    nq_reflect_answer_fini (&a);
}

static void
test_invalid_answers (void **state)
{
    (void) state;
    static const struct {
        const char *text, *why;
    } bad[] = {
        {"not json", "not valid JSON"},
        {"[1,2]", "not a JSON object"},
        {"{\"self_assessment\":\"b\",\"alignment_score\":0.5,\"improvement_notes\":\"c\"}", "'attempted'"},
        {"{\"attempted\":7,\"self_assessment\":\"b\",\"alignment_score\":0.5,\"improvement_notes\":\"c\"}", "'attempted'"},
        {"{\"attempted\":\"a\",\"self_assessment\":\"b\",\"improvement_notes\":\"c\"}", "alignment_score"},
        {"{\"attempted\":\"a\",\"self_assessment\":\"b\",\"alignment_score\":\"high\",\"improvement_notes\":\"c\"}",
         "alignment_score"},
        {"{\"attempted\":\"a\",\"self_assessment\":\"b\",\"alignment_score\":1.5,\"improvement_notes\":\"c\"}", "outside 0..1"},
        {"{\"attempted\":\"a\",\"attempted\":\"b\"}", "not valid JSON"},
        {NULL, "not valid JSON"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        nq_reflect_answer_t a;
        const char *why = NULL;
        assert_int_equal (nq_reflect_parse (bad[i].text, &a, &why), NQ_EUPSTREAM_FAILED);
        if (!why || !strstr (why, bad[i].why))
            fail_msg ("'%s' gave '%s', expected '%s'", bad[i].text ? bad[i].text : "(null)", why ? why : "", bad[i].why);
        assert_null (a.attempted);
    }
}

NQ_TEST_MAIN (cmocka_unit_test (test_request_shape), cmocka_unit_test (test_valid_answer),
              cmocka_unit_test (test_invalid_answers))
