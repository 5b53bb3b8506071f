/*  fuzz_frames.h — splits a fuzz input into frames and checks the codec's
    laws on whatever decodes.

    Input format (the seeds written by tests/vectors/make-vectors): for each
    frame a 2-byte little-endian length and its bytes; a short last frame
    takes what is left. A message that decodes must encode, decode again
    and re-encode to the same bytes; anything else aborts (a finding). */
#ifndef NQ_FUZZ_FRAMES_H
#define NQ_FUZZ_FRAMES_H

#include "common/protocol.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t
nq_fuzz_split (const uint8_t *data, size_t size, nq_frame_t *frames, size_t max)
{
    size_t count = 0;
    while (size >= 2 && count < max) {
        size_t len = (size_t)data[0] | (size_t)data[1] << 8;
        data += 2;
        size -= 2;
        if (len > size)
            len = size;
        frames[count++] = (nq_frame_t){data, len};
        data += len;
        size -= len;
    }
    return count;
}

static int
s_same_wire (const nq_wire_t *a, const nq_wire_t *b)
{
    if (a->count != b->count)
        return 0;
    for (size_t i = 0; i < a->count; i++)
        if (a->frames[i].size != b->frames[i].size ||
            (a->frames[i].size && memcmp (a->frames[i].data, b->frames[i].data, a->frames[i].size)))
            return 0;
    return 1;
}

static void
nq_fuzz_decode (const uint8_t *data, size_t size, nq_dir_t dir)
{
    nq_frame_t frames[NQ_WIRE_MAX_FRAMES + 2];
    size_t count = nq_fuzz_split (data, size, frames, NQ_WIRE_MAX_FRAMES + 2);
    nq_msg_t msg;
    if (nq_msg_decode (&msg, frames, count, dir, NULL) != 0)
        return;
    nq_wire_t wire, again;
    nq_msg_t second;
    if (nq_msg_encode (&msg, &wire) != 0)
        abort ();    //  what decodes must encode
    if (nq_msg_decode (&second, wire.frames, wire.count, dir, NULL) != 0)
        abort ();    //  and what the encoder writes must decode
    if (nq_msg_encode (&second, &again) != 0 || !s_same_wire (&wire, &again))
        abort ();    //  and one round trip is a fixed point
    nq_wire_fini (&again);
    nq_msg_fini (&second);
    nq_wire_fini (&wire);
    nq_msg_fini (&msg);
}

#endif
