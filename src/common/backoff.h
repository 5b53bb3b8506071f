/*  backoff.h — exponential backoff with jitter, shared by every retry in
    novaq (job retries in the broker, restart delays in supervisors, open
    waits in breakers, client reconnects).

    delay(n) = min (max_ms, min_ms × factor^(n-1)), then spread by a random
    factor r: uniformly in [delay × (1 − r), delay × (1 + r)], clamped to
    [min_ms, max_ms] when r is 0 and to [0, max_ms] otherwise. n counts from 1. */
#ifndef NQ_BACKOFF_H
#define NQ_BACKOFF_H

#include "common/rng.h"

#include <stdint.h>

typedef struct {
    uint64_t min_ms;       //  first delay
    uint64_t max_ms;       //  cap
    double factor;         //  growth per attempt (>= 1)
    double jitter;         //  random factor in [0, 1]
} nq_backoff_t;

/*  The delay before retry number attempt (1-based) without jitter. */
uint64_t nq_backoff_base_ms (const nq_backoff_t *self, unsigned attempt);

/*  The delay before retry number attempt with jitter drawn from rng (rng may
    be NULL when jitter is 0). */
uint64_t nq_backoff_delay_ms (const nq_backoff_t *self, unsigned attempt, nq_rng_t *rng);

#endif
