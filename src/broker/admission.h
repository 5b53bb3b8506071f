/*  admission.h — bounded admission: the broker refuses work it could not
    hold instead of growing without limit.

    Three limits apply to queued (accepted, not yet running) jobs: one for
    the whole broker, one per class, one per tenant. A submission over any of
    them is refused with NQ_EOVERLOADED and a retry_after_ms hint: how long,
    at the rate jobs of that class have recently left the queue, until there
    is room again (clamped to [min_retry_ms, max_retry_ms]). The drain rate
    is an exponentially weighted average over the injected clock.

    The caller tells admission when a job enters the queue (after the check
    passed and the job was accepted) and when it leaves it (dispatched,
    cancelled, expired). Not thread-safe: the broker's loop owns it. */
#ifndef NQ_ADMISSION_H
#define NQ_ADMISSION_H

#include "broker/sched.h"
#include "common/clock.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    size_t max_total;                     //  0: no limit
    size_t max_class[NQ_CLASS__COUNT];    //  0: no limit
    size_t max_tenant;                    //  per tenant and class; 0: no limit
    uint64_t min_retry_ms;                //  default 100
    uint64_t max_retry_ms;                //  default 30000
} nq_admission_limits_t;

/*  Defaults: 100,000 in total; interactive 10,000, standard 20,000, bulk
    100,000; 10,000 per tenant and class; retry hints 100 ms .. 30 s. */
void nq_admission_defaults (nq_admission_limits_t *limits);

typedef struct nq_admission_t nq_admission_t;

/*  Creates an admission controller reading time from clock (not owned).
    NULL on no memory. */
nq_admission_t *nq_admission_new (const nq_admission_limits_t *limits, nq_clock_t *clock);
void nq_admission_destroy (nq_admission_t **self_p);

/*  May one more job of klass for tenant be queued? Returns 0, or
    NQ_EOVERLOADED with *retry_after_ms set (may be NULL) and *which (may be
    NULL) naming the limit hit: "total", "class" or "tenant". */
int nq_admission_check (nq_admission_t *self, nq_class_t klass, const char *tenant, uint64_t *retry_after_ms,
                        const char **which);

/*  A job entered the queue. Returns 0 or NQ_ENOMEM (the job must then be
    refused: its tenant could not be counted). */
int nq_admission_enter (nq_admission_t *self, nq_class_t klass, const char *tenant);

/*  A job left the queue; dispatched is 1 when it left to run (it counts
    toward the drain rate), 0 when it was cancelled or expired. */
void nq_admission_leave (nq_admission_t *self, nq_class_t klass, const char *tenant, int dispatched);

size_t nq_admission_queued (const nq_admission_t *self);
size_t nq_admission_queued_class (const nq_admission_t *self, nq_class_t klass);
size_t nq_admission_queued_tenant (const nq_admission_t *self, nq_class_t klass, const char *tenant);
/*  Current drain-rate estimate of a class, jobs per second. */
double nq_admission_drain_rate (const nq_admission_t *self, nq_class_t klass);
/*  Submissions refused so far. */
uint64_t nq_admission_refused (const nq_admission_t *self);

#endif
