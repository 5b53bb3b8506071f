/*  sim_format.c — structured output from a schema (see sim_format.h). */
#include "sim_format.h"

#include "common/alloc.h"
#include "common/rng.h"
#include "sim_text.h"

#include <string.h>

static json_t *s_value (const json_t *schema, nq_rng_t *rng, int depth);

static json_t *
s_words (nq_rng_t *rng)
{
    char text[256] = "";
    size_t len = 0;
    int n = 3 + (int)nq_rng_below (rng, 6);
    for (int i = 0; i < n; i++) {
        char word[64];
        size_t wl = nq_sim_token_text (rng, i, n, word, sizeof word);
        if (len + wl + 1 > sizeof text)
            break;
        memcpy (text + len, word, wl + 1);
        len += wl;
    }
    return json_string (text);
}

static json_t *
s_object (const json_t *schema, nq_rng_t *rng, int depth)
{
    json_t *o = json_object ();
    const char *key;
    json_t *sub;
    json_object_foreach ((json_t *)json_object_get (schema, "properties"), key, sub)
    {
        json_t *v = s_value (sub, rng, depth + 1);
        if (v)
            json_object_set_new (o, key, v);
    }
    return o;
}

static json_t *
s_value (const json_t *schema, nq_rng_t *rng, int depth)
{
    const char *type = json_string_value (json_object_get (schema, "type"));
    if (!type || depth > 8)
        return json_null ();
    if (strcmp (type, "object") == 0)
        return s_object (schema, rng, depth);
    if (strcmp (type, "string") == 0)
        return s_words (rng);
    if (strcmp (type, "boolean") == 0)
        return json_boolean (nq_rng_below (rng, 2));
    if (strcmp (type, "array") == 0)
        return json_array ();
    if (strcmp (type, "integer") == 0 || strcmp (type, "number") == 0) {
        json_t *lo_v = json_object_get (schema, "minimum"), *hi_v = json_object_get (schema, "maximum");
        double lo = json_is_number (lo_v) ? json_number_value (lo_v) : 0;
        double hi = json_is_number (hi_v) ? json_number_value (hi_v) : lo + 100;
        double x = lo + (hi - lo) * (double)nq_rng_below (rng, 1001) / 1000.0;
        return strcmp (type, "integer") == 0 ? json_integer ((json_int_t)x) : json_real (x);
    }
    return json_null ();
}

char *
nq_sim_format_text (const json_t *format, uint64_t h)
{
    nq_rng_t rng;
    nq_rng_seed (&rng, h ^ 0x5f0f0f0fULL);
    json_t *doc = NULL;
    if (json_is_string (format) && strcmp (json_string_value (format), "json") == 0) {
        doc = json_object ();
        if (doc)
            json_object_set_new (doc, "response", s_words (&rng));
    }
    else if (json_is_object (format))
        doc = s_object (format, &rng, 0);
    if (!doc)
        return NULL;
    char *text = json_dumps (doc, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
    json_decref (doc);
    char *copy = text ? nq_strdup (text) : NULL;
    free (text);
    return copy;
}
