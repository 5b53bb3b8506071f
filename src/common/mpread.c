/*  mpread.c — bounded msgpack cursor and UTF-8 check (see mpread.h). */
#include "common/mpread.h"

#include "common/errors.h"

#include <string.h>

void
nq_mpr_init (nq_mpr_t *self, const void *data, size_t size)
{
    self->p = (const uint8_t *)data;
    self->end = self->p + size;
}

size_t
nq_mpr_remaining (const nq_mpr_t *self)
{
    return (size_t)(self->end - self->p);
}

//  Big-endian loads of 1, 2, 4 or 8 bytes that the caller has bounds-checked.
static inline uint64_t
s_be (const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

//  Takes n bytes of header payload, or fails when fewer remain.
#define S_NEED(n)                                                                                            \
    do {                                                                                                     \
        if ((size_t)(self->end - self->p) < (size_t)(n))                                                     \
            return NQ_EPROTO_TRUNCATED;                                                                      \
    } while (0)

static int
s_body (nq_mpr_t *self, nq_mp_obj_t *obj, nq_mp_type_t type, uint64_t len)
{
    S_NEED (len);
    obj->type = type;
    obj->v.s.ptr = self->p;
    obj->v.s.len = (uint32_t)len;
    self->p += len;
    return 0;
}

static int
s_count (nq_mpr_t *self, nq_mp_obj_t *obj, nq_mp_type_t type, uint64_t n)
{
    //  Every element takes at least one byte: a count that cannot fit in
    //  what remains is a lie, refused before anyone sizes memory from it.
    uint64_t need = type == NQ_MP_MAP ? 2 * n : n;
    S_NEED (need);
    obj->type = type;
    obj->v.n = (uint32_t)n;
    return 0;
}

int
nq_mpr_next_any_ (nq_mpr_t *self, nq_mp_obj_t *obj)
{
    S_NEED (1);
    uint8_t b = *self->p++;
    if (b <= 0x7f) {
        obj->type = NQ_MP_UINT;
        obj->v.u = b;
        return 0;
    }
    if (b >= 0xe0) {
        obj->type = NQ_MP_INT;
        obj->v.i = (int8_t)b;
        return 0;
    }
    if ((b & 0xf0) == 0x80)
        return s_count (self, obj, NQ_MP_MAP, b & 0x0f);
    if ((b & 0xf0) == 0x90)
        return s_count (self, obj, NQ_MP_ARRAY, b & 0x0f);
    if ((b & 0xe0) == 0xa0)
        return s_body (self, obj, NQ_MP_STR, b & 0x1f);
    uint64_t v;
    switch (b) {
    case 0xc0:
        obj->type = NQ_MP_NIL;
        return 0;
    case 0xc2:
    case 0xc3:
        obj->type = NQ_MP_BOOL;
        obj->v.b = b == 0xc3;
        return 0;
    case 0xc4:
    case 0xc5:
    case 0xc6: {
        int n = 1 << (b - 0xc4);
        S_NEED (n);
        v = s_be (self->p, n);
        self->p += n;
        return s_body (self, obj, NQ_MP_BIN, v);
    }
    case 0xc7:
    case 0xc8:
    case 0xc9: {
        int n = 1 << (b - 0xc7);
        S_NEED (n + 1);
        v = s_be (self->p, n);
        obj->ext_type = (int8_t)self->p[n];
        self->p += n + 1;
        return s_body (self, obj, NQ_MP_EXT, v);
    }
    case 0xca: {
        S_NEED (4);
        uint32_t u = (uint32_t)s_be (self->p, 4);
        float f;
        memcpy (&f, &u, 4);
        self->p += 4;
        obj->type = NQ_MP_FLOAT;
        obj->v.f = f;
        return 0;
    }
    case 0xcb: {
        S_NEED (8);
        uint64_t u = s_be (self->p, 8);
        double d;
        memcpy (&d, &u, 8);
        self->p += 8;
        obj->type = NQ_MP_FLOAT;
        obj->v.f = d;
        return 0;
    }
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf: {
        int n = 1 << (b - 0xcc);
        S_NEED (n);
        obj->type = NQ_MP_UINT;
        obj->v.u = s_be (self->p, n);
        self->p += n;
        return 0;
    }
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3: {
        int n = 1 << (b - 0xd0);
        S_NEED (n);
        uint64_t u = s_be (self->p, n);
        self->p += n;
        //  Sign-extend from n bytes.
        int shift = 64 - 8 * n;
        int64_t i = (int64_t)(u << shift) >> shift;
        if (i >= 0) {
            obj->type = NQ_MP_UINT;
            obj->v.u = (uint64_t)i;
        }
        else {
            obj->type = NQ_MP_INT;
            obj->v.i = i;
        }
        return 0;
    }
    case 0xd4:
    case 0xd5:
    case 0xd6:
    case 0xd7:
    case 0xd8:
        S_NEED (1);
        obj->ext_type = (int8_t)*self->p++;
        return s_body (self, obj, NQ_MP_EXT, (uint64_t)1 << (b - 0xd4));
    case 0xd9:
    case 0xda:
    case 0xdb: {
        int n = 1 << (b - 0xd9);
        S_NEED (n);
        v = s_be (self->p, n);
        self->p += n;
        return s_body (self, obj, NQ_MP_STR, v);
    }
    case 0xdc:
    case 0xdd: {
        int n = b == 0xdc ? 2 : 4;
        S_NEED (n);
        v = s_be (self->p, n);
        self->p += n;
        return s_count (self, obj, NQ_MP_ARRAY, v);
    }
    case 0xde:
    case 0xdf: {
        int n = b == 0xde ? 2 : 4;
        S_NEED (n);
        v = s_be (self->p, n);
        self->p += n;
        return s_count (self, obj, NQ_MP_MAP, v);
    }
    default:    //  0xc1 is reserved ("never used")
        return NQ_EPROTO_TRUNCATED;
    }
}

int
nq_mpr_skip (nq_mpr_t *self, int max_depth, size_t max_count, size_t max_str)
{
    nq_mp_obj_t obj;
    int rc = nq_mpr_next (self, &obj);
    if (rc)
        return rc;
    switch (obj.type) {
    case NQ_MP_STR:
    case NQ_MP_BIN:
    case NQ_MP_EXT:
        return obj.v.s.len > max_str ? NQ_EPROTO_TOO_LARGE : 0;
    case NQ_MP_ARRAY:
    case NQ_MP_MAP: {
        if (max_depth <= 0)
            return NQ_EPROTO_TOO_DEEP;
        if (obj.v.n > max_count)
            return NQ_EPROTO_TOO_LARGE;
        uint64_t items = obj.type == NQ_MP_MAP ? 2 * (uint64_t)obj.v.n : obj.v.n;
        for (uint64_t i = 0; i < items; i++)
            if ((rc = nq_mpr_skip (self, max_depth - 1, max_count, max_str)))
                return rc;
        return 0;
    }
    default:
        return 0;
    }
}

int
nq_utf8_valid (const void *data, size_t len)
{
    const uint8_t *p = (const uint8_t *)data;
    const uint8_t *end = p + len;
    while (p < end) {
        //  ASCII fast path, eight bytes at a time.
        if (end - p >= 8) {
            uint64_t w;
            memcpy (&w, p, 8);
            if ((w & 0x8080808080808080ULL) == 0) {
                //  A zero byte anywhere in the word: U+0000 is refused.
                if (((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL) != 0)
                    return 0;
                p += 8;
                continue;
            }
        }
        uint8_t c = *p;
        if (c < 0x80) {
            if (c == 0)
                return 0;
            p++;
            continue;
        }
        uint32_t cp;
        int n;
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1f;
        }
        else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0f;
        }
        else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07;
        }
        else
            return 0;
        if (end - p <= n)
            return 0;
        for (int i = 1; i <= n; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        p += n + 1;
    }
    return 1;
}

int
nq_utf8_copy (void *dst, const void *src, size_t len)
{
    const uint8_t *p = (const uint8_t *)src;
    uint8_t *o = (uint8_t *)dst;
    size_t i = 0;
    //  ASCII words are checked and copied together; the first other byte
    //  hands the rest to the full check.
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy (&w, p + i, 8);
        if ((w & 0x8080808080808080ULL) != 0 ||
            ((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL) != 0)
            break;
        memcpy (o + i, &w, 8);
    }
    if (!nq_utf8_valid (p + i, len - i))
        return 0;
    memcpy (o + i, p + i, len - i);
    return 1;
}
