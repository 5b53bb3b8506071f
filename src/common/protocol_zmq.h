/*  protocol_zmq.h — the NQP/1 codec over czmq's zmsg_t.

    The codec itself works on plain frames (protocol.h); callers that hold
    czmq messages use these two adapters. A zmsg here holds only the NQP/1
    frames: a ROUTER's routing frames are popped before decoding and pushed
    after encoding by the caller. */
#ifndef NQ_PROTOCOL_ZMQ_H
#define NQ_PROTOCOL_ZMQ_H

#include "common/protocol.h"

#include <czmq.h>

/*  Decodes the frames of zmsg (not owned; its frames are not changed, its
    cursor is; it may be destroyed as soon as this returns) into *self, as
    nq_msg_decode does. */
int nq_msg_decode_zmsg (nq_msg_t *self, zmsg_t *zmsg, nq_dir_t dir, const nq_limits_t *limits);

/*  Encodes *msg into a new zmsg (*out, owned by the caller) as
    nq_msg_encode does. Returns 0 or its error code; *out is NULL on failure. */
int nq_msg_encode_zmsg (const nq_msg_t *msg, zmsg_t **out);

#endif
