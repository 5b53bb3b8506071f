/*  vector_io.h — reading and writing golden vector files.

    A vector file (tests/vectors/<name>.hex) holds one NQP/1 message: one
    line per frame, each the frame's bytes in lowercase hex; lines that
    start with '#' are comments, blank lines are ignored. The fuzz seed
    format packs the same frames into one byte string: for each frame a
    2-byte little-endian length then its bytes (tests/fuzz/fuzz_frames.h
    splits it again). */
#ifndef NQ_VECTOR_IO_H
#define NQ_VECTOR_IO_H

#include "common/protocol.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    size_t count;
    nq_frame_t frames[NQ_WIRE_MAX_FRAMES];
    uint8_t *storage;    //  owned: every frame's bytes
} nq_vector_t;

/*  Loads path into *self. Returns 0, NQ_EIO when it cannot be read, or
    NQ_EINVALID for a malformed file. nq_vector_fini it afterwards. */
int nq_vector_load (nq_vector_t *self, const char *path);
void nq_vector_fini (nq_vector_t *self);

/*  Writes the frames of wire to path with a comment line first. 0 or NQ_EIO. */
int nq_vector_save (const char *path, const char *comment, const nq_wire_t *wire);

/*  Writes the frames of wire in the fuzz seed format to path. 0 or NQ_EIO. */
int nq_vector_save_seed (const char *path, const nq_wire_t *wire);

#endif
