/*  sched.h — the broker's fair scheduler: which queued job goes next.

    Jobs wait in queues keyed by (kind, model) — the key is an opaque string
    such as "chat/mistral:instruct" — and, inside a queue, by class and
    tenant. Choosing the next job for free capacity happens in three steps:

    1. Class: among the classes (interactive, standard, bulk) that have a job
       some free slot can take, stride scheduling picks the one furthest
       behind its configured weight. Each backlogged class gets at least its
       share; a class with nothing eligible is skipped, so its share flows to
       the others (work conserving). A class that was idle rejoins at the
       current virtual time and cannot claim credit for the time it was idle.
    2. Queue: inside the class, the eligible queues take turns (round robin).
    3. Tenant: inside the queue and class, deficit round robin over tenants
       (quantum and per-job cost), FIFO per tenant, so a tenant's flood
       cannot starve another tenant.

    The scheduler never allocates per job: the caller embeds an
    nq_sched_entry_t in its own job record and keeps ownership of it. Queue
    and tenant records are created on demand and freed when empty.
    Not thread-safe: the broker's loop owns it. */
#ifndef NQ_SCHED_H
#define NQ_SCHED_H

#include "common/protocol.h"

#include <stddef.h>
#include <stdint.h>

/*  Classes are the protocol's nq_class_t (interactive 1, standard 2, bulk
    3; 0 is "none"). Arrays indexed by class have NQ_CLASS__COUNT entries,
    the first unused. */
#define NQ_CLASS__COUNT 4
#define NQ_CLASS__FIRST 1

typedef struct s_sched_tenant_t s_sched_tenant_t;

/*  Embedded in the caller's job record; private to the scheduler while the
    job is queued. */
typedef struct nq_sched_entry_t {
    struct nq_sched_entry_t *prev, *next;
    s_sched_tenant_t *tenant;    //  NULL when not queued
    uint32_t cost;
    uint64_t enqueued_ms;
} nq_sched_entry_t;

typedef struct {
    uint32_t weight[NQ_CLASS__COUNT];    //  relative shares, each >= 1
    uint32_t quantum;                    //  DRR credit per tenant turn, >= 1
} nq_sched_config_t;

/*  Defaults: weights interactive 70, standard 20, bulk 10; quantum 1. */
void nq_sched_config_defaults (nq_sched_config_t *config);

typedef struct nq_sched_t nq_sched_t;

/*  Returns eligibility of a queue: 1 when some free slot can take a job of
    that queue key now. */
typedef int (nq_sched_eligible_fn) (void *arg, const char *queue_key);

/*  Creates a scheduler (config copied; NULL means defaults). NULL on no
    memory or a bad config (a zero weight or quantum). */
nq_sched_t *nq_sched_new (const nq_sched_config_t *config);
/*  Destroys the scheduler. Queued entries are unlinked, not freed (the
    caller owns them). */
void nq_sched_destroy (nq_sched_t **self_p);

/*  Queues entry at the tail of tenant's FIFO in (queue_key, klass) with the
    given cost (>= 1; e.g. the number of inputs of an embed job). now_ms is
    the enqueue time (for wait statistics). Returns 0, NQ_EINVALID when the
    entry is already queued, or NQ_ENOMEM. */
int nq_sched_push (nq_sched_t *self, nq_sched_entry_t *entry, const char *queue_key, nq_class_t klass,
                   const char *tenant, uint32_t cost, uint64_t now_ms);

/*  Puts entry back at the head of its tenant's FIFO (a job whose dispatch
    failed keeps its place). Same returns as push. */
int nq_sched_push_front (nq_sched_t *self, nq_sched_entry_t *entry, const char *queue_key, nq_class_t klass,
                         const char *tenant, uint32_t cost, uint64_t now_ms);

/*  Removes a queued entry (cancel, expiry). Returns 0, or NQ_ENOT_FOUND
    when it is not queued. */
int nq_sched_remove (nq_sched_t *self, nq_sched_entry_t *entry);

/*  Takes the next job by the rules above among queues that eligible accepts
    (NULL: all) and that are not paused. Returns the entry (now unlinked) and
    its queue key and class through the optional out parameters (the key
    stays valid until the next call), or NULL when nothing is eligible. */
nq_sched_entry_t *nq_sched_pop (nq_sched_t *self, nq_sched_eligible_fn *eligible, void *arg,
                                const char **queue_key_p, nq_class_t *klass_p);

/*  Pauses or resumes a queue key: a paused queue keeps its jobs and takes
    new ones but is never popped. Pausing an unknown key is remembered. */
int nq_sched_pause (nq_sched_t *self, const char *queue_key, int paused);
int nq_sched_is_paused (const nq_sched_t *self, const char *queue_key);

/*  Counts: all queued, or of one class, or of one (queue_key, class) (NULL
    key: every queue). */
size_t nq_sched_size (const nq_sched_t *self);
size_t nq_sched_class_size (const nq_sched_t *self, nq_class_t klass);
size_t nq_sched_tenant_size (const nq_sched_t *self, const char *queue_key, nq_class_t klass, const char *tenant);

/*  The enqueue time of the oldest job of (queue_key, klass), or 0 when it
    has none. Safe to call from an eligibility callback. */
uint64_t nq_sched_oldest (const nq_sched_t *self, const char *queue_key, nq_class_t klass);

/*  Calls fn for every (queue_key, class) with jobs: depth and the enqueue
    time of the oldest job. For admin snapshots and metrics. */
typedef void (nq_sched_visit_fn) (void *arg, const char *queue_key, nq_class_t klass, size_t depth,
                                  uint64_t oldest_enqueued_ms, int paused);
void nq_sched_visit (const nq_sched_t *self, nq_sched_visit_fn *fn, void *arg);

/*  "interactive", "standard", "bulk" → class; -1 when unknown (names:
    nq_class_name in protocol.h). */
int nq_class_parse (const char *name);

#endif
