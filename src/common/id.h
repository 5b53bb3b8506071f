/*  id.h — time-sortable job ids (UUIDv7, RFC 9562).

    A job id is a UUIDv7 in canonical lowercase text (36 characters): 48
    bits of Unix milliseconds, then a 12-bit counter (RFC 9562 method 1) so
    that ids made in the same millisecond by one generator still sort in
    order, then 62 random bits. The time comes from an nq_clock_t (a manual
    clock gives reproducible ids in tests); the random bits from a seeded
    nq_rng_t, or from OpenSSL when the generator is seeded from the OS.
    One generator per owner (not thread-safe). */
#ifndef NQ_ID_H
#define NQ_ID_H

#include "common/clock.h"
#include "common/rng.h"

#include <stddef.h>
#include <stdint.h>

#define NQ_ID_TEXT_LEN 36

typedef struct {
    nq_clock_t *clock;    //  not owned
    nq_rng_t rng;
    int use_openssl;
    uint64_t last_ms;
    uint32_t counter;
} nq_idgen_t;

/*  Prepares a generator reading time from clock (not owned; must outlive
    it). seed 0 draws the random bits from OpenSSL's RAND_bytes; any other
    seed makes a reproducible sequence. */
void nq_idgen_init (nq_idgen_t *self, nq_clock_t *clock, uint64_t seed);

/*  Writes the next id and a NUL into out (NQ_ID_TEXT_LEN + 1 bytes). Ids of
    one generator are strictly increasing, also as strings, even when the
    wall clock steps back. Returns 0, or NQ_EINTERNAL when OpenSSL cannot
    give random bytes. */
int nq_idgen_next (nq_idgen_t *self, char *out);

/*  Returns 1 when len bytes of text are a canonical lowercase UUIDv7. */
int nq_id_valid (const char *text, size_t len);

/*  The Unix milliseconds inside a valid id, or 0 for an invalid one. */
uint64_t nq_id_time_ms (const char *text);

#endif
