/*  fuzz_ndjson.c — libFuzzer target: the NDJSON splitter of Ollama streams.
    The first two bytes choose the line bound and how the rest is cut into
    reads; the lines (or the error) must not depend on where the cuts fall,
    every line must be bounded, newline-free valid UTF-8, and each is
    parsed as JSON as the client does. Never a crash, leak or hang. */
#include "actors/ndjson.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

typedef struct {
    size_t max_line;
    uint64_t hash;    //  of every line, in order
    size_t count;
} s_out_t;

static int
s_on_line (void *arg, const char *line, size_t len)
{
    s_out_t *out = arg;
    if (len == 0 || len > out->max_line || memchr (line, '\n', len) || line[len] != '\0' ||
        !nq_ndjson_utf8_valid (line, len))
        abort ();
    for (size_t i = 0; i < len; i++)
        out->hash = (out->hash ^ (uint8_t)line[i]) * 1099511628211ull;
    out->hash = (out->hash ^ 0x100) * 1099511628211ull;
    out->count++;
    json_t *o = json_loadb (line, len, 0, NULL);
    if (json_is_object (o)) {
        (void)json_string_value (json_object_get (json_object_get (o, "message"), "content"));
        (void)json_is_true (json_object_get (o, "done"));
    }
    json_decref (o);
    return 0;
}

static int
s_run (const uint8_t *data, size_t size, size_t max_line, size_t stride, s_out_t *out)
{
    memset (out, 0, sizeof *out);
    out->max_line = max_line;
    out->hash = 1469598103934665603ull;
    nq_ndjson_t *nd = nq_ndjson_new (max_line, s_on_line, out);
    if (!nd)
        abort ();
    int rc = 0;
    size_t at = 0;
    while (rc == 0 && at < size) {
        size_t n = stride < size - at ? stride : size - at;
        rc = nq_ndjson_feed (nd, data + at, n);
        at += n;
    }
    if (rc == 0)
        rc = nq_ndjson_finish (nd);
    nq_ndjson_destroy (&nd);
    return rc;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size < 2 || size > 1 << 16)
        return 0;
    size_t max_line = 1 + (size_t)data[0] * 4;
    size_t stride = 1 + data[1];
    data += 2;
    size -= 2;
    s_out_t whole, cut;
    int a = s_run (data, size, max_line, size ? size : 1, &whole);
    int b = s_run (data, size, max_line, stride, &cut);
    //  An error may be found earlier in smaller reads (a line is refused as
    //  soon as it outgrows the bound), but the code and, without an error,
    //  the lines must agree.
    if (a != b)
        abort ();
    if (a == 0 && (whole.count != cut.count || whole.hash != cut.hash))
        abort ();
    return 0;
}
