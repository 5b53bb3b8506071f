/*  ndjson.c — the NDJSON line splitter (see ndjson.h). */
#include "actors/ndjson.h"

#include "common/alloc.h"
#include "common/errors.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#define NQ_NDJSON_DEFAULT_MAX (1024 * 1024)

struct nq_ndjson_t {
    size_t max_line;
    nq_ndjson_line_fn *line_fn;
    void *arg;
    char *buf;    //  the unfinished line
    size_t len;
    size_t cap;
    size_t lines;
    int error;    //  sticky
};

nq_ndjson_t *
nq_ndjson_new (size_t max_line, nq_ndjson_line_fn *line_fn, void *arg)
{
    assert (line_fn);
    nq_ndjson_t *self = nq_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->max_line = max_line ? max_line : NQ_NDJSON_DEFAULT_MAX;
    self->line_fn = line_fn;
    self->arg = arg;
    return self;
}

void
nq_ndjson_destroy (nq_ndjson_t **self_p)
{
    assert (self_p);
    nq_ndjson_t *self = *self_p;
    if (!self)
        return;
    nq_free (self->buf);
    nq_free (self);
    *self_p = NULL;
}

int
nq_ndjson_utf8_valid (const char *data, size_t len)
{
    const unsigned char *s = (const unsigned char *)data;
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        }
        else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        }
        else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        }
        else
            return 0;
        if (len - i - 1 < n)
            return 0;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += n + 1;
    }
    return 1;
}

//  Delivers line[0..len) (line[len] must be writable or already NUL).
static int
s_deliver (nq_ndjson_t *self, char *line, size_t len)
{
    if (len && line[len - 1] == '\r')
        len--;
    if (len == 0)
        return 0;
    if (!nq_ndjson_utf8_valid (line, len))
        return NQ_EPROTO_UTF8;
    char saved = line[len];
    line[len] = '\0';
    self->lines++;
    int rc = self->line_fn (self->arg, line, len);
    line[len] = saved;
    return rc;
}

static int
s_append (nq_ndjson_t *self, const char *data, size_t size)
{
    //  +1 keeps room for '\r' (stripped later) and the NUL
    if (self->len + size > self->max_line + 1)
        return NQ_EPROTO_TOO_LARGE;
    if (self->len + size + 1 > self->cap) {
        size_t cap = self->cap ? self->cap : 256;
        while (cap < self->len + size + 1)
            cap *= 2;
        char *buf = nq_realloc (self->buf, cap);
        if (!buf)
            return NQ_ENOMEM;
        self->buf = buf;
        self->cap = cap;
    }
    memcpy (self->buf + self->len, data, size);
    self->len += size;
    return 0;
}

//  Checks a complete line's length (without '\r') against the bound.
static int
s_too_long (const nq_ndjson_t *self, const char *line, size_t len)
{
    if (len && line[len - 1] == '\r')
        len--;
    return len > self->max_line;
}

int
nq_ndjson_feed (nq_ndjson_t *self, const void *data, size_t size)
{
    assert (self);
    assert (data || size == 0);
    if (self->error)
        return self->error;
    const char *p = data;
    const char *end = p + size;
    int rc = 0;
    while (p < end) {
        const char *nl = memchr (p, '\n', (size_t)(end - p));
        if (!nl) {
            rc = s_append (self, p, (size_t)(end - p));
            break;
        }
        //  Lines are assembled in the buffer so each can be NUL-terminated
        //  (the input is const); one copy per line is cheap next to JSON.
        rc = s_append (self, p, (size_t)(nl - p));
        if (rc)
            break;
        if (s_too_long (self, self->buf, self->len)) {
            rc = NQ_EPROTO_TOO_LARGE;
            break;
        }
        size_t len = self->len;
        self->len = 0;
        rc = s_deliver (self, self->buf, len);
        if (rc)
            break;
        p = nl + 1;
    }
    if (rc)
        self->error = rc;
    return rc;
}

int
nq_ndjson_finish (nq_ndjson_t *self)
{
    assert (self);
    if (self->error)
        return self->error;
    int rc = 0;
    if (self->len) {
        size_t len = self->len;
        self->len = 0;
        if (s_too_long (self, self->buf, len))
            rc = NQ_EPROTO_TOO_LARGE;
        else
            rc = s_deliver (self, self->buf, len);
    }
    if (rc)
        self->error = rc;
    return rc;
}

size_t
nq_ndjson_pending (const nq_ndjson_t *self)
{
    assert (self);
    return self->len;
}

size_t
nq_ndjson_lines (const nq_ndjson_t *self)
{
    assert (self);
    return self->lines;
}
