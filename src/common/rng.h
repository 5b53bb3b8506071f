/*  rng.h — a small, seedable pseudo-random generator (xoshiro256**).

    Used for jitter in backoff, sampling and test data; never for secrets
    (those come from OpenSSL). A seeded generator repeats its sequence, so
    tests and simulations are reproducible. Not thread-safe: one per owner. */
#ifndef NQ_RNG_H
#define NQ_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
} nq_rng_t;

/*  Seeds the generator; equal seeds give equal sequences. */
void nq_rng_seed (nq_rng_t *self, uint64_t seed);
/*  Seeds from the operating system's entropy (falls back to time and pid). */
void nq_rng_seed_os (nq_rng_t *self);
uint64_t nq_rng_next (nq_rng_t *self);
/*  Uniform double in [0, 1). */
double nq_rng_uniform (nq_rng_t *self);
/*  Uniform integer in [0, n) (n > 0). */
uint64_t nq_rng_below (nq_rng_t *self, uint64_t n);

#endif
