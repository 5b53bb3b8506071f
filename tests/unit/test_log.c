/*  test_log.c — every line is one valid JSON object, whatever the input. */
#include "nqtest.h"

#include "common/log.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char lines[8][20000];
    int count;
} s_capture_t;

static void
s_sink (void *arg, const char *line, size_t len)
{
    s_capture_t *c = arg;
    if (c->count < 8) {
        memcpy (c->lines[c->count], line, len);
        c->lines[c->count][len] = '\0';
        c->count++;
    }
}

static int
s_setup (void **state)
{
    s_capture_t *c = calloc (1, sizeof *c);
    nq_log_init ("test", NQ_LOG_DEBUG, NQ_LOG_FORMAT_JSON);
    nq_log_set_sink (s_sink, c);
    *state = c;
    return 0;
}

static int
s_teardown (void **state)
{
    nq_log_set_sink (NULL, NULL);
    free (*state);
    return 0;
}

static json_t *
s_parse (const char *line)
{
    json_error_t err;
    size_t len = strlen (line);
    assert_true (len > 0 && line[len - 1] == '\n');
    assert_null (memchr (line, '\n', len - 1));    //  exactly one line
    json_t *j = json_loads (line, 0, &err);
    if (!j)
        fail_msg ("not JSON (%s): %s", err.text, line);
    assert_true (json_is_object (j));
    return j;
}

static void
test_fields_and_types (void **state)
{
    s_capture_t *c = *state;
    NQ_LOG_INFO ("job_accepted", NQ_LS ("job_id", "01J"), NQ_LI ("attempt", -3), NQ_LU ("bytes", 1099511627776ULL),
                 NQ_LD ("ratio", 0.25), NQ_LB ("durable", 1), NQ_LS ("none", NULL));
    assert_int_equal (c->count, 1);
    json_t *j = s_parse (c->lines[0]);
    assert_string_equal (json_string_value (json_object_get (j, "event")), "job_accepted");
    assert_string_equal (json_string_value (json_object_get (j, "level")), "info");
    assert_string_equal (json_string_value (json_object_get (j, "service")), "test");
    assert_string_equal (json_string_value (json_object_get (j, "job_id")), "01J");
    assert_int_equal (json_integer_value (json_object_get (j, "attempt")), -3);
    assert_int_equal (json_integer_value (json_object_get (j, "bytes")), 1099511627776LL);
    assert_true (json_real_value (json_object_get (j, "ratio")) == 0.25);
    assert_true (json_is_true (json_object_get (j, "durable")));
    assert_true (json_is_null (json_object_get (j, "none")));
    const char *ts = json_string_value (json_object_get (j, "ts"));
    assert_non_null (ts);
    assert_int_equal (strlen (ts), 24);    //  2026-11-28T05:10:00.123Z
    assert_int_equal (ts[23], 'Z');
    json_decref (j);
}

static void
test_no_fields (void **state)
{
    s_capture_t *c = *state;
    NQ_LOG_WARN ("plain");
    json_t *j = s_parse (c->lines[0]);
    assert_string_equal (json_string_value (json_object_get (j, "event")), "plain");
    assert_string_equal (json_string_value (json_object_get (j, "level")), "warn");
    json_decref (j);
}

static void
test_hostile_strings (void **state)
{
    s_capture_t *c = *state;
    const char *hostile = "quote\" backslash\\ newline\n cr\r tab\t bell\a esc\x1b del\x7f "
                          "bad-utf8 \xff\xfe overlong \xc0\xaf surrogate \xed\xa0\x80 cut \xe2\x82 "
                          "fine \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \"},\"level\":\"error";
    NQ_LOG_ERROR (hostile, NQ_LS (hostile, hostile), NQ_LS ("k", "}\n{\"forged\":true}"));
    assert_int_equal (c->count, 1);
    json_t *j = s_parse (c->lines[0]);
    //  The forged fields did not take: level stays "error" (from the call), no "forged" key.
    assert_string_equal (json_string_value (json_object_get (j, "level")), "error");
    assert_null (json_object_get (j, "forged"));
    const char *ev = json_string_value (json_object_get (j, "event"));
    assert_non_null (ev);
    assert_non_null (strstr (ev, "quote\" backslash\\ newline\n"));
    assert_non_null (strstr (ev, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));    //  valid UTF-8 kept
    assert_non_null (strstr (ev, "bad-utf8 \xef\xbf\xbd\xef\xbf\xbd"));         //  invalid → U+FFFD
    assert_string_equal (json_string_value (json_object_get (j, "k")), "}\n{\"forged\":true}");
    json_decref (j);
}

static void
test_long_line_is_cut_but_valid (void **state)
{
    s_capture_t *c = *state;
    static char big[9000];
    memset (big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    //  Each value is cut at 4096 characters; several push the line over 16 KiB.
    NQ_LOG_INFO ("big", NQ_LS ("a", big), NQ_LS ("b", big), NQ_LS ("c", big), NQ_LS ("d", big),
                 NQ_LS ("e", big), NQ_LI ("after", 1));
    json_t *j = s_parse (c->lines[0]);
    assert_true (json_is_true (json_object_get (j, "log_truncated")));
    assert_non_null (json_object_get (j, "a"));
    json_decref (j);
    //  A line of control characters (each six bytes escaped) stays valid too.
    static char ctl[9000];
    memset (ctl, '\x01', sizeof ctl - 1);
    ctl[sizeof ctl - 1] = '\0';
    NQ_LOG_INFO ("ctl", NQ_LS ("x", ctl), NQ_LS ("y", ctl), NQ_LS ("z", ctl));
    json_decref (s_parse (c->lines[1]));
}

static void
test_non_finite_is_null (void **state)
{
    s_capture_t *c = *state;
    NQ_LOG_INFO ("nan", NQ_LD ("x", NAN), NQ_LD ("y", INFINITY));
    json_t *j = s_parse (c->lines[0]);
    assert_true (json_is_null (json_object_get (j, "x")));
    assert_true (json_is_null (json_object_get (j, "y")));
    json_decref (j);
}

static void
test_levels_filter (void **state)
{
    s_capture_t *c = *state;
    nq_log_set_level (NQ_LOG_WARN);
    NQ_LOG_DEBUG ("hidden");
    NQ_LOG_INFO ("hidden");
    NQ_LOG_WARN ("shown");
    NQ_LOG_ERROR ("shown");
    assert_int_equal (c->count, 2);
    nq_log_set_level (NQ_LOG_OFF);
    NQ_LOG_ERROR ("hidden");
    assert_int_equal (c->count, 2);
    nq_log_level_t l;
    assert_int_equal (nq_log_level_parse ("WARNING", &l), 0);
    assert_int_equal (l, NQ_LOG_WARN);
    assert_int_equal (nq_log_level_parse ("debug", &l), 0);
    assert_int_equal (l, NQ_LOG_DEBUG);
    assert_true (nq_log_level_parse ("loud", &l) < 0);
    assert_true (nq_log_level_parse (NULL, &l) < 0);
}

static void
test_text_format (void **state)
{
    s_capture_t *c = *state;
    nq_log_set_format (NQ_LOG_FORMAT_TEXT);
    NQ_LOG_INFO ("worker_ready", NQ_LS ("instance", "gpu0"), NQ_LI ("slots", 4), NQ_LS ("note", "two\nlines"));
    nq_log_set_format (NQ_LOG_FORMAT_JSON);
    const char *line = c->lines[0];
    assert_non_null (strstr (line, " INFO  worker_ready instance=\"gpu0\" slots=4 note=\"two\\nlines\"\n"));
    assert_null (memchr (line, '\n', strlen (line) - 1));
}

NQ_TEST_MAIN (cmocka_unit_test_setup_teardown (test_fields_and_types, s_setup, s_teardown),
              cmocka_unit_test_setup_teardown (test_no_fields, s_setup, s_teardown),
              cmocka_unit_test_setup_teardown (test_hostile_strings, s_setup, s_teardown),
              cmocka_unit_test_setup_teardown (test_long_line_is_cut_but_valid, s_setup, s_teardown),
              cmocka_unit_test_setup_teardown (test_non_finite_is_null, s_setup, s_teardown),
              cmocka_unit_test_setup_teardown (test_levels_filter, s_setup, s_teardown),
              cmocka_unit_test_setup_teardown (test_text_format, s_setup, s_teardown))
