/*  clock.c — system and manual clocks (see clock.h). */
#include "common/clock.h"

#include "common/alloc.h"

#include <assert.h>
#include <stdatomic.h>
#include <time.h>

struct nq_clock_t {
    int manual;
    _Atomic uint64_t now_us;    //  manual clocks only
    uint64_t wall_base_ms;
};

static nq_clock_t s_system = {0, 0, 0};

nq_clock_t *
nq_clock_system (void)
{
    return &s_system;
}

nq_clock_t *
nq_clock_new_manual (uint64_t start_ms, uint64_t wall_base_ms)
{
    nq_clock_t *self = nq_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->manual = 1;
    atomic_store (&self->now_us, start_ms * 1000);
    self->wall_base_ms = wall_base_ms;
    return self;
}

void
nq_clock_destroy (nq_clock_t **self_p)
{
    assert (self_p);
    if (*self_p && (*self_p)->manual)
        nq_free (*self_p);
    *self_p = NULL;
}

uint64_t
nq_clock_now_us (const nq_clock_t *self)
{
    assert (self);
    if (self->manual)
        return atomic_load (&((nq_clock_t *) self)->now_us);
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

uint64_t
nq_clock_now_ms (const nq_clock_t *self)
{
    return nq_clock_now_us (self) / 1000u;
}

uint64_t
nq_clock_wall_ms (const nq_clock_t *self)
{
    assert (self);
    if (self->manual)
        return self->wall_base_ms + nq_clock_now_ms (self);
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

int
nq_clock_is_manual (const nq_clock_t *self)
{
    assert (self);
    return self->manual;
}

void
nq_clock_advance (nq_clock_t *self, uint64_t ms)
{
    assert (self && self->manual);
    atomic_fetch_add (&self->now_us, ms * 1000);
}

void
nq_clock_set (nq_clock_t *self, uint64_t now_ms)
{
    assert (self && self->manual);
    uint64_t target = now_ms * 1000;
    uint64_t cur = atomic_load (&self->now_us);
    //  Never backwards: a monotonic clock that goes back breaks every window.
    while (cur < target && !atomic_compare_exchange_weak (&self->now_us, &cur, target))
        ;
}
