/*  fuzz_proto_peer.c — libFuzzer target: the NQP/1 decoders for messages
    the broker sends, to clients (ACCEPTED, CHUNK, RESULT, ERROR, REPLY) and
    to workers (JOB, CANCEL, SCALE, DRAIN, HEARTBEAT, DISCONNECT). Any input
    must decode or be refused with a code, never crash or leak. */
#include "fuzz_frames.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    nq_fuzz_decode (data, size, NQ_DIR_BROKER_CLIENT);
    nq_fuzz_decode (data, size, NQ_DIR_BROKER_WORKER);
    return 0;
}
