/*  test_ndjson.c — the NDJSON splitter: a captured Ollama chat stream split
    at every byte boundary (and byte by byte, and in random pieces), UTF-8
    sequences cut between reads, over-long lines bounded, sticky errors. */
#include "nqtest.h"

#include "actors/ndjson.h"
#include "common/alloc.h"
#include "common/errors.h"
#include "common/rng.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char text[4096];    //  message.content pieces, concatenated
    size_t text_len;
    char lines[8192];    //  every line, '\n'-joined
    size_t lines_len;
    int count;
    int done;
    long long eval_count;
    int stop_after;    //  > 0: return an error code on that line
} s_sink_t;

static int
s_on_line (void *arg, const char *line, size_t len)
{
    s_sink_t *sink = arg;
    assert_int_equal (line[len], '\0');
    assert_true (sink->lines_len + len + 1 < sizeof sink->lines);
    memcpy (sink->lines + sink->lines_len, line, len);
    sink->lines_len += len;
    sink->lines[sink->lines_len++] = '\n';
    sink->count++;
    json_t *o = json_loadb (line, len, 0, NULL);
    if (o) {
        const char *t = json_string_value (json_object_get (json_object_get (o, "message"), "content"));
        if (t) {
            size_t n = strlen (t);
            assert_true (sink->text_len + n < sizeof sink->text);
            memcpy (sink->text + sink->text_len, t, n);
            sink->text_len += n;
        }
        if (json_is_true (json_object_get (o, "done"))) {
            sink->done = 1;
            sink->eval_count = json_integer_value (json_object_get (o, "eval_count"));
        }
        json_decref (o);
    }
    if (sink->stop_after && sink->count == sink->stop_after)
        return NQ_ECANCELLED;
    return 0;
}

static char *
s_load (size_t *len)
{
    char path[1024];
    snprintf (path, sizeof path, "%s/tests/vectors/ollama/chat_stream.ndjson", NQ_SRCDIR);
    FILE *f = fopen (path, "rb");
    assert_non_null (f);
    static char buf[8192];
    *len = fread (buf, 1, sizeof buf, f);
    fclose (f);
    assert_true (*len > 1000 && *len < sizeof buf);
    return buf;
}

static const char s_expected_text[] = "Le café est très bon ☕ 🙂 日本語も。\n";

static void
s_check (const s_sink_t *sink, const char *stream, size_t len)
{
    assert_int_equal (sink->count, 8);
    assert_int_equal (sink->lines_len, len);
    assert_memory_equal (sink->lines, stream, len);
    assert_int_equal (sink->text_len, strlen (s_expected_text));
    assert_memory_equal (sink->text, s_expected_text, sink->text_len);
    assert_true (sink->done);
    assert_int_equal (sink->eval_count, 7);
}

static void
test_every_byte_boundary (void **state)
{
    (void)state;
    size_t len;
    const char *stream = s_load (&len);
    for (size_t cut = 0; cut <= len; cut++) {
        s_sink_t sink = {0};
        nq_ndjson_t *nd = nq_ndjson_new (0, s_on_line, &sink);
        assert_non_null (nd);
        assert_int_equal (nq_ndjson_feed (nd, stream, cut), 0);
        assert_int_equal (nq_ndjson_feed (nd, stream + cut, len - cut), 0);
        assert_int_equal (nq_ndjson_finish (nd), 0);
        assert_int_equal (nq_ndjson_pending (nd), 0);
        s_check (&sink, stream, len);
        nq_ndjson_destroy (&nd);
        assert_null (nd);
    }
}

static void
test_every_pair_of_boundaries (void **state)
{
    (void)state;
    size_t len;
    const char *stream = s_load (&len);
    //  Three reads cut at (a, b): every pair on a stride keeps it quick.
    for (size_t a = 0; a <= len; a += 7)
        for (size_t b = a; b <= len; b += 13) {
            s_sink_t sink = {0};
            nq_ndjson_t *nd = nq_ndjson_new (0, s_on_line, &sink);
            assert_int_equal (nq_ndjson_feed (nd, stream, a), 0);
            assert_int_equal (nq_ndjson_feed (nd, stream + a, b - a), 0);
            assert_int_equal (nq_ndjson_feed (nd, stream + b, len - b), 0);
            assert_int_equal (nq_ndjson_finish (nd), 0);
            s_check (&sink, stream, len);
            nq_ndjson_destroy (&nd);
        }
}

static void
test_byte_by_byte_and_random_reads (void **state)
{
    (void)state;
    size_t len;
    const char *stream = s_load (&len);
    s_sink_t sink = {0};
    nq_ndjson_t *nd = nq_ndjson_new (0, s_on_line, &sink);
    for (size_t i = 0; i < len; i++)
        assert_int_equal (nq_ndjson_feed (nd, stream + i, 1), 0);
    assert_int_equal (nq_ndjson_finish (nd), 0);
    s_check (&sink, stream, len);
    nq_ndjson_destroy (&nd);

    nq_rng_t rng;
    nq_rng_seed (&rng, 42);
    for (int round = 0; round < 200; round++) {
        s_sink_t s2 = {0};
        nd = nq_ndjson_new (0, s_on_line, &s2);
        size_t at = 0;
        while (at < len) {
            size_t n = 1 + (size_t)(nq_rng_next (&rng) % 97);
            if (n > len - at)
                n = len - at;
            assert_int_equal (nq_ndjson_feed (nd, stream + at, n), 0);
            at += n;
        }
        assert_int_equal (nq_ndjson_finish (nd), 0);
        s_check (&s2, stream, len);
        nq_ndjson_destroy (&nd);
    }
}

static void
test_partial_utf8_at_boundary (void **state)
{
    (void)state;
    //  U+1F642 (4 bytes) cut after each of its first three bytes.
    const char line[] = "{\"message\":{\"content\":\"\xF0\x9F\x99\x82\"}}\n";
    const char *emoji = strstr (line, "\xF0");
    size_t at = (size_t)(emoji - line);
    for (size_t k = 1; k <= 3; k++) {
        s_sink_t sink = {0};
        nq_ndjson_t *nd = nq_ndjson_new (0, s_on_line, &sink);
        assert_int_equal (nq_ndjson_feed (nd, line, at + k), 0);
        assert_int_equal (sink.count, 0);
        assert_int_equal (nq_ndjson_pending (nd), at + k);
        assert_int_equal (nq_ndjson_feed (nd, line + at + k, sizeof line - 1 - at - k), 0);
        assert_int_equal (sink.count, 1);
        assert_string_equal (sink.text, "\xF0\x9F\x99\x82");
        nq_ndjson_destroy (&nd);
    }
    //  A sequence that never completes inside its line is refused, and the
    //  error sticks.
    s_sink_t sink = {0};
    nq_ndjson_t *nd = nq_ndjson_new (0, s_on_line, &sink);
    assert_int_equal (nq_ndjson_feed (nd, "{\"a\":\"\xF0\x9F\"}\n", 12), NQ_EPROTO_UTF8);
    assert_int_equal (nq_ndjson_feed (nd, "{}\n", 3), NQ_EPROTO_UTF8);
    assert_int_equal (nq_ndjson_finish (nd), NQ_EPROTO_UTF8);
    assert_int_equal (sink.count, 0);
    nq_ndjson_destroy (&nd);
}

static void
test_long_lines_bounded (void **state)
{
    (void)state;
    enum { MAX = 64 };
    char line[MAX + 2];
    memset (line, 'x', sizeof line);
    //  Exactly MAX bytes (and MAX with a CR before the newline) pass.
    s_sink_t sink = {0};
    nq_ndjson_t *nd = nq_ndjson_new (MAX, s_on_line, &sink);
    line[MAX] = '\n';
    assert_int_equal (nq_ndjson_feed (nd, line, MAX + 1), 0);
    line[MAX] = '\r';
    line[MAX + 1] = '\n';
    assert_int_equal (nq_ndjson_feed (nd, line, MAX + 2), 0);
    assert_int_equal (sink.count, 2);
    assert_int_equal (sink.lines_len, 2 * (MAX + 1));
    nq_ndjson_destroy (&nd);

    //  MAX + 1 bytes in one read, with its newline: refused.
    memset (&sink, 0, sizeof sink);
    nd = nq_ndjson_new (MAX, s_on_line, &sink);
    memset (line, 'y', sizeof line);
    line[MAX + 1] = '\n';
    assert_int_equal (nq_ndjson_feed (nd, line, MAX + 2), NQ_EPROTO_TOO_LARGE);
    assert_int_equal (sink.count, 0);
    nq_ndjson_destroy (&nd);

    //  A peer that never sends a newline: refused as soon as the line is
    //  past the bound, the buffer never grows beyond it.
    memset (&sink, 0, sizeof sink);
    nd = nq_ndjson_new (MAX, s_on_line, &sink);
    int rc = 0;
    size_t fed = 0;
    while (rc == 0 && fed < 10 * MAX) {
        rc = nq_ndjson_feed (nd, "zzzzz", 5);
        fed += 5;
        assert_true (nq_ndjson_pending (nd) <= MAX + 1);
    }
    assert_int_equal (rc, NQ_EPROTO_TOO_LARGE);
    assert_true (fed <= MAX + 2 * 5);
    assert_int_equal (nq_ndjson_feed (nd, "\n", 1), NQ_EPROTO_TOO_LARGE);
    nq_ndjson_destroy (&nd);

    //  An unterminated last line over the bound fails at finish.
    memset (&sink, 0, sizeof sink);
    nd = nq_ndjson_new (4, s_on_line, &sink);
    assert_int_equal (nq_ndjson_feed (nd, "abcde", 5), 0);
    assert_int_equal (nq_ndjson_finish (nd), NQ_EPROTO_TOO_LARGE);
    nq_ndjson_destroy (&nd);
}

static void
test_empty_lines_finish_and_stop (void **state)
{
    (void)state;
    s_sink_t sink = {0};
    nq_ndjson_t *nd = nq_ndjson_new (0, s_on_line, &sink);
    assert_int_equal (nq_ndjson_feed (nd, "\n\r\n{\"a\":1}\r\n\n{\"b\":2}", 20), 0);
    assert_int_equal (sink.count, 1);
    assert_int_equal (nq_ndjson_finish (nd), 0);
    assert_int_equal (sink.count, 2);
    assert_int_equal (nq_ndjson_lines (nd), 2);
    assert_memory_equal (sink.lines, "{\"a\":1}\n{\"b\":2}\n", 16);
    nq_ndjson_destroy (&nd);

    //  The callback's code stops splitting and sticks.
    memset (&sink, 0, sizeof sink);
    sink.stop_after = 2;
    nd = nq_ndjson_new (0, s_on_line, &sink);
    assert_int_equal (nq_ndjson_feed (nd, "{}\n{}\n{}\n", 9), NQ_ECANCELLED);
    assert_int_equal (sink.count, 2);
    assert_int_equal (nq_ndjson_feed (nd, "{}\n", 3), NQ_ECANCELLED);
    assert_int_equal (sink.count, 2);
    nq_ndjson_destroy (&nd);
    nq_ndjson_destroy (&nd);    //  NULL is accepted
}

static void
test_out_of_memory (void **state)
{
    (void)state;
    s_sink_t sink = {0};
    nq_alloc_fail_after (1, 0);
    assert_null (nq_ndjson_new (0, s_on_line, &sink));
    nq_alloc_fail_after (0, 0);
    nq_ndjson_t *nd = nq_ndjson_new (0, s_on_line, &sink);
    assert_non_null (nd);
    nq_alloc_fail_after (1, 0);
    assert_int_equal (nq_ndjson_feed (nd, "{\"partial\":", 11), NQ_ENOMEM);
    nq_alloc_fail_after (0, 0);
    nq_ndjson_destroy (&nd);
}

static void
test_utf8_validator (void **state)
{
    (void)state;
    assert_true (nq_ndjson_utf8_valid ("plain ascii", 11));
    assert_true (nq_ndjson_utf8_valid ("caf\xC3\xA9 \xE2\x98\x95 \xF0\x9F\x99\x82", 14));
    assert_true (nq_ndjson_utf8_valid ("\xF4\x8F\xBF\xBF", 4));     //  U+10FFFF
    assert_false (nq_ndjson_utf8_valid ("\xC0\xAF", 2));            //  overlong '/'
    assert_false (nq_ndjson_utf8_valid ("\xE0\x80\xAF", 3));        //  overlong
    assert_false (nq_ndjson_utf8_valid ("\xED\xA0\x80", 3));        //  surrogate U+D800
    assert_false (nq_ndjson_utf8_valid ("\xF4\x90\x80\x80", 4));    //  past U+10FFFF
    assert_false (nq_ndjson_utf8_valid ("\x80", 1));                //  lone continuation
    assert_false (nq_ndjson_utf8_valid ("\xE2\x98", 2));            //  truncated
    assert_false (nq_ndjson_utf8_valid ("\xFF", 1));
}

NQ_TEST_MAIN (cmocka_unit_test (test_every_byte_boundary), cmocka_unit_test (test_every_pair_of_boundaries),
              cmocka_unit_test (test_byte_by_byte_and_random_reads),
              cmocka_unit_test (test_partial_utf8_at_boundary), cmocka_unit_test (test_long_lines_bounded),
              cmocka_unit_test (test_empty_lines_finish_and_stop), cmocka_unit_test (test_out_of_memory),
              cmocka_unit_test (test_utf8_validator))
