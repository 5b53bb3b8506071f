/*  protocol_json.c — msgpack value to JSON (see protocol_json.h). */
#include "common/protocol_json.h"

#include "common/alloc.h"
#include "common/errors.h"
#include "common/mpread.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static const char s_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static json_t *
s_base64 (const uint8_t *p, size_t len)
{
    size_t out_len = 4 * ((len + 2) / 3);
    char *text = nq_malloc (out_len + 1);
    if (!text)
        return NULL;
    char *o = text;
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < len)
            v |= p[i + 2];
        *o++ = s_b64[(v >> 18) & 63];
        *o++ = s_b64[(v >> 12) & 63];
        *o++ = i + 1 < len ? s_b64[(v >> 6) & 63] : '=';
        *o++ = i + 2 < len ? s_b64[v & 63] : '=';
    }
    json_t *s = json_stringn (text, out_len);
    nq_free (text);
    return s;
}

static int
s_value (nq_mpr_t *r, const nq_limits_t *lim, int depth, json_t **out)
{
    nq_mp_obj_t o;
    int rc = nq_mpr_next (r, &o);
    if (rc)
        return rc;
    json_t *v = NULL;
    switch (o.type) {
    case NQ_MP_NIL:
        v = json_null ();
        break;
    case NQ_MP_BOOL:
        v = json_boolean (o.v.b);
        break;
    case NQ_MP_UINT:
        if (o.v.u > INT64_MAX)
            return NQ_EPROTO_VALUE;
        v = json_integer ((json_int_t)o.v.u);
        break;
    case NQ_MP_INT:
        v = json_integer ((json_int_t)o.v.i);
        break;
    case NQ_MP_FLOAT:
        if (!isfinite (o.v.f))
            return NQ_EPROTO_VALUE;
        v = json_real (o.v.f);
        break;
    case NQ_MP_STR:
        if (o.v.s.len > lim->max_string)
            return NQ_EPROTO_TOO_LARGE;
        if (!nq_utf8_valid (o.v.s.ptr, o.v.s.len))
            return NQ_EPROTO_UTF8;
        v = json_stringn ((const char *)o.v.s.ptr, o.v.s.len);
        break;
    case NQ_MP_BIN:
        if (o.v.s.len > lim->max_string)
            return NQ_EPROTO_TOO_LARGE;
        v = s_base64 (o.v.s.ptr, o.v.s.len);
        break;
    case NQ_MP_EXT:
        return NQ_EPROTO_TYPE;
    case NQ_MP_ARRAY:
    case NQ_MP_MAP: {
        if ((size_t)depth + 1 > lim->max_depth)
            return NQ_EPROTO_TOO_DEEP;
        if (o.v.n > lim->max_array)
            return NQ_EPROTO_TOO_LARGE;
        int is_map = o.type == NQ_MP_MAP;
        v = is_map ? json_object () : json_array ();
        if (!v)
            return NQ_ENOMEM;
        for (uint32_t i = 0; i < o.v.n; i++) {
            nq_mp_obj_t key;
            if (is_map) {
                if ((rc = nq_mpr_next (r, &key)))
                    goto fail;
                rc = NQ_EPROTO_TYPE;
                if (key.type != NQ_MP_STR)
                    goto fail;
                rc = NQ_EPROTO_TOO_LARGE;
                if (key.v.s.len > lim->max_string)
                    goto fail;
                rc = NQ_EPROTO_UTF8;
                if (!nq_utf8_valid (key.v.s.ptr, key.v.s.len))
                    goto fail;
            }
            json_t *item;
            if ((rc = s_value (r, lim, depth + 1, &item)))
                goto fail;
            rc = NQ_ENOMEM;
            if (is_map ? json_object_setn_new (v, (const char *)key.v.s.ptr, key.v.s.len, item)
                       : json_array_append_new (v, item))
                goto fail;
        }
        break;
    fail:
        json_decref (v);
        return rc;
    }
    }
    if (!v)
        return NQ_ENOMEM;
    *out = v;
    return 0;
}

int
nq_msgpack_to_json (const void *data, size_t size, const nq_limits_t *limits, json_t **out)
{
    const nq_limits_t *lim = limits ? limits : nq_limits_default ();
    *out = NULL;
    if (size > lim->max_message)
        return NQ_EPROTO_TOO_LARGE;
    nq_mpr_t r;
    nq_mpr_init (&r, data, size);
    json_t *v;
    int rc = s_value (&r, lim, 0, &v);
    if (rc)
        return rc;
    if (nq_mpr_remaining (&r)) {
        json_decref (v);
        return NQ_EPROTO_TRUNCATED;
    }
    *out = v;
    return 0;
}
