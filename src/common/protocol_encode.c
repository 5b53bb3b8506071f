/*  protocol_encode.c — nq_msg_t to frames (see protocol.h).

    The body map is written straight into a buffer the wire owns (grown
    through the allocation seam) by the small inline msgpack writer below;
    fields go out in table order and every number in its shortest form, so
    equal messages give equal bytes. (msgpack-c's packer calls back once per
    header and per body; writing directly is about twice as fast, and the
    unit tests check the output against msgpack-c's unpacker.) Long texts and embedding vectors
    become raw payload frames that the body refers to by index. */
#include "common/protocol.h"

#include "common/alloc.h"
#include "common/errors.h"
#include "common/mpread.h"
#include "common/protocol_fields.h"

#include <string.h>

typedef struct {
    uint8_t *data;
    size_t size;
    size_t cap;
    int failed;
} s_buf_t;

typedef struct {
    const nq_msg_t *msg;
    nq_wire_t *wire;
    s_buf_t buf;
} s_enc_t;

#define S_B16(x)                                                                                             \
    x, x + 1, x + 2, x + 3, x + 4, x + 5, x + 6, x + 7, x + 8, x + 9, x + 10, x + 11, x + 12, x + 13,        \
        x + 14, x + 15
//  Command frames point here: the byte values 0x00..0x4f.
static const uint8_t s_cmd_bytes[] = {S_B16 (0x00), S_B16 (0x10), S_B16 (0x20), S_B16 (0x30), S_B16 (0x40)};

//  Makes room for n more bytes; 0, or -1 after an allocation failure.
static int
s_grow (s_buf_t *buf, size_t n)
{
    if (buf->failed)
        return -1;
    size_t cap = buf->cap ? buf->cap : 2048;
    while (cap - buf->size < n)
        cap *= 2;
    uint8_t *grown = nq_realloc (buf->data, cap);
    if (!grown) {
        buf->failed = 1;
        return -1;
    }
    buf->data = grown;
    buf->cap = cap;
    return 0;
}

static inline uint8_t *
s_room (s_buf_t *buf, size_t n)
{
    if (n > buf->cap - buf->size && s_grow (buf, n))
        return NULL;
    return buf->data + buf->size;
}

static void
s_write (s_buf_t *buf, const void *bytes, size_t len)
{
    uint8_t *p = s_room (buf, len);
    if (p) {
        memcpy (p, bytes, len);
        buf->size += len;
    }
}

//  Big-endian store of the low n bytes of v.
static inline void
s_be (uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static void
s_uint (s_buf_t *buf, uint64_t v)
{
    uint8_t *p = s_room (buf, 9);
    if (!p)
        return;
    int n;
    if (v < 0x80) {
        p[0] = (uint8_t)v;
        buf->size += 1;
        return;
    }
    if (v <= 0xff)
        p[0] = 0xcc, n = 1;
    else if (v <= 0xffff)
        p[0] = 0xcd, n = 2;
    else if (v <= 0xffffffffULL)
        p[0] = 0xce, n = 4;
    else
        p[0] = 0xcf, n = 8;
    s_be (p + 1, v, n);
    buf->size += (size_t)n + 1;
}

static void
s_int (s_buf_t *buf, int64_t v)
{
    if (v >= 0) {
        s_uint (buf, (uint64_t)v);
        return;
    }
    uint8_t *p = s_room (buf, 9);
    if (!p)
        return;
    int n;
    if (v >= -32) {
        p[0] = (uint8_t)(int8_t)v;
        buf->size += 1;
        return;
    }
    if (v >= INT8_MIN)
        p[0] = 0xd0, n = 1;
    else if (v >= INT16_MIN)
        p[0] = 0xd1, n = 2;
    else if (v >= INT32_MIN)
        p[0] = 0xd2, n = 4;
    else
        p[0] = 0xd3, n = 8;
    s_be (p + 1, (uint64_t)v, n);
    buf->size += (size_t)n + 1;
}

static void
s_double (s_buf_t *buf, double v)
{
    uint8_t *p = s_room (buf, 9);
    if (!p)
        return;
    uint64_t u;
    memcpy (&u, &v, 8);
    p[0] = 0xcb;
    s_be (p + 1, u, 8);
    buf->size += 9;
}

static void
s_bool (s_buf_t *buf, bool v)
{
    s_write (buf, v ? "\xc3" : "\xc2", 1);
}

//  Array (or map: base 0x80/0xde) header of n entries.
static void
s_head (s_buf_t *buf, size_t n, int map)
{
    uint8_t *p = s_room (buf, 5);
    if (!p)
        return;
    if (n <= 15) {
        p[0] = (uint8_t)((map ? 0x80 : 0x90) | n);
        buf->size += 1;
    }
    else if (n <= 0xffff) {
        p[0] = map ? 0xde : 0xdc;
        s_be (p + 1, n, 2);
        buf->size += 3;
    }
    else {
        p[0] = map ? 0xdf : 0xdd;
        s_be (p + 1, n, 4);
        buf->size += 5;
    }
}

//  Adds a payload frame; returns its index or a negative code.
static int
s_add_frame (s_enc_t *e, const void *data, size_t size, bool owned)
{
    nq_wire_t *w = e->wire;
    if (w->count >= NQ_WIRE_MAX_FRAMES) {
        if (owned)
            nq_free ((void *)data);
        return NQ_EPROTO_VALUE;
    }
    w->frames[w->count] = (nq_frame_t){data, size};
    w->owned[w->count] = owned;
    return (int)w->count++;
}

//  Is the field's value set (not its default)?
static inline int
s_isset (const nq_field_t *f, const unsigned char *base, const nq_ftable_t *t)
{
    const void *at = base + f->off;
    if ((f->flags & NQ_FL_HAS) && t->has_off >= 0)
        return (*(const uint32_t *)(base + t->has_off) >> f->bit) & 1;
    //  A required number always has a value: 0 is meaningful (CREDIT 0
    //  withdraws every slot).
    if (f->flags & NQ_FL_REQ)
        switch ((nq_ftype_t)f->type) {
        case NQ_F_U64:
        case NQ_F_U32:
        case NQ_F_I64:
        case NQ_F_DOUBLE:
            return 1;
        default:
            break;
        }
    switch ((nq_ftype_t)f->type) {
    case NQ_F_U64:
        return *(const uint64_t *)at != 0;
    case NQ_F_U32:
        return *(const uint32_t *)at != 0;
    case NQ_F_I64:
        return *(const int64_t *)at != 0;
    case NQ_F_DOUBLE:
        return *(const double *)at != 0.0;
    case NQ_F_BOOL:
    case NQ_F_NBOOL:
        return *(const bool *)at;
    case NQ_F_STR:
    case NQ_F_STR_FRAME:
    case NQ_F_VECTORS:
        return *(const void *const *)at != NULL;
    case NQ_F_ID:
        return *(const char *)at != '\0';
    case NQ_F_ENUM:
    case NQ_F_CODE:
        return *(const int *)at != 0;
    case NQ_F_RAW:
        return ((const nq_raw_t *)at)->size != 0;
    case NQ_F_STRS:
    case NQ_F_ARRAY:
        return *(const size_t *)(base + f->off2) != 0;
    case NQ_F_MAP: {
        const nq_ftable_t *sub = f->aux;
        for (int i = 0; i < sub->count; i++)
            if (s_isset (&sub->fields[i], at, sub))
                return 1;
        return 0;
    }
    case NQ_F_UNION:
        return *(const int *)(base + f->off2) != 0;
    case NQ_F_EMBED:
        return 1;
    }
    return 0;
}

static int s_map (s_enc_t *e, const nq_ftable_t *t, const unsigned char *base);

static void
s_str (s_enc_t *e, const char *str, size_t len)
{
    uint8_t *p = s_room (&e->buf, len + 5);
    if (!p)
        return;
    size_t h;
    if (len <= 31)
        p[0] = (uint8_t)(0xa0 | len), h = 1;
    else if (len <= 0xff)
        p[0] = 0xd9, p[1] = (uint8_t)len, h = 2;
    else if (len <= 0xffff)
        p[0] = 0xda, s_be (p + 1, len, 2), h = 3;
    else
        p[0] = 0xdb, s_be (p + 1, len, 4), h = 5;
    memcpy (p + h, str, len);
    e->buf.size += h + len;
}

static int
s_value (s_enc_t *e, const nq_field_t *f, const nq_ftable_t *t, const unsigned char *base)
{
    const void *at = base + f->off;
    s_buf_t *buf = &e->buf;
    switch ((nq_ftype_t)f->type) {
    case NQ_F_U64:
        s_uint (buf, *(const uint64_t *)at);
        return 0;
    case NQ_F_U32:
        s_uint (buf, *(const uint32_t *)at);
        return 0;
    case NQ_F_I64:
        s_int (buf, *(const int64_t *)at);
        return 0;
    case NQ_F_DOUBLE:
        s_double (buf, *(const double *)at);
        return 0;
    case NQ_F_BOOL:
        s_bool (buf, true);
        return 0;
    case NQ_F_NBOOL:
        s_bool (buf, false);
        return 0;
    case NQ_F_STR: {
        const char *s = *(const char *const *)at;
        s_str (e, s, strlen (s));
        return 0;
    }
    case NQ_F_STR_FRAME: {
        const char *s = *(const char *const *)at;
        int index = s_add_frame (e, s, strlen (s), false);
        if (index < 0)
            return index;
        s_uint (buf, (uint64_t)index);
        return 0;
    }
    case NQ_F_ID: {
        const char *id = at;
        if (strlen (id) != NQ_ID_LEN)
            return NQ_EPROTO_VALUE;
        s_str (e, id, NQ_ID_LEN);
        return 0;
    }
    case NQ_F_ENUM: {
        const nq_enum_names_t *names = f->aux;
        int v = *(const int *)at;
        if (v <= 0 || v >= names->count)
            return NQ_EPROTO_VALUE;
        s_str (e, names->names[v], strlen (names->names[v]));
        return 0;
    }
    case NQ_F_CODE: {
        const char *wire = nq_error_wire (*(const int *)at);
        s_str (e, wire, strlen (wire));
        return 0;
    }
    case NQ_F_RAW: {
        const nq_raw_t *raw = at;
        nq_mpr_t r;
        nq_mpr_init (&r, raw->data, raw->size);
        //  Exactly one well-formed msgpack value, within the hard caps (a
        //  receiver's own limits may be lower: it refuses, it never breaks).
        if (nq_mpr_skip (&r, (int)NQ_LIMIT_DEPTH_CAP, NQ_LIMIT_ARRAY_CAP, NQ_LIMIT_STRING_CAP) ||
            nq_mpr_remaining (&r))
            return NQ_EPROTO_VALUE;
        s_write (buf, raw->data, raw->size);
        return 0;
    }
    case NQ_F_STRS: {
        const char *const *items = *(const char *const *const *)at;
        size_t n = *(const size_t *)(base + f->off2);
        s_head (buf, n, 0);
        for (size_t i = 0; i < n; i++) {
            if (!items[i])
                return NQ_EPROTO_MISSING;
            s_str (e, items[i], strlen (items[i]));
        }
        return 0;
    }
    case NQ_F_ARRAY: {
        const unsigned char *items = *(const unsigned char *const *)at;
        size_t n = *(const size_t *)(base + f->off2);
        s_head (buf, n, 0);
        for (size_t i = 0; i < n; i++) {
            int rc = s_map (e, f->aux, items + i * f->esize);
            if (rc)
                return rc;
        }
        return 0;
    }
    case NQ_F_MAP:
        return s_map (e, f->aux, at);
    case NQ_F_UNION: {
        int kind = *(const int *)(base + f->off2);
        const nq_ftable_t *const *subs = f->aux;
        if (kind <= 0 || kind > 3 || !subs[kind])
            return NQ_EPROTO_VALUE;
        return s_map (e, subs[kind], at);
    }
    case NQ_F_VECTORS: {
        const nq_embed_result_t *er = (const nq_embed_result_t *)base;
        size_t n = (size_t)er->count * er->dimensions;
        if (n == 0)
            return NQ_EPROTO_VALUE;
        uint8_t *out = nq_malloc (n * 4);
        if (!out)
            return NQ_ENOMEM;
        for (size_t i = 0; i < n; i++) {
            uint32_t u;
            memcpy (&u, &er->vectors[i], 4);
            out[4 * i] = (uint8_t)u;
            out[4 * i + 1] = (uint8_t)(u >> 8);
            out[4 * i + 2] = (uint8_t)(u >> 16);
            out[4 * i + 3] = (uint8_t)(u >> 24);
        }
        int index = s_add_frame (e, out, n * 4, true);
        if (index < 0)
            return index;
        s_uint (buf, (uint64_t)index);
        return 0;
    }
    case NQ_F_EMBED:
        break;
    }
    (void)t;
    return NQ_EINTERNAL;
}

//  The most entries t's map can have (embedded tables included).
static size_t
s_max_entries (const nq_ftable_t *t)
{
    size_t n = 0;
    for (int i = 0; i < t->count; i++)
        n += t->fields[i].type == NQ_F_EMBED ? s_max_entries (t->fields[i].aux) : 1;
    return n;
}

//  Writes t's fields present in base, counting them in *n; refuses an unset
//  required field.
static int
s_fields (s_enc_t *e, const nq_ftable_t *t, const unsigned char *base, size_t *n)
{
    for (int i = 0; i < t->count; i++) {
        const nq_field_t *f = &t->fields[i];
        int rc = 0;
        if (f->type == NQ_F_EMBED)
            rc = s_fields (e, f->aux, base + f->off, n);
        else if (!s_isset (f, base, t)) {
            if (f->flags & NQ_FL_REQ)
                return NQ_EPROTO_MISSING;
            continue;
        }
        else if (f->type == NQ_F_STR_FRAME)
            continue;    //  written by the text field before it, when long
        else if (f->type == NQ_F_STR) {
            //  Texts are measured once; a long one in a field that allows
            //  it goes as a frame under the next field's key ("…_frame").
            const char *str = *(const char *const *)(base + f->off);
            size_t len = strlen (str);
            if ((f->flags & NQ_FL_FRAMED) && len > NQ_PROTO_INLINE_TEXT_MAX) {
                int index = s_add_frame (e, str, len, false);
                if (index < 0)
                    return index;
                s_str (e, f[1].key, f[1].keylen);
                s_uint (&e->buf, (uint64_t)index);
            }
            else {
                s_str (e, f->key, f->keylen);
                s_str (e, str, len);
            }
            (*n)++;
        }
        else {
            s_str (e, f->key, f->keylen);
            rc = s_value (e, f, t, base);
            (*n)++;
        }
        if (rc)
            return rc;
    }
    return 0;
}

//  One pass: the map header is reserved, the fields written, then the
//  header patched to the shortest form for the count found.
static int
s_map (s_enc_t *e, const nq_ftable_t *t, const unsigned char *base)
{
    size_t at = e->buf.size;
    int wide = s_max_entries (t) > 15;
    s_write (&e->buf, "\xde\x00\x00", wide ? 3 : 1);
    size_t n = 0;
    int rc = s_fields (e, t, base, &n);
    if (rc || e->buf.failed)
        return rc;
    uint8_t *h = e->buf.data + at;
    if (n <= 15) {
        h[0] = (uint8_t)(0x80 | n);
        if (wide) {
            memmove (h + 1, h + 3, e->buf.size - at - 3);
            e->buf.size -= 2;
        }
    }
    else {
        h[1] = (uint8_t)(n >> 8);
        h[2] = (uint8_t)n;
    }
    return 0;
}

int
nq_msg_encode (const nq_msg_t *msg, nq_wire_t *wire)
{
    memset (wire, 0, sizeof *wire);
    const nq_ftable_t *table = nq_proto_table (msg->cmd);
    if (!table || msg->cmd >= sizeof s_cmd_bytes)
        return NQ_EPROTO_COMMAND;
    s_enc_t e = {.msg = msg, .wire = wire};
    wire->frames[0] = (nq_frame_t){NQ_PROTO_VERSION, NQ_PROTO_VERSION_LEN};
    wire->frames[1] = (nq_frame_t){&s_cmd_bytes[msg->cmd], 1};
    wire->count = NQ_PROTO_HEAD_FRAMES;    //  frame 2 (the body) is set below
    wire->owned[2] = true;
    int rc = s_map (&e, table, (const unsigned char *)&msg->u);
    if (rc == 0 && e.buf.failed)
        rc = NQ_ENOMEM;
    wire->frames[2] = (nq_frame_t){e.buf.data, e.buf.size};
    if (rc)
        nq_wire_fini (wire);
    return rc;
}
