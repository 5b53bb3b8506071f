/*  protocol_zuv.c — NQP/1 messages over zuv (see protocol_zuv.h). */
#include "common/protocol_zuv.h"

#include "common/errors.h"

int
nq_msg_send_zuv (nq_zuv_t *zuv, const void *identity, size_t identity_size, const nq_msg_t *msg)
{
    if (!zuv)
        return NQ_ECLOSED;
    nq_wire_t wire;
    int rc = nq_msg_encode (msg, &wire);
    if (rc == 0) {
        size_t room = NQ_ZUV_MAX_PARTS - (identity ? 1 : 0);
        if (wire.count > room)
            rc = NQ_EPROTO_TOO_LARGE;
        else {
            nq_zpart_t parts[NQ_ZUV_MAX_PARTS];
            for (size_t i = 0; i < wire.count; i++)
                parts[i] = (nq_zpart_t){wire.frames[i].data, wire.frames[i].size};
            rc = identity ? nq_zuv_send_to (zuv, identity, identity_size, parts, wire.count)
                          : nq_zuv_send (zuv, parts, wire.count);
        }
    }
    nq_wire_fini (&wire);
    return rc;
}
