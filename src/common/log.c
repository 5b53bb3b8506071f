/*  log.c — structured log lines in JSON or text (see log.h). */
#include "common/log.h"

#include "common/errors.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define S_LINE_MAX 16384    //  a line longer than this is cut and says so
#define S_VALUE_MAX 4096    //  one string value longer than this is cut

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static char s_service[64] = "novaq";
static atomic_int s_level = NQ_LOG_INFO;
static atomic_int s_format = NQ_LOG_FORMAT_JSON;
static nq_log_sink_fn *s_sink;
static void *s_sink_arg;

static const char *s_level_names[] = {"debug", "info", "warn", "error", "off"};

void
nq_log_init (const char *service, nq_log_level_t level, nq_log_format_t format)
{
    pthread_mutex_lock (&s_lock);
    if (service)
        snprintf (s_service, sizeof s_service, "%s", service);
    pthread_mutex_unlock (&s_lock);
    nq_log_set_level (level);
    nq_log_set_format (format);
}

void
nq_log_set_level (nq_log_level_t level)
{
    atomic_store (&s_level, (int) level);
}

nq_log_level_t
nq_log_level (void)
{
    return (nq_log_level_t) atomic_load (&s_level);
}

void
nq_log_set_format (nq_log_format_t format)
{
    atomic_store (&s_format, (int) format);
}

void
nq_log_set_sink (nq_log_sink_fn *sink, void *arg)
{
    pthread_mutex_lock (&s_lock);
    s_sink = sink;
    s_sink_arg = arg;
    pthread_mutex_unlock (&s_lock);
}

int
nq_log_level_parse (const char *name, nq_log_level_t *level)
{
    if (!name)
        return NQ_EINVALID;
    for (int i = 0; i <= NQ_LOG_OFF; i++)
        if (strcasecmp (name, s_level_names[i]) == 0) {
            *level = (nq_log_level_t) i;
            return 0;
        }
    if (strcasecmp (name, "warning") == 0) {
        *level = NQ_LOG_WARN;
        return 0;
    }
    return NQ_EINVALID;
}

const char *
nq_log_level_name (nq_log_level_t level)
{
    return (unsigned) level <= NQ_LOG_OFF ? s_level_names[level] : "unknown";
}

//  --------------------------------------------------------------------------
//  A bounded line buffer. Once full, further writes are dropped and the
//  line is marked truncated.

typedef struct {
    char *buf;
    size_t cap;    //  usable bytes, excluding room kept for the closing text
    size_t len;
    int full;
} s_out_t;

static void
s_put (s_out_t *o, const char *s, size_t n)
{
    if (o->full)
        return;
    if (o->len + n > o->cap) {
        o->full = 1;
        return;
    }
    memcpy (o->buf + o->len, s, n);
    o->len += n;
}

static void
s_puts (s_out_t *o, const char *s)
{
    s_put (o, s, strlen (s));
}

//  Length of the valid UTF-8 sequence at s (of n bytes), or 0 if invalid.
static size_t
s_utf8_len (const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    else if ((c & 0xE0) == 0xC0)
        len = 2, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0)
        len = 3, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0)
        len = 4, cp = c & 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    //  Reject overlong forms, surrogates and values past U+10FFFF.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)
        || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        return 0;
    return len;
}

//  Writes s escaped for a JSON string (without quotes). In text mode the same
//  escaping keeps a value on one line.
static void
s_put_escaped (s_out_t *o, const char *str)
{
    const unsigned char *s = (const unsigned char *) str;
    size_t n = strlen (str);
    size_t written = 0;
    for (size_t i = 0; i < n;) {
        if (written >= S_VALUE_MAX) {
            s_puts (o, "\\u2026");    //  …, the value was cut
            return;
        }
        unsigned char c = s[i];
        char esc[8];
        if (c == '"')
            s_put (o, "\\\"", 2), i++;
        else if (c == '\\')
            s_put (o, "\\\\", 2), i++;
        else if (c == '\n')
            s_put (o, "\\n", 2), i++;
        else if (c == '\r')
            s_put (o, "\\r", 2), i++;
        else if (c == '\t')
            s_put (o, "\\t", 2), i++;
        else if (c < 0x20 || c == 0x7F) {
            snprintf (esc, sizeof esc, "\\u%04x", c);
            s_put (o, esc, 6), i++;
        }
        else {
            size_t len = s_utf8_len (s + i, n - i);
            if (len == 0) {
                s_puts (o, "\\ufffd");
                i++;
            }
            else {
                s_put (o, (const char *) s + i, len);
                i += len;
            }
        }
        written++;
    }
}

static void
s_put_timestamp (s_out_t *o)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r (&ts.tv_sec, &tm);
    char buf[40];
    size_t n = strftime (buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf (buf + n, sizeof buf - n, ".%03ldZ", ts.tv_nsec / 1000000L);
    s_puts (o, buf);
}

//  A key is written as given when it is a plain identifier, escaped otherwise.
static void
s_put_value (s_out_t *o, const nq_log_field_t *f, int json)
{
    char num[64];
    switch (f->type) {
    case NQ_LF_STR:
        if (!f->s)
            s_puts (o, "null");
        else {
            s_puts (o, "\"");
            s_put_escaped (o, f->s);
            s_puts (o, "\"");
        }
        break;
    case NQ_LF_INT:
        snprintf (num, sizeof num, "%lld", (long long) f->i);
        s_puts (o, num);
        break;
    case NQ_LF_UINT:
        snprintf (num, sizeof num, "%llu", (unsigned long long) f->u);
        s_puts (o, num);
        break;
    case NQ_LF_DOUBLE:
        if (isfinite (f->d))
            snprintf (num, sizeof num, "%.17g", f->d);
        else    //  JSON has no NaN or infinity
            snprintf (num, sizeof num, json ? "null" : "%g", f->d);
        s_puts (o, num);
        break;
    case NQ_LF_BOOL:
        s_puts (o, f->b ? "true" : "false");
        break;
    case NQ_LF_NONE:
        s_puts (o, "null");
        break;
    }
}

size_t
nq_log_format_line (char *buf, size_t cap, nq_log_level_t level, const char *event,
                    const nq_log_field_t *fields, size_t count)
{
    //  Keep 32 bytes for the truncation marker and the closing brace.
    s_out_t o = {buf, cap > 40 ? cap - 32 : 0, 0, 0};
    int json = atomic_load (&s_format) == NQ_LOG_FORMAT_JSON;
    const char *lname = nq_log_level_name (level);
    //  ok is the length after the last complete field: a field that does not
    //  fit is dropped whole, so a cut line is still one valid object.
    size_t ok = 0;
    if (json) {
        s_puts (&o, "{\"ts\":\"");
        s_put_timestamp (&o);
        s_puts (&o, "\",\"level\":\"");
        s_puts (&o, lname);
        s_puts (&o, "\",\"event\":\"");
        s_put_escaped (&o, event ? event : "");
        s_puts (&o, "\",\"service\":\"");
        s_put_escaped (&o, s_service);
        s_puts (&o, "\"");
    }
    else {
        char lbuf[8];
        snprintf (lbuf, sizeof lbuf, "%-5s", lname);
        for (char *p = lbuf; *p; p++)
            if (*p >= 'a' && *p <= 'z')
                *p = (char) (*p - 'a' + 'A');
        s_put_timestamp (&o);
        s_puts (&o, " ");
        s_puts (&o, lbuf);
        s_puts (&o, " ");
        s_put_escaped (&o, event ? event : "");
    }
    if (!o.full)
        ok = o.len;
    for (size_t i = 0; i < count && !o.full; i++) {
        if (fields[i].type == NQ_LF_NONE || !fields[i].key)
            continue;
        s_puts (&o, json ? ",\"" : " ");
        s_put_escaped (&o, fields[i].key);
        s_puts (&o, json ? "\":" : "=");
        s_put_value (&o, &fields[i], json);
        if (!o.full)
            ok = o.len;
    }
    int truncated = o.full;
    o.len = ok;
    o.cap = cap > 2 ? cap - 2 : 0;
    o.full = 0;
    if (truncated)
        s_puts (&o, json ? ",\"log_truncated\":true" : " log_truncated=true");
    if (json)
        s_puts (&o, "}");
    s_puts (&o, "\n");
    if (o.len < cap)
        buf[o.len] = '\0';
    return o.len;
}

void
nq_log_emit (nq_log_level_t level, const char *event, const nq_log_field_t *fields, size_t count)
{
    if (!nq_log_enabled (level) || level >= NQ_LOG_OFF)
        return;
    char line[S_LINE_MAX];
    pthread_mutex_lock (&s_lock);
    size_t len = nq_log_format_line (line, sizeof line, level, event, fields, count);
    if (s_sink)
        s_sink (s_sink_arg, line, len);
    else {
        const char *p = line;
        while (len > 0) {
            ssize_t n = write (STDERR_FILENO, p, len);
            if (n <= 0)
                break;    //  nowhere left to report a logging failure
            p += n;
            len -= (size_t) n;
        }
    }
    pthread_mutex_unlock (&s_lock);
}
