/*  timers.h — the broker's deadlines in one min-heap.

    Jobs carry several deadlines (schedule-to-start, start-to-close,
    schedule-to-close, retry wake-up) and workers carry heartbeat expiry;
    keeping them all in one heap lets the broker arm a single loop timer for
    the earliest one. Cancelling is lazy: a timer is identified by (owner,
    kind, generation); the owner bumps its generation to invalidate earlier
    timers, and stale entries are skipped when they surface. */
#ifndef NQ_TIMERS_H
#define NQ_TIMERS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t due_ms;
    void *owner;
    int kind;
    uint64_t generation;
} nq_timer_t;

typedef struct nq_timers_t nq_timers_t;

nq_timers_t *nq_timers_new (void);
void nq_timers_destroy (nq_timers_t **self_p);

/*  Adds a timer. Returns 0 or NQ_ENOMEM. */
int nq_timers_add (nq_timers_t *self, uint64_t due_ms, void *owner, int kind, uint64_t generation);

/*  Earliest due time, or UINT64_MAX when empty (stale entries included). */
uint64_t nq_timers_next (const nq_timers_t *self);

/*  Pops the earliest timer due at or before now_ms into *timer; returns 1,
    or 0 when none is due. The caller checks the generation. */
int nq_timers_pop_due (nq_timers_t *self, uint64_t now_ms, nq_timer_t *timer);

size_t nq_timers_size (const nq_timers_t *self);

/*  Drops every entry of owner (when the owner is freed). O(n). */
void nq_timers_forget (nq_timers_t *self, const void *owner);

#endif
