/*  mpread.h — a bounded, allocation-free msgpack reader.

    The NQP/1 decoders read msgpack through this cursor instead of
    msgpack_unpack: msgpack-c trusts declared element counts, so a few bytes
    can make it allocate gigabytes. This reader never allocates; it checks
    every declared length against the bytes that remain before it trusts it
    (a string or bin body must be present in full; an array of n elements
    needs at least n bytes, a map of n pairs at least 2n), so a decoder that
    sizes an allocation from a count it got here can never be made to
    allocate more than the input justifies.

    Use: nq_mpr_init over a buffer, nq_mpr_next to read one value header
    (scalars, strings and bins are read whole; arrays and maps give their
    count and leave the cursor on their first element), nq_mpr_skip to step
    over one whole value with depth and size bounds. Also the UTF-8 check
    every text field goes through. */
#ifndef NQ_MPREAD_H
#define NQ_MPREAD_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    NQ_MP_NIL = 0,
    NQ_MP_BOOL,
    NQ_MP_UINT,     //  a non-negative integer (any msgpack int encoding)
    NQ_MP_INT,      //  a negative integer
    NQ_MP_FLOAT,    //  float32 or float64, widened to double
    NQ_MP_STR,
    NQ_MP_BIN,
    NQ_MP_ARRAY,
    NQ_MP_MAP,
    NQ_MP_EXT
} nq_mp_type_t;

typedef struct {
    nq_mp_type_t type;
    int8_t ext_type;    //  for NQ_MP_EXT
    union {
        int b;         //  NQ_MP_BOOL
        uint64_t u;    //  NQ_MP_UINT
        int64_t i;     //  NQ_MP_INT
        double f;      //  NQ_MP_FLOAT
        uint32_t n;    //  NQ_MP_ARRAY elements, NQ_MP_MAP pairs
        struct {
            const uint8_t *ptr;    //  points into the reader's buffer
            uint32_t len;
        } s;    //  NQ_MP_STR, NQ_MP_BIN, NQ_MP_EXT body
    } v;
} nq_mp_obj_t;

typedef struct {
    const uint8_t *p;
    const uint8_t *end;
} nq_mpr_t;

/*  Points the reader at size bytes of data (not copied; must outlive it). */
void nq_mpr_init (nq_mpr_t *self, const void *data, size_t size);

/*  Bytes not read yet. */
size_t nq_mpr_remaining (const nq_mpr_t *self);

/*  Reads the next value header into *obj (see the file comment). Returns 0,
    NQ_EPROTO_TRUNCATED when the input ends early, when a declared count can
    not fit in the bytes left or on the reserved byte 0xc1. The cursor is
    unspecified after an error. Small integers and short strings (most of
    a body) take the inline path; the rest nq_mpr_next_any_. */
int nq_mpr_next_any_ (nq_mpr_t *self, nq_mp_obj_t *obj);

static inline int
nq_mpr_next (nq_mpr_t *self, nq_mp_obj_t *obj)
{
    if (self->p < self->end) {
        uint8_t b = *self->p;
        if (b <= 0x7f) {
            self->p++;
            obj->type = NQ_MP_UINT;
            obj->v.u = b;
            return 0;
        }
        if ((b & 0xe0) == 0xa0 && (size_t)(self->end - self->p) > (size_t)(b & 0x1f)) {
            obj->type = NQ_MP_STR;
            obj->v.s.ptr = self->p + 1;
            obj->v.s.len = b & 0x1f;
            self->p += 1 + (b & 0x1f);
            return 0;
        }
    }
    return nq_mpr_next_any_ (self, obj);
}

/*  Steps over one complete value. max_depth is how many levels of arrays or
    maps may still open (the value itself counts as one); strings, bins and
    exts may hold at most max_str bytes, arrays and maps max_count
    elements. Returns 0, NQ_EPROTO_TOO_DEEP, NQ_EPROTO_TOO_LARGE or
    NQ_EPROTO_TRUNCATED. */
int nq_mpr_skip (nq_mpr_t *self, int max_depth, size_t max_count, size_t max_str);

/*  Returns 1 when len bytes of data are well-formed UTF-8 (no overlong
    forms, no surrogates, nothing above U+10FFFF) without U+0000, else 0. */
int nq_utf8_valid (const void *data, size_t len);

/*  Copies len bytes from src to dst while checking them as nq_utf8_valid
    does (one pass over ASCII text); returns its verdict. dst holds len
    bytes; it is complete only when the verdict is 1. */
int nq_utf8_copy (void *dst, const void *src, size_t len);

#endif
