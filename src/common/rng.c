/*  rng.c — xoshiro256** seeded through splitmix64 (see rng.h). */
#include "common/rng.h"

#include <assert.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static uint64_t
s_splitmix (uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void
nq_rng_seed (nq_rng_t *self, uint64_t seed)
{
    assert (self);
    for (int i = 0; i < 4; i++)
        self->s[i] = s_splitmix (&seed);
}

void
nq_rng_seed_os (nq_rng_t *self)
{
    uint64_t seed;
    if (getrandom (&seed, sizeof seed, 0) != (ssize_t) sizeof seed) {
        struct timespec ts;
        clock_gettime (CLOCK_REALTIME, &ts);
        seed = (uint64_t) ts.tv_nsec ^ ((uint64_t) ts.tv_sec << 20) ^ (uint64_t) getpid ();
    }
    nq_rng_seed (self, seed);
}

static inline uint64_t
s_rotl (uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t
nq_rng_next (nq_rng_t *self)
{
    uint64_t *s = self->s;
    uint64_t result = s_rotl (s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = s_rotl (s[3], 45);
    return result;
}

double
nq_rng_uniform (nq_rng_t *self)
{
    return (double) (nq_rng_next (self) >> 11) * 0x1.0p-53;
}

uint64_t
nq_rng_below (nq_rng_t *self, uint64_t n)
{
    assert (n > 0);
    //  Rejection sampling removes modulo bias.
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = nq_rng_next (self);
    while (x >= limit);
    return x % n;
}
