/*  clock.h — the one source of time in novaq.

    Timers, leases, backoff, breakers and restart windows read monotonic
    milliseconds from an nq_clock_t. Production code uses the system clock;
    tests create a manual clock and drive it, so no test of time-based logic
    needs to sleep. Reading a clock is thread-safe. */
#ifndef NQ_CLOCK_H
#define NQ_CLOCK_H

#include <stdint.h>

typedef struct nq_clock_t nq_clock_t;

/*  Returns the process-wide system clock (CLOCK_MONOTONIC). Not owned by the
    caller; nq_clock_destroy on it is a no-op. */
nq_clock_t *nq_clock_system (void);

/*  Creates a manual clock that reads start_ms until it is driven. Its wall
    clock reads wall_base_ms plus the monotonic time. NULL on no memory. */
nq_clock_t *nq_clock_new_manual (uint64_t start_ms, uint64_t wall_base_ms);

/*  Destroys a manual clock and nulls *self_p; accepts NULL and the system clock. */
void nq_clock_destroy (nq_clock_t **self_p);

/*  Monotonic milliseconds (arbitrary origin, never goes back). */
uint64_t nq_clock_now_ms (const nq_clock_t *self);

/*  Monotonic microseconds, for latency measurement. */
uint64_t nq_clock_now_us (const nq_clock_t *self);

/*  Wall-clock milliseconds since the Unix epoch (for timestamps and ids, never
    for measuring intervals). */
uint64_t nq_clock_wall_ms (const nq_clock_t *self);

/*  Returns 1 for a manual (test) clock. */
int nq_clock_is_manual (const nq_clock_t *self);

/*  Drive a manual clock forward by ms, or to an absolute time (never
    backwards). Asserts on the system clock. */
void nq_clock_advance (nq_clock_t *self, uint64_t ms);
void nq_clock_set (nq_clock_t *self, uint64_t now_ms);

#endif
