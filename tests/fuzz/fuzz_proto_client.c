/*  fuzz_proto_client.c — libFuzzer target: the NQP/1 decoder for messages
    client → broker (SUBMIT, CANCEL, QUERY, ADMIN, PING). Any input must decode or be refused with
    a code, never crash or leak; what decodes must round-trip. */
#include "fuzz_frames.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    nq_fuzz_decode (data, size, NQ_DIR_CLIENT_BROKER);
    return 0;
}
