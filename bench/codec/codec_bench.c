/*  codec_bench — NQP/1 codec throughput on one core.

    Usage: codec_bench [SECONDS_PER_CASE]   (default 1)
    Cases (one more line, reference_msgpack_c_unpack_pack, times msgpack-c
    itself on the same body for comparison): a typical chat SUBMIT (the golden sample: system prompt, memories,
    recent turns, options) encoded, decoded, and both (a round trip: encode,
    decode, release both); and an embed RESULT of 64 inputs × 384 dimensions
    (float32 vectors in a raw frame), round trip. Prints one line per case:
    "case ops_per_s ns_per_op wire_bytes". Each operation starts from
    nothing and releases everything it made, as the broker will. */
#include "samples.h"

#include "common/errors.h"
#include "common/protocol.h"

#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef enum { S_ENCODE, S_DECODE, S_ROUND_TRIP } s_mode_t;

static volatile size_t s_sink;

static void
s_case (const char *name, const nq_msg_t *msg, s_mode_t mode, double seconds)
{
    nq_wire_t wire;
    if (nq_msg_encode (msg, &wire)) {
        fprintf (stderr, "codec_bench: %s does not encode\n", name);
        exit (1);
    }
    size_t bytes = nq_wire_size (&wire);
    double start = s_now (), now = start;
    unsigned long ops = 0;
    while (now - start < seconds) {
        for (int i = 0; i < 1024; i++) {
            nq_wire_t w;
            nq_msg_t back;
            const nq_wire_t *in = &wire;
            if (mode != S_DECODE) {
                if (nq_msg_encode (msg, &w))
                    exit (1);
                in = &w;
            }
            if (mode != S_ENCODE) {
                if (nq_msg_decode (&back, in->frames, in->count, NQ_DIR_ANY, NULL))
                    exit (1);
                s_sink += back.cmd;
                nq_msg_fini (&back);
            }
            if (mode != S_DECODE) {
                s_sink += w.frames[2].size;
                nq_wire_fini (&w);
            }
        }
        ops += 1024;
        now = s_now ();
    }
    double rate = (double)ops / (now - start);
    printf ("%s %.0f %.1f %zu\n", name, rate, 1e9 / rate, bytes);
    nq_wire_fini (&wire);
}

//  Reference point, not novaq code: msgpack-c unpacking the same body into
//  a zone and packing it back (no UTF-8 check, no limits, no C structs).
static void
s_reference (const nq_msg_t *msg, double seconds)
{
    nq_wire_t wire;
    if (nq_msg_encode (msg, &wire))
        exit (1);
    double start = s_now (), now = start;
    unsigned long ops = 0;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init (&sb);
    while (now - start < seconds) {
        for (int i = 0; i < 1024; i++) {
            msgpack_unpacked up;
            msgpack_unpacked_init (&up);
            size_t off = 0;
            if (msgpack_unpack_next (&up, wire.frames[2].data, wire.frames[2].size, &off) != MSGPACK_UNPACK_SUCCESS)
                exit (1);
            msgpack_packer pk;
            msgpack_packer_init (&pk, &sb, msgpack_sbuffer_write);
            msgpack_pack_object (&pk, up.data);
            s_sink += sb.size;
            msgpack_sbuffer_clear (&sb);
            msgpack_unpacked_destroy (&up);
        }
        ops += 1024;
        now = s_now ();
    }
    double rate = (double) ops / (now - start);
    printf ("reference_msgpack_c_unpack_pack %.0f %.1f %zu\n", rate, 1e9 / rate, wire.frames[2].size);
    msgpack_sbuffer_destroy (&sb);
    nq_wire_fini (&wire);
}

int
main (int argc, char **argv)
{
    double seconds = argc > 1 ? atof (argv[1]) : 1.0;
    if (seconds <= 0)
        seconds = 1.0;
    nq_msg_t chat;
    nq_sample_build (nq_sample_find ("submit_chat"), &chat);
    s_case ("chat_submit_encode", &chat, S_ENCODE, seconds);
    s_case ("chat_submit_decode", &chat, S_DECODE, seconds);
    s_case ("chat_submit_round_trip", &chat, S_ROUND_TRIP, seconds);
    s_reference (&chat, seconds);

    enum { INPUTS = 64, DIMS = 384 };
    static float vectors[INPUTS * DIMS];
    for (size_t i = 0; i < INPUTS * DIMS; i++)
        vectors[i] = (float)((double)((i * 2654435761u) % 2000) / 1000.0 - 1.0);
    nq_msg_t embed;
    nq_sample_build (nq_sample_find ("result_embed"), &embed);
    embed.u.result.body.embed.count = INPUTS;
    embed.u.result.body.embed.dimensions = DIMS;
    embed.u.result.body.embed.vectors = vectors;
    s_case ("embed64_result_round_trip", &embed, S_ROUND_TRIP, seconds);
    return 0;
}
