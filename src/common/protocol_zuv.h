/*  protocol_zuv.h — NQP/1 messages over a zuv socket (the libuv-driven
    ZeroMQ socket of zuv.h): encode and send in one call. The broker, the
    worker's link and libnovaq all send this way. */
#ifndef NQ_PROTOCOL_ZUV_H
#define NQ_PROTOCOL_ZUV_H

#include "common/protocol.h"
#include "common/zuv.h"

/*  Encodes msg and sends it on zuv, to the ROUTER peer identity when
    identity is not NULL. Returns 0, the encoder's code, NQ_EPROTO_TOO_LARGE
    (more frames than a zuv message holds), NQ_ECLOSED (zuv is NULL) or
    nq_zuv_send's code. Nothing is logged. */
int nq_msg_send_zuv (nq_zuv_t *zuv, const void *identity, size_t identity_size, const nq_msg_t *msg);

#endif
