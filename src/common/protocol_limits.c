/*  protocol_limits.c — defaults and caps of the decoder bounds (see protocol_limits.h). */
#include "common/protocol_limits.h"

#include "common/errors.h"

static const nq_limits_t s_defaults = {
    .max_message = NQ_LIMIT_MESSAGE_DEFAULT,
    .max_string = NQ_LIMIT_STRING_DEFAULT,
    .max_array = NQ_LIMIT_ARRAY_DEFAULT,
    .max_depth = NQ_LIMIT_DEPTH_DEFAULT,
    .max_embed_inputs = NQ_LIMIT_EMBED_INPUTS_DEFAULT,
    .max_frames = NQ_LIMIT_FRAMES_DEFAULT,
};

void
nq_limits_defaults (nq_limits_t *self)
{
    *self = s_defaults;
}

const nq_limits_t *
nq_limits_default (void)
{
    return &s_defaults;
}

static int
s_in (size_t v, size_t lo, size_t cap)
{
    return v >= lo && v <= cap;
}

int
nq_limits_check (const nq_limits_t *self)
{
    if (!s_in (self->max_message, 1, NQ_LIMIT_MESSAGE_CAP) ||
        !s_in (self->max_string, 1, NQ_LIMIT_STRING_CAP) || !s_in (self->max_array, 1, NQ_LIMIT_ARRAY_CAP) ||
        !s_in (self->max_depth, 2, NQ_LIMIT_DEPTH_CAP) ||
        !s_in (self->max_embed_inputs, 1, NQ_LIMIT_EMBED_INPUTS_CAP) ||
        !s_in (self->max_frames, 0, NQ_LIMIT_FRAMES_CAP))
        return NQ_ERANGE;
    return 0;
}
