/*  protocol_fields.h — private to the codec: NQP/1 bodies as field tables.

    Each msgpack map of the protocol is described once, as a table of
    fields (key, type, where the value lives in the C struct). The encoder
    and the decoder both walk these tables, so the two can never disagree on
    a key, a type or an order; docs/protocol.md lists the same fields in the
    same order. Not for use outside src/common/protocol_*.c. */
#ifndef NQ_PROTOCOL_FIELDS_H
#define NQ_PROTOCOL_FIELDS_H

#include "common/protocol.h"

#include <stddef.h>
#include <stdint.h>

typedef enum {
    NQ_F_U64 = 1,      //  uint64_t
    NQ_F_U32,          //  uint32_t
    NQ_F_I64,          //  int64_t
    NQ_F_DOUBLE,       //  double, finite
    NQ_F_BOOL,         //  bool
    NQ_F_NBOOL,        //  bool stored inverted (wire default true)
    NQ_F_STR,          //  const char * (UTF-8 text)
    NQ_F_STR_FRAME,    //  the same const char *, sent as a raw frame (key "<name>_frame")
    NQ_F_ID,           //  char[NQ_ID_LEN + 1], canonical UUID text
    NQ_F_ENUM,         //  an enum, on the wire as one of aux's names
    NQ_F_CODE,         //  int NQ_E* code, on the wire as its wire name
    NQ_F_RAW,          //  nq_raw_t: any one msgpack value, kept as bytes
    NQ_F_STRS,         //  const char ** with a size_t count at off2
    NQ_F_ARRAY,        //  T * with a size_t count at off2; elements are maps (aux: table, esize)
    NQ_F_MAP,          //  a nested struct at off, one map (aux: table)
    NQ_F_EMBED,        //  a nested struct at off whose fields sit in this map (aux: table)
    NQ_F_UNION,        //  a union at off chosen by the nq_kind_t at off2 (aux: tables by kind)
    NQ_F_VECTORS       //  const float * of count × dimensions, sent as a raw frame
} nq_ftype_t;

#define NQ_FL_REQ 0x01       //  required: a message without it is refused
#define NQ_FL_HAS 0x02       //  presence is a bit of the struct's `has` word
#define NQ_FL_UNIT 0x04      //  a double in 0..1
#define NQ_FL_INPUTS 0x08    //  an array bounded by max_embed_inputs too
#define NQ_FL_FRAMED 0x10    //  a text that goes as a frame when long; the next field is its "_frame" key

//  Texts longer than this travel as raw frames when the field allows it.
#define NQ_PROTO_INLINE_TEXT_MAX 65536

typedef struct nq_ftable_t nq_ftable_t;

typedef struct {
    const char *const *names;    //  index = enum value; [0] is NULL
    int count;
} nq_enum_names_t;

typedef struct {
    const char *key;
    uint8_t keylen;
    uint8_t type;       //  nq_ftype_t
    uint8_t flags;      //  NQ_FL_*
    uint8_t bit;        //  with NQ_FL_HAS: the bit of `has`
    uint32_t off;       //  offset of the value in the struct
    uint32_t off2;      //  count offset (arrays), kind offset (unions)
    uint32_t esize;     //  element size (NQ_F_ARRAY)
    const void *aux;    //  nq_enum_names_t, nq_ftable_t, or nq_ftable_t *[4] by kind
} nq_field_t;

struct nq_ftable_t {
    const nq_field_t *fields;
    int count;
    int has_off;    //  offset of the uint32_t `has` word, or -1
};

/*  The body table of a command, or NULL for an unknown command byte. */
const nq_ftable_t *nq_proto_table (int cmd);

extern const nq_enum_names_t nq_kind_names_, nq_class_names_, nq_role_names_, nq_query_names_,
    nq_admin_names_;

/*  The message arena (protocol_msg.c). nq_msg_arena_open_ gives the message
    an arena whose first block holds first bytes and whose total may not
    exceed budget bytes (SIZE_MAX: no bound); 0 or NQ_ENOMEM.
    nq_msg_arena_alloc_ returns size bytes aligned to align, or NULL when
    memory or the budget runs out (*over set to 1 for the budget). */
int nq_msg_arena_open_ (nq_msg_t *msg, size_t first, size_t budget);
void *nq_msg_arena_alloc_ (nq_msg_t *msg, size_t size, size_t align, int *over);

typedef struct nq_arena_block_t {
    struct nq_arena_block_t *next;
    size_t size;
    size_t used;
    _Alignas(max_align_t) unsigned char data[];
} nq_arena_block_t;

struct nq_arena_t {
    nq_arena_block_t *head;
    size_t budget;    //  bytes that may still be reserved
};

/*  The decoder's fast path: room in the current block, else the full call. */
static inline void *
nq_msg_arena_bump_ (nq_msg_t *msg, size_t size, size_t align, int *over)
{
    nq_arena_block_t *block = msg->arena_ ? msg->arena_->head : NULL;
    if (block) {
        size_t at = (block->used + align - 1) & ~(align - 1);
        if (at <= block->size && block->size - at >= size) {
            block->used = at + size;
            return block->data + at;
        }
    }
    return nq_msg_arena_alloc_ (msg, size, align, over);
}
#endif
