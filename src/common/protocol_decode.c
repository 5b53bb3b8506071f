/*  protocol_decode.c — frames to nq_msg_t, bounded (see protocol.h).

    The decoder walks the body map with the allocation-free cursor of
    mpread.h and the field tables of protocol_tables.c. Nothing is allocated
    before its size has been checked against the limits and against the
    bytes that remain, and all memory comes from the message's arena whose
    total is capped at 16 × the message's wire size + 64 KiB. The first
    fault found decides the error code; the message is then emptied. */
#include "common/protocol.h"

#include "common/errors.h"
#include "common/mpread.h"
#include "common/protocol_fields.h"

#include <math.h>
#include <stdalign.h>
#include <string.h>

_Static_assert(sizeof (nq_kind_t) == sizeof (int) && sizeof (nq_role_t) == sizeof (int),
               "enums are stored as int");

typedef struct {
    nq_msg_t *msg;
    const nq_limits_t *lim;
    const nq_frame_t *frames;
    size_t nframes;
    uint8_t used[NQ_WIRE_MAX_FRAMES];
} s_dec_t;

//  A value whose decoding waits for the rest of its map (a payload needs
//  the kind, which may come later; vectors need count and dimensions).
typedef struct {
    const nq_field_t *field;
    unsigned char *base;
    const uint8_t *start;
    const uint8_t *end;
    uint64_t index;
    int done;    //  decoded in place: the kind came first
} s_defer_t;

#define S_MAX_DEFER 4

static int s_map_body (s_dec_t *d, nq_mpr_t *r, const nq_ftable_t *t, unsigned char *base, int depth,
                       uint32_t pairs);

static inline int
s_alloc (s_dec_t *d, size_t size, size_t align, void **out)
{
    int over = 0;
    *out = nq_msg_arena_bump_ (d->msg, size, align, &over);
    if (*out)
        return 0;
    return over ? NQ_EPROTO_TOO_LARGE : NQ_ENOMEM;
}

//  Validates and copies text into the arena.
static int
s_text (s_dec_t *d, const uint8_t *p, size_t len, const char **out)
{
    if (len > d->lim->max_string)
        return NQ_EPROTO_TOO_LARGE;
    char *copy;
    int rc = s_alloc (d, len + 1, 1, (void **)&copy);
    if (rc)
        return rc;
    if (!nq_utf8_copy (copy, p, len))
        return NQ_EPROTO_UTF8;
    copy[len] = '\0';
    *out = copy;
    return 0;
}

static int
s_read_text (s_dec_t *d, nq_mpr_t *r, const char **out)
{
    nq_mp_obj_t o;
    int rc = nq_mpr_next (r, &o);
    if (rc)
        return rc;
    if (o.type != NQ_MP_STR)
        return NQ_EPROTO_TYPE;
    return s_text (d, o.v.s.ptr, o.v.s.len, out);
}

//  Claims payload frame index for one field.
static int
s_frame (s_dec_t *d, uint64_t index, const nq_frame_t **frame)
{
    if (index < NQ_PROTO_HEAD_FRAMES || index >= d->nframes || d->used[index])
        return NQ_EPROTO_FRAMES;
    d->used[index] = 1;
    *frame = &d->frames[index];
    return 0;
}

static int
s_hex (int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static int
s_id (const uint8_t *p, size_t len, char *out)
{
    if (len != NQ_ID_LEN)
        return NQ_EPROTO_VALUE;
    for (size_t i = 0; i < len; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? p[i] != '-' : !s_hex (p[i]))
            return NQ_EPROTO_VALUE;
    }
    memcpy (out, p, len);
    out[len] = '\0';
    return 0;
}

//  Equal bytes? Keys are short: a loop beats a call to memcmp.
static inline int
s_eq (const char *a, const uint8_t *b, size_t len)
{
    //  Whole words, the last one overlapping: no byte loop, few branches.
    if (len >= 8) {
        uint64_t x, y;
        for (size_t i = 0; i + 8 < len; i += 8) {
            memcpy (&x, a + i, 8);
            memcpy (&y, b + i, 8);
            if (x != y)
                return 0;
        }
        memcpy (&x, a + len - 8, 8);
        memcpy (&y, b + len - 8, 8);
        return x == y;
    }
    if (len >= 4) {
        uint32_t x, y, u, v;
        memcpy (&x, a, 4);
        memcpy (&y, b, 4);
        memcpy (&u, a + len - 4, 4);
        memcpy (&v, b + len - 4, 4);
        return x == y && u == v;
    }
    for (size_t i = 0; i < len; i++)
        if ((uint8_t)a[i] != b[i])
            return 0;
    return 1;
}

//  Is the NUL-terminated name exactly the len bytes at p?
static int
s_name_is (const char *name, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (name[i] == '\0' || (uint8_t)name[i] != p[i])
            return 0;
    return name[len] == '\0';
}

static int
s_enum (const nq_enum_names_t *names, const uint8_t *p, size_t len, int *out)
{
    for (int i = 1; i < names->count; i++)
        if (s_name_is (names->names[i], p, len)) {
            *out = i;
            return 0;
        }
    return NQ_EPROTO_VALUE;
}

static int
s_code (const uint8_t *p, size_t len, int *out)
{
    char name[64];
    if (len == 0 || len >= sizeof name)
        return NQ_EPROTO_VALUE;
    for (size_t i = 0; i < len; i++) {
        if (!((p[i] >= 'a' && p[i] <= 'z') || p[i] == '_'))
            return NQ_EPROTO_VALUE;
        name[i] = (char)p[i];
    }
    name[len] = '\0';
    //  An unknown name is kept as "internal": newer peers may add codes.
    *out = nq_error_from_wire (name);
    return 0;
}

//  Finds key in t (and in its embedded tables); *slot is a stable index
//  for duplicate detection, *base_off where the field's struct starts.
static const nq_field_t *
s_lookup (const nq_ftable_t *t, const uint8_t *key, size_t len, int *slot, size_t *base_off, int *hint)
{
    //  Encoders write keys in table order: try the field after the last one
    //  found (hint[0] a field of t, hint[1] a field of an embedded table)
    //  before searching.
    if (hint[0] < t->count) {
        const nq_field_t *f = &t->fields[hint[0]];
        const nq_ftable_t *sub = f->type == NQ_F_EMBED ? f->aux : NULL;
        const nq_field_t *g = sub ? (hint[1] < sub->count ? &sub->fields[hint[1]] : NULL) : f;
        if (g && g->keylen == len && s_eq (g->key, key, len)) {
            *slot = sub ? 32 + hint[1] : hint[0];
            *base_off = sub ? f->off : 0;
            if (sub && hint[1] + 1 < sub->count)
                hint[1]++;
            else
                hint[0]++, hint[1] = 0;
            return g;
        }
    }
    for (int i = 0; i < t->count; i++) {
        const nq_field_t *f = &t->fields[i];
        if (f->type == NQ_F_EMBED) {
            const nq_ftable_t *sub = f->aux;
            for (int j = 0; j < sub->count; j++) {
                const nq_field_t *g = &sub->fields[j];
                if (g->keylen == len && s_eq (g->key, key, len)) {
                    *slot = 32 + j;
                    *base_off = f->off;
                    hint[0] = j + 1 < sub->count ? i : i + 1;
                    hint[1] = j + 1 < sub->count ? j + 1 : 0;
                    return g;
                }
            }
        }
        else if (f->keylen == len && s_eq (f->key, key, len)) {
            *slot = i;
            *base_off = 0;
            hint[0] = i + 1;
            hint[1] = 0;
            return f;
        }
    }
    return NULL;
}

//  Reads an array header for a field at depth: bounds and depth checked.
static int
s_array_head (s_dec_t *d, const nq_mp_obj_t *o, const nq_field_t *f, int depth)
{
    if (o->type != NQ_MP_ARRAY)
        return NQ_EPROTO_TYPE;
    if ((size_t)depth + 1 > d->lim->max_depth)
        return NQ_EPROTO_TOO_DEEP;
    if (o->v.n > d->lim->max_array || ((f->flags & NQ_FL_INPUTS) && o->v.n > d->lim->max_embed_inputs))
        return NQ_EPROTO_TOO_LARGE;
    return 0;
}

static int
s_skip (s_dec_t *d, nq_mpr_t *r, int depth)
{
    return nq_mpr_skip (r, (int)d->lim->max_depth - depth, d->lim->max_array, d->lim->max_string);
}

static int
s_vectors (s_dec_t *d, const s_defer_t *df)
{
    nq_embed_result_t *er = (nq_embed_result_t *)df->base;
    const nq_frame_t *frame;
    int rc = s_frame (d, df->index, &frame);
    if (rc)
        return rc;
    uint64_t n = (uint64_t)er->count * er->dimensions;
    if (n == 0 || n > SIZE_MAX / 4 || frame->size != n * 4)
        return NQ_EPROTO_VALUE;
    float *v;
    if ((rc = s_alloc (d, frame->size, alignof (float), (void **)&v)))
        return rc;
    const uint8_t *p = frame->data;
    for (uint64_t i = 0; i < n; i++) {
        uint32_t u = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
                     (uint32_t)p[4 * i + 3] << 24;
        memcpy (&v[i], &u, 4);
    }
    er->vectors = v;
    return 0;
}

static int
s_union (s_dec_t *d, const s_defer_t *df, int depth)
{
    const nq_field_t *f = df->field;
    int kind;
    memcpy (&kind, df->base + f->off2, sizeof kind);
    const nq_ftable_t *const *subs = f->aux;
    if (kind <= 0 || kind > 3 || !subs[kind])
        return NQ_EPROTO_MISSING;    //  a payload without its kind
    nq_mpr_t r = {df->start, df->end};
    nq_mp_obj_t o;
    int rc = nq_mpr_next (&r, &o);
    if (rc)
        return rc;
    return s_map_body (d, &r, subs[kind], df->base + f->off, depth + 1, o.v.n);
}

//  Decodes one field's value at the reader; depth is the depth of the map
//  holding it.
static int
s_field (s_dec_t *d, nq_mpr_t *r, const nq_field_t *f, const nq_ftable_t *t, unsigned char *base, int depth,
         s_defer_t *defer, int *ndefer)
{
    const uint8_t *start = r->p;
    nq_mp_obj_t o;
    int rc = nq_mpr_next (r, &o);
    if (rc)
        return rc;
    if (o.type == NQ_MP_NIL)
        return 0;    //  nil is "absent"
    void *at = base + f->off;
    switch ((nq_ftype_t)f->type) {
    case NQ_F_U64:
    case NQ_F_U32:
        if (o.type == NQ_MP_INT)
            return NQ_EPROTO_VALUE;
        if (o.type != NQ_MP_UINT)
            return NQ_EPROTO_TYPE;
        if (f->type == NQ_F_U32) {
            if (o.v.u > UINT32_MAX)
                return NQ_EPROTO_VALUE;
            *(uint32_t *)at = (uint32_t)o.v.u;
        }
        else
            *(uint64_t *)at = o.v.u;
        break;
    case NQ_F_I64:
        if (o.type == NQ_MP_INT)
            *(int64_t *)at = o.v.i;
        else if (o.type == NQ_MP_UINT) {
            if (o.v.u > INT64_MAX)
                return NQ_EPROTO_VALUE;
            *(int64_t *)at = (int64_t)o.v.u;
        }
        else
            return NQ_EPROTO_TYPE;
        break;
    case NQ_F_DOUBLE: {
        double v;
        if (o.type == NQ_MP_FLOAT)
            v = o.v.f;
        else if (o.type == NQ_MP_UINT)
            v = (double)o.v.u;
        else if (o.type == NQ_MP_INT)
            v = (double)o.v.i;
        else
            return NQ_EPROTO_TYPE;
        if (!isfinite (v) || ((f->flags & NQ_FL_UNIT) && (v < 0.0 || v > 1.0)))
            return NQ_EPROTO_VALUE;
        *(double *)at = v;
        break;
    }
    case NQ_F_BOOL:
    case NQ_F_NBOOL:
        if (o.type != NQ_MP_BOOL)
            return NQ_EPROTO_TYPE;
        *(bool *)at = f->type == NQ_F_BOOL ? o.v.b : !o.v.b;
        break;
    case NQ_F_STR:
        if (o.type != NQ_MP_STR)
            return NQ_EPROTO_TYPE;
        return s_text (d, o.v.s.ptr, o.v.s.len, (const char **)at);
    case NQ_F_STR_FRAME: {
        if (o.type != NQ_MP_UINT)
            return NQ_EPROTO_TYPE;
        const nq_frame_t *frame;
        if ((rc = s_frame (d, o.v.u, &frame)))
            return rc;
        return s_text (d, frame->data, frame->size, (const char **)at);
    }
    case NQ_F_ID:
        if (o.type != NQ_MP_STR)
            return NQ_EPROTO_TYPE;
        return s_id (o.v.s.ptr, o.v.s.len, at);
    case NQ_F_ENUM:
        if (o.type != NQ_MP_STR)
            return NQ_EPROTO_TYPE;
        return s_enum (f->aux, o.v.s.ptr, o.v.s.len, at);
    case NQ_F_CODE:
        if (o.type != NQ_MP_STR)
            return NQ_EPROTO_TYPE;
        return s_code (o.v.s.ptr, o.v.s.len, at);
    case NQ_F_RAW: {
        r->p = start;
        if ((rc = s_skip (d, r, depth)))
            return rc;
        size_t size = (size_t)(r->p - start);
        void *copy;
        if ((rc = s_alloc (d, size, 1, &copy)))
            return rc;
        memcpy (copy, start, size);
        ((nq_raw_t *)at)->data = copy;
        ((nq_raw_t *)at)->size = size;
        break;
    }
    case NQ_F_STRS: {
        if ((rc = s_array_head (d, &o, f, depth)))
            return rc;
        const char **items = NULL;
        if (o.v.n && (rc = s_alloc (d, o.v.n * sizeof *items, alignof (const char *), (void **)&items)))
            return rc;
        for (uint32_t i = 0; i < o.v.n; i++)
            if ((rc = s_read_text (d, r, &items[i])))
                return rc;
        *(const char ***)at = items;
        *(size_t *)(base + f->off2) = o.v.n;
        break;
    }
    case NQ_F_ARRAY: {
        if ((rc = s_array_head (d, &o, f, depth)))
            return rc;
        unsigned char *items = NULL;
        if (o.v.n && (rc = s_alloc (d, (size_t)o.v.n * f->esize, alignof (max_align_t), (void **)&items)))
            return rc;
        if (items)
            memset (items, 0, (size_t)o.v.n * f->esize);
        for (uint32_t i = 0; i < o.v.n; i++) {
            nq_mp_obj_t e;
            if ((rc = nq_mpr_next (r, &e)))
                return rc;
            if (e.type != NQ_MP_MAP)
                return NQ_EPROTO_TYPE;
            if ((size_t)depth + 2 > d->lim->max_depth)
                return NQ_EPROTO_TOO_DEEP;
            if ((rc = s_map_body (d, r, f->aux, items + (size_t)i * f->esize, depth + 2, e.v.n)))
                return rc;
        }
        *(void **)at = items;
        *(size_t *)(base + f->off2) = o.v.n;
        break;
    }
    case NQ_F_MAP:
        if (o.type != NQ_MP_MAP)
            return NQ_EPROTO_TYPE;
        if ((size_t)depth + 1 > d->lim->max_depth)
            return NQ_EPROTO_TOO_DEEP;
        return s_map_body (d, r, f->aux, at, depth + 1, o.v.n);
    case NQ_F_UNION:
    case NQ_F_VECTORS:
        if (f->type == NQ_F_UNION ? o.type != NQ_MP_MAP : o.type != NQ_MP_UINT)
            return NQ_EPROTO_TYPE;
        if (*ndefer == S_MAX_DEFER)
            return NQ_EPROTO_VALUE;
        defer[*ndefer] = (s_defer_t){f, base, start, r->end, o.type == NQ_MP_UINT ? o.v.u : 0, 0};
        if (f->type == NQ_F_UNION) {
            if ((size_t)depth + 1 > d->lim->max_depth)
                return NQ_EPROTO_TOO_DEEP;
            int kind;
            memcpy (&kind, base + f->off2, sizeof kind);
            const nq_ftable_t *const *subs = f->aux;
            if (kind > 0 && kind <= 3 && subs[kind]) {
                //  The usual order (kind first): decode in place, one pass.
                defer[*ndefer].done = 1;
                (*ndefer)++;
                return s_map_body (d, r, subs[kind], at, depth + 1, o.v.n);
            }
            r->p = start;
            if ((rc = s_skip (d, r, depth)))
                return rc;
        }
        (*ndefer)++;
        break;
    case NQ_F_EMBED:
        return NQ_EINTERNAL;    //  never a key of its own
    }
    if (f->flags & NQ_FL_HAS)
        *(uint32_t *)(base + t->has_off) |= 1u << f->bit;
    return 0;
}

//  Check of the required fields of t (and of embedded tables). Numbers are
//  required by the presence of their key (seen, slots numbered as s_lookup
//  does: 0 is a meaningful value, as in CREDIT 0); the rest by value.
static int
s_required (const nq_ftable_t *t, const unsigned char *base, uint64_t seen, int slot_base)
{
    for (int i = 0; i < t->count; i++) {
        const nq_field_t *f = &t->fields[i];
        const void *at = base + f->off;
        if (f->type == NQ_F_EMBED) {
            int rc = s_required (f->aux, at, seen, 32);
            if (rc)
                return rc;
            continue;
        }
        if (!(f->flags & NQ_FL_REQ))
            continue;
        int set = 1;
        switch ((nq_ftype_t)f->type) {
        case NQ_F_U64:
        case NQ_F_U32:
        case NQ_F_I64:
        case NQ_F_DOUBLE:
            set = (int)((seen >> (slot_base + i)) & 1);
            break;
        case NQ_F_STR:
        case NQ_F_STR_FRAME:
        case NQ_F_VECTORS:
            set = *(const void *const *)at != NULL;
            break;
        case NQ_F_ID:
            set = *(const char *)at != '\0';
            break;
        case NQ_F_ENUM:
        case NQ_F_CODE:
            set = *(const int *)at != 0;
            break;
        case NQ_F_STRS:
        case NQ_F_ARRAY:
            set = *(const size_t *)(base + f->off2) != 0;
            break;
        default:
            break;    //  unions are checked when decoded; others are never required
        }
        if (!set)
            return NQ_EPROTO_MISSING;
    }
    return 0;
}

static int
s_has_union (const nq_ftable_t *t, const s_defer_t *defer, int ndefer)
{
    for (int i = 0; i < t->count; i++) {
        const nq_field_t *f = &t->fields[i];
        if (f->type == NQ_F_EMBED && !s_has_union (f->aux, defer, ndefer))
            return 0;
        if (f->type == NQ_F_UNION && (f->flags & NQ_FL_REQ)) {
            int found = 0;
            for (int j = 0; j < ndefer; j++)
                found |= defer[j].field == f;
            if (!found)
                return 0;
        }
    }
    return 1;
}

static int
s_map_body (s_dec_t *d, nq_mpr_t *r, const nq_ftable_t *t, unsigned char *base, int depth, uint32_t pairs)
{
    if (pairs > d->lim->max_array)
        return NQ_EPROTO_TOO_LARGE;
    s_defer_t defer[S_MAX_DEFER];
    int ndefer = 0;
    uint64_t seen = 0;
    int rc, hint[2] = {0, 0};
    for (uint32_t i = 0; i < pairs; i++) {
        nq_mp_obj_t key;
        if ((rc = nq_mpr_next (r, &key)))
            return rc;
        if (key.type != NQ_MP_STR)
            return NQ_EPROTO_TYPE;
        if (key.v.s.len > d->lim->max_string)
            return NQ_EPROTO_TOO_LARGE;
        int slot;
        size_t base_off;
        const nq_field_t *f = s_lookup (t, key.v.s.ptr, key.v.s.len, &slot, &base_off, hint);
        if (!f) {
            //  Unknown keys are skipped, within the same bounds as the rest.
            if ((rc = s_skip (d, r, depth)))
                return rc;
            continue;
        }
        if (seen & (1ULL << slot))
            return NQ_EPROTO_VALUE;    //  a key given twice
        //  A nil value is an absent key (it does not satisfy "required").
        if (r->p < r->end && *r->p != 0xc0)
            seen |= 1ULL << slot;
        const nq_ftable_t *owner = base_off ? NULL : t;
        if (!owner)
            for (int j = 0; j < t->count; j++)
                if (t->fields[j].type == NQ_F_EMBED && t->fields[j].off == base_off)
                    owner = t->fields[j].aux;
        if ((rc = s_field (d, r, f, owner, base + base_off, depth, defer, &ndefer)))
            return rc;
    }
    for (int i = 0; i < ndefer; i++) {
        if (defer[i].done)
            continue;
        rc = defer[i].field->type == NQ_F_UNION ? s_union (d, &defer[i], depth) : s_vectors (d, &defer[i]);
        if (rc)
            return rc;
    }
    if ((rc = s_required (t, base, seen, 0)))
        return rc;
    return s_has_union (t, defer, ndefer) ? 0 : NQ_EPROTO_MISSING;
}

static int
s_decode (nq_msg_t *self, const nq_frame_t *frames, size_t count, nq_dir_t dir, const nq_limits_t *lim)
{
    if (count == 0)
        return NQ_EPROTO_FRAMES;
    if (frames[0].size != NQ_PROTO_VERSION_LEN ||
        memcmp (frames[0].data, NQ_PROTO_VERSION, NQ_PROTO_VERSION_LEN))
        return NQ_EPROTO_VERSION;
    if (count < NQ_PROTO_HEAD_FRAMES || count > NQ_PROTO_HEAD_FRAMES + lim->max_frames)
        return NQ_EPROTO_FRAMES;
    size_t total = 0;
    for (size_t i = 0; i < count; i++) {
        if (frames[i].size > lim->max_message - total)
            return NQ_EPROTO_TOO_LARGE;
        total += frames[i].size;
    }
    if (frames[1].size != 1)
        return NQ_EPROTO_FRAMES;
    int cmd = *(const uint8_t *)frames[1].data;
    const nq_ftable_t *table = nq_proto_table (cmd);
    if (!table || (dir != NQ_DIR_ANY && nq_cmd_dir (cmd) != (int)dir))
        return NQ_EPROTO_COMMAND;
    self->cmd = (nq_cmd_t)cmd;

    //  One block usually holds the whole decoded message.
    size_t first = 2 * frames[2].size + 256;
    for (size_t i = NQ_PROTO_HEAD_FRAMES; i < count; i++)
        first += frames[i].size + 8;
    int rc = nq_msg_arena_open_ (self, first, 16 * total + 65536);
    if (rc)
        return rc;

    s_dec_t d = {.msg = self, .lim = lim, .frames = frames, .nframes = count};
    nq_mpr_t r;
    nq_mpr_init (&r, frames[2].data, frames[2].size);
    nq_mp_obj_t o;
    if ((rc = nq_mpr_next (&r, &o)))
        return rc;
    if (o.type != NQ_MP_MAP)
        return NQ_EPROTO_TYPE;
    if ((rc = s_map_body (&d, &r, table, (unsigned char *)&self->u, 1, o.v.n)))
        return rc;
    if (nq_mpr_remaining (&r))
        return NQ_EPROTO_TRUNCATED;    //  bytes after the body map
    for (size_t i = NQ_PROTO_HEAD_FRAMES; i < count; i++)
        if (!d.used[i])
            return NQ_EPROTO_FRAMES;    //  a payload frame nothing refers to
    return 0;
}

int
nq_msg_decode (nq_msg_t *self, const nq_frame_t *frames, size_t count, nq_dir_t dir,
               const nq_limits_t *limits)
{
    nq_msg_init (self, NQ_CMD_NONE);
    int rc = s_decode (self, frames, count, dir, limits ? limits : nq_limits_default ());
    if (rc)
        nq_msg_fini (self);
    return rc;
}
