/*  backoff.c — exponential backoff with jitter (see backoff.h). */
#include "common/backoff.h"

#include <assert.h>
#include <math.h>

uint64_t
nq_backoff_base_ms (const nq_backoff_t *self, unsigned attempt)
{
    assert (self);
    if (attempt == 0)
        attempt = 1;
    double d = (double) self->min_ms;
    double factor = self->factor < 1.0 ? 1.0 : self->factor;
    for (unsigned i = 1; i < attempt && d < (double) self->max_ms; i++)
        d *= factor;
    if (d > (double) self->max_ms)
        d = (double) self->max_ms;
    return (uint64_t) llround (d);
}

uint64_t
nq_backoff_delay_ms (const nq_backoff_t *self, unsigned attempt, nq_rng_t *rng)
{
    uint64_t base = nq_backoff_base_ms (self, attempt);
    double r = self->jitter;
    if (r <= 0.0 || !rng)
        return base;
    if (r > 1.0)
        r = 1.0;
    double lo = (double) base * (1.0 - r);
    double hi = (double) base * (1.0 + r);
    double d = lo + (hi - lo) * nq_rng_uniform (rng);
    if (d > (double) self->max_ms)
        d = (double) self->max_ms;
    return (uint64_t) llround (d);
}
