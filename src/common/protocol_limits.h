/*  protocol_limits.h — the bounds every NQP/1 decoder enforces.

    A decoder is handed an nq_limits_t; whatever the input says, it never
    reads, nests or allocates past these numbers. Each limit has a default
    (what nq_limits_defaults gives) and a hard cap that no configuration may
    exceed (nq_limits_check refuses it). docs/protocol.md, "Limits", is the
    user-facing copy of this table. */
#ifndef NQ_PROTOCOL_LIMITS_H
#define NQ_PROTOCOL_LIMITS_H

#include <stddef.h>

typedef struct {
    size_t max_message;         //  bytes of all frames together
    size_t max_string;          //  bytes of one string (text) field
    size_t max_array;           //  elements of one array, pairs of one map
    size_t max_depth;           //  nesting of maps and arrays (the body map is depth 1)
    size_t max_embed_inputs;    //  inputs of one embed job
    size_t max_frames;          //  raw payload frames after the body frame
} nq_limits_t;

//  Defaults and hard caps (docs/protocol.md, "Limits").
#define NQ_LIMIT_MESSAGE_DEFAULT ((size_t)16 << 20)
#define NQ_LIMIT_MESSAGE_CAP ((size_t)256 << 20)
#define NQ_LIMIT_STRING_DEFAULT ((size_t)4 << 20)
#define NQ_LIMIT_STRING_CAP ((size_t)64 << 20)
#define NQ_LIMIT_ARRAY_DEFAULT ((size_t)4096)
#define NQ_LIMIT_ARRAY_CAP ((size_t)1 << 20)
#define NQ_LIMIT_DEPTH_DEFAULT ((size_t)16)
#define NQ_LIMIT_DEPTH_CAP ((size_t)64)
#define NQ_LIMIT_EMBED_INPUTS_DEFAULT ((size_t)512)
#define NQ_LIMIT_EMBED_INPUTS_CAP ((size_t)8192)
#define NQ_LIMIT_FRAMES_DEFAULT ((size_t)16)
#define NQ_LIMIT_FRAMES_CAP ((size_t)64)

/*  Fills *self with the defaults. */
void nq_limits_defaults (nq_limits_t *self);

/*  Returns 0 when every limit is at least 1 (max_depth at least 2) and at
    most its hard cap, else NQ_ERANGE. */
int nq_limits_check (const nq_limits_t *self);

/*  The process-wide default limits (read-only), for callers that have no
    configuration of their own. */
const nq_limits_t *nq_limits_default (void);

#endif
