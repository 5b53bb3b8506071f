/*  protocol_zmq.c — zmsg_t adapters for the NQP/1 codec (see protocol_zmq.h). */
#include "common/protocol_zmq.h"

#include "common/errors.h"

int
nq_msg_decode_zmsg (nq_msg_t *self, zmsg_t *zmsg, nq_dir_t dir, const nq_limits_t *limits)
{
    nq_frame_t frames[NQ_WIRE_MAX_FRAMES];
    size_t count = zmsg_size (zmsg);
    if (count > NQ_WIRE_MAX_FRAMES) {
        nq_msg_init (self, NQ_CMD_NONE);
        return NQ_EPROTO_FRAMES;
    }
    size_t i = 0;
    for (zframe_t *f = zmsg_first (zmsg); f && i < count; f = zmsg_next (zmsg))
        frames[i++] = (nq_frame_t){zframe_data (f), zframe_size (f)};
    return nq_msg_decode (self, frames, i, dir, limits);
}

int
nq_msg_encode_zmsg (const nq_msg_t *msg, zmsg_t **out)
{
    *out = NULL;
    nq_wire_t wire;
    int rc = nq_msg_encode (msg, &wire);
    if (rc)
        return rc;
    zmsg_t *zmsg = zmsg_new ();
    for (size_t i = 0; zmsg && i < wire.count; i++)
        if (zmsg_addmem (zmsg, wire.frames[i].data, wire.frames[i].size))
            zmsg_destroy (&zmsg);
    nq_wire_fini (&wire);
    if (!zmsg)
        return NQ_ENOMEM;
    *out = zmsg;
    return 0;
}
