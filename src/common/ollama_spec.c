/*  ollama_spec.c — parsing NOVAQ_OLLAMA (see ollama_spec.h). */
#include "common/ollama_spec.h"

#include "common/alloc.h"
#include "common/config.h"

#include <assert.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *s_fail (char *why, size_t cap, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));

static void *
s_fail (char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (why, cap, fmt, ap);
    va_end (ap);
    return NULL;
}

static int
s_valid_name (const char *s, size_t len)
{
    if (len == 0 || len > 63)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!isalnum ((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
            return 0;
    return 1;
}

//  "a,b,c" into spec->names_buf; 0 or -1 with why set.
static int
s_names (nq_ollama_spec_t *spec, const char *entry, const char *key, const char *value, const char **out,
         size_t *count, size_t *buf_used, char *why, size_t cap)
{
    size_t len = strlen (value);
    if (len == 0) {
        s_fail (why, cap, "entry '%s': %s= names nothing", entry, key);
        return -1;
    }
    if (*buf_used + len + 1 > sizeof spec->names_buf) {
        s_fail (why, cap, "entry '%s': %s= is too long", entry, key);
        return -1;
    }
    char *copy = spec->names_buf + *buf_used;
    memcpy (copy, value, len + 1);
    *buf_used += len + 1;
    *count = 0;
    char *p = copy;
    for (;;) {
        char *comma = strchr (p, ',');
        if (comma)
            *comma = '\0';
        if (!*p || strlen (p) > 127) {
            s_fail (why, cap, "entry '%s': %s= has an empty or over-long name", entry, key);
            return -1;
        }
        if (*count == NQ_OLLAMA_SPEC_NAMES) {
            s_fail (why, cap, "entry '%s': %s= names more than %d", entry, key, NQ_OLLAMA_SPEC_NAMES);
            return -1;
        }
        out[(*count)++] = p;
        if (!comma)
            break;
        p = comma + 1;
    }
    return 0;
}

static int
s_count (const char *entry, const char *key, const char *value, int64_t *out, char *why, size_t cap)
{
    char *end = NULL;
    long long n = strtoll (value, &end, 10);
    if (!*value || *end || n < 0 || n > NQ_OLLAMA_SPEC_SLOTS_MAX) {
        s_fail (why, cap, "entry '%s': %s=%s is not a number from 0 to %d", entry, key, value,
                NQ_OLLAMA_SPEC_SLOTS_MAX);
        return -1;
    }
    *out = n;
    return 0;
}

static int
s_duration (const char *entry, const char *key, const char *value, int64_t *out, char *why, size_t cap)
{
    int64_t ms;
    if (nq_config_parse_duration (value, &ms) != 0 || ms < 0) {
        s_fail (why, cap, "entry '%s': %s=%s is not a duration (250ms, 5s, 2m, 1h)", entry, key, value);
        return -1;
    }
    *out = ms;
    return 0;
}

//  One option "key=value" of entry; 0 or -1 with why set.
static int
s_option (nq_ollama_spec_t *spec, const char *entry, char *opt, unsigned *seen, size_t *buf_used, char *why,
          size_t cap)
{
    static const char *const keys[] = {"slots",
                                       "embed",
                                       "reflect",
                                       "models",
                                       "labels",
                                       "connect_timeout",
                                       "first_byte_timeout",
                                       "idle_timeout",
                                       "total_timeout"};
    char *eq = strchr (opt, '=');
    if (!eq) {
        s_fail (why, cap, "entry '%s': option '%s' is not key=value", entry, opt);
        return -1;
    }
    *eq = '\0';
    const char *value = eq + 1;
    int k = -1;
    for (int i = 0; i < (int)(sizeof keys / sizeof keys[0]); i++)
        if (strcmp (opt, keys[i]) == 0)
            k = i;
    if (k < 0) {
        s_fail (why, cap,
                "entry '%s': unknown option '%s' (slots, embed, reflect, models, labels, connect_timeout, "
                "first_byte_timeout, idle_timeout, total_timeout)",
                entry, opt);
        return -1;
    }
    if (*seen & (1u << k)) {
        s_fail (why, cap, "entry '%s': option '%s' is given twice", entry, opt);
        return -1;
    }
    *seen |= 1u << k;
    switch (k) {
    case 0:
        return s_count (entry, opt, value, &spec->slots, why, cap);
    case 1:
        return s_count (entry, opt, value, &spec->embed, why, cap);
    case 2:
        return s_count (entry, opt, value, &spec->reflect, why, cap);
    case 3:
        spec->models_set = 1;
        return s_names (spec, entry, opt, value, spec->models, &spec->nmodels, buf_used, why, cap);
    case 4:
        return s_names (spec, entry, opt, value, spec->labels, &spec->nlabels, buf_used, why, cap);
    case 5:
        return s_duration (entry, opt, value, &spec->connect_timeout_ms, why, cap);
    case 6:
        return s_duration (entry, opt, value, &spec->first_byte_timeout_ms, why, cap);
    case 7:
        return s_duration (entry, opt, value, &spec->idle_timeout_ms, why, cap);
    default:
        return s_duration (entry, opt, value, &spec->total_timeout_ms, why, cap);
    }
}

//  One whitespace-free entry of len bytes at p.
static int
s_entry (nq_ollama_spec_t *spec, const char *p, size_t len, char *why, size_t cap)
{
    char entry[4096];
    if (len >= sizeof entry) {
        s_fail (why, cap, "entry '%.40s…' is too long", p);
        return -1;
    }
    memcpy (entry, p, len);
    entry[len] = '\0';
    char work[4096];
    memcpy (work, entry, len + 1);
    *spec = (nq_ollama_spec_t){.slots = -1,
                               .embed = -1,
                               .reflect = -1,
                               .connect_timeout_ms = -1,
                               .first_byte_timeout_ms = -1,
                               .idle_timeout_ms = -1,
                               .total_timeout_ms = -1};
    char *eq = strchr (work, '=');
    char *semi = strchr (work, ';');
    if (!eq || (semi && semi < eq)) {
        s_fail (why, cap, "entry '%s' is not name=url", entry);
        return -1;
    }
    *eq = '\0';
    if (!s_valid_name (work, strlen (work))) {
        s_fail (why, cap, "entry '%s': instance name '%s' must be 1-63 of [A-Za-z0-9_.-]", entry, work);
        return -1;
    }
    snprintf (spec->name, sizeof spec->name, "%s", work);
    char *url = eq + 1;
    char *opts = semi ? semi + 1 : NULL;
    if (semi)
        *semi = '\0';
    if (strlen (url) >= sizeof spec->url) {
        s_fail (why, cap, "entry '%s': the URL is too long", entry);
        return -1;
    }
    if (strncmp (url, "http://", 7) != 0 && strncmp (url, "https://", 8) != 0) {
        s_fail (why, cap, "entry '%s': '%s' is not an http:// or https:// URL", entry, url);
        return -1;
    }
    snprintf (spec->url, sizeof spec->url, "%s", url);
    unsigned seen = 0;
    size_t buf_used = 0;
    while (opts) {
        char *next = strchr (opts, ';');
        if (next)
            *next++ = '\0';
        if (!*opts) {
            s_fail (why, cap, "entry '%s' has an empty option", entry);
            return -1;
        }
        if (s_option (spec, entry, opts, &seen, &buf_used, why, cap))
            return -1;
        opts = next;
    }
    return 0;
}

nq_ollama_specs_t *
nq_ollama_specs_parse (const char *text, char *why, size_t cap)
{
    assert (why && cap);
    why[0] = '\0';
    if (!text)
        return s_fail (why, cap, "names no instance");
    nq_ollama_spec_t *specs = nq_calloc (NQ_OLLAMA_SPEC_MAX, sizeof *specs);
    if (!specs)
        return s_fail (why, cap, "out of memory");
    size_t count = 0;
    const char *p = text;
    while (*p) {
        while (isspace ((unsigned char)*p))
            p++;
        if (!*p)
            break;
        size_t len = strcspn (p, " \t\r\n");
        if (count == NQ_OLLAMA_SPEC_MAX) {
            nq_free (specs);
            return s_fail (why, cap, "more than %d instances", NQ_OLLAMA_SPEC_MAX);
        }
        if (s_entry (&specs[count], p, len, why, cap)) {
            nq_free (specs);
            return NULL;
        }
        for (size_t i = 0; i < count; i++)
            if (strcmp (specs[i].name, specs[count].name) == 0) {
                s_fail (why, cap, "instance name '%s' is used twice", specs[count].name);
                nq_free (specs);
                return NULL;
            }
        count++;
        p += len;
    }
    if (count == 0) {
        nq_free (specs);
        return s_fail (why, cap, "names no instance");
    }
    nq_ollama_specs_t *self = nq_malloc (sizeof *self + count * sizeof (nq_ollama_spec_t));
    if (!self) {
        nq_free (specs);
        return s_fail (why, cap, "out of memory");
    }
    self->count = count;
    memcpy (self->specs, specs, count * sizeof (nq_ollama_spec_t));
    //  The name pointers point into the first array's buffers: rebase them.
    for (size_t i = 0; i < count; i++) {
        nq_ollama_spec_t *s = &self->specs[i];
        const char *old_base = specs[i].names_buf;
        for (size_t j = 0; j < s->nmodels; j++)
            s->models[j] = s->names_buf + (specs[i].models[j] - old_base);
        for (size_t j = 0; j < s->nlabels; j++)
            s->labels[j] = s->names_buf + (specs[i].labels[j] - old_base);
    }
    nq_free (specs);
    return self;
}

void
nq_ollama_specs_destroy (nq_ollama_specs_t **self_p)
{
    assert (self_p);
    nq_free (*self_p);
    *self_p = NULL;
}
