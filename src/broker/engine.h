/*  engine.h — the broker's core: jobs from submission to retention.

    The engine owns the job table, the fair scheduler, admission, the worker
    registry, the journal and every deadline. It speaks no protocol and owns
    no socket: the broker's network layer decodes messages into the calls
    below and the engine answers through the callbacks in nq_engine_io_t
    (send a job to a worker, tell a client its job was accepted, relay a
    chunk, deliver a result or an error). Time comes from an injected clock,
    so every rule here is tested on a driven clock without sockets.

    The rules it enforces (docs/broker.md):
    - ACCEPTED after the journal has taken the submission; refused with
      overloaded + retry_after_ms past an admission limit;
    - fair dispatch (sched.h) onto the best free slot (registry.h); a retry
      after a failure prefers another instance than the one that failed;
    - leases with epochs: a job runs as attempt N on one slot; messages about
      any other attempt are rejected as stale;
    - a worker silent for liveness × heartbeat interval, or gone, loses its
      leases: they are requeued at once (attempt + 1);
    - retryable failures back off exponentially with jitter; past
      max_attempts the job is dead-lettered with its history; an operator
      may retry it;
    - schedule_to_start expires a queued job, start_to_close cancels and
      retries a running attempt, schedule_to_close bounds the whole job;
    - cancel removes a queued job, or asks the worker to abort a running one;
    - a (tenant, idempotency key) seen before returns the existing job and
      attaches the caller to its stream;
    - chunks are relayed to every subscriber with stream sequence numbers and
      kept (up to a bound) so a client can resubscribe from a sequence;
    - terminal jobs stay queryable for a retention period, then are purged.
    Not thread-safe: one loop owns it. */
#ifndef NQ_ENGINE_H
#define NQ_ENGINE_H

#include "broker/admission.h"
#include "broker/job.h"
#include "broker/journal.h"
#include "broker/registry.h"
#include "broker/sched.h"
#include "common/backoff.h"
#include "common/clock.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    nq_sched_config_t sched;
    nq_admission_limits_t admission;
    uint32_t max_attempts[NQ_KIND__COUNT];    //  default when a job names none (3)
    uint32_t max_attempts_cap;                //  most a job may ask for (20)
    nq_backoff_t retry;                       //  1 s, ×2, cap 60 s, jitter 0.2
    uint64_t heartbeat_ms;                    //  offered to workers (1000)
    uint64_t heartbeat_min_ms, heartbeat_max_ms;    //  bounds on what a worker may ask (100, 60000)
    uint32_t liveness;                        //  missed intervals before a worker is dead (3)
    uint64_t retention_ms;                    //  terminal jobs stay queryable (600000)
    uint64_t cancel_grace_ms;                 //  wait for a worker to confirm a cancel (5000)
    size_t max_stream_bytes;                  //  chunks kept per job for resubscription (1 MiB)
    size_t max_dead;                          //  dead letters kept; the oldest go first (100000)
    uint64_t seed;                            //  jitter seed; 0: from the OS
    const char *fallbacks;                    //  "primary=fallback …" (NOVAQ_FALLBACK_MODELS); NULL: none
    nq_dispatch_mode_t dispatch;                   //  placement among free slots (affinity)
    uint64_t affinity_spill_ms;    //  affinity: an interactive job waits this long for a warm slot (2000)
} nq_engine_config_t;

void nq_engine_config_defaults (nq_engine_config_t *config);

/*  A chunk as relayed to clients. */
typedef struct {
    uint64_t seq;
    int restart;
    const void *data;
    size_t size;
} nq_engine_chunk_t;

typedef struct {
    /*  Send JOB (job->attempt is the epoch) to worker for slot group. A
        non-zero return means it could not be sent: the job is requeued. */
    int (*dispatch) (void *arg, const nq_bworker_t *worker, int group, const nq_bjob_t *job);
    /*  Send CANCEL of job's current attempt to worker. */
    void (*cancel) (void *arg, const nq_bworker_t *worker, const nq_bjob_t *job);
    /*  Send HEARTBEAT to worker. */
    void (*heartbeat) (void *arg, const nq_bworker_t *worker);
    /*  Send DISCONNECT to a worker the broker no longer knows (it was
        declared dead but spoke again). */
    void (*disconnect) (void *arg, const void *identity, size_t size, const char *reason);
    /*  The submission of client's request is accepted (existing: an earlier
        job with the same idempotency key). */
    void (*accepted) (void *arg, const nq_bytes_t *client, uint64_t request_id, const nq_bjob_t *job, int existing);
    /*  A request failed: code and message, retry_after_ms (0 if none);
        job_id may be NULL. */
    void (*error) (void *arg, const nq_bytes_t *client, uint64_t request_id, const char *job_id, int code,
                   const char *message, uint64_t retry_after_ms);
    void (*chunk) (void *arg, const nq_bytes_t *client, uint64_t request_id, const nq_bjob_t *job,
                   const nq_engine_chunk_t *chunk);
    /*  The job is terminal: RESULT when it succeeded, else ERROR with
        job->error_code and job->error_message. */
    void (*finished) (void *arg, const nq_bytes_t *client, uint64_t request_id, const nq_bjob_t *job);
    /*  Frees an attachment the network layer handed over (payload_obj,
        result_obj); may be NULL when it hands none. */
    void (*free_obj) (void *arg, void *obj);
} nq_engine_io_t;

typedef struct {
    const char *id;               //  required, unique
    nq_kind_t kind;
    const char *model;            //  required
    const char *tenant;           //  required
    const char *user;             //  may be NULL
    nq_class_t klass;
    const char *idempotency_key;  //  may be NULL
    const char *traceparent;      //  may be NULL
    const char *correlation_id;   //  may be NULL
    const void *payload;
    size_t payload_size;
    void *payload_obj;            //  an attachment for the network layer; the engine owns it from here on
    uint32_t cost;                //  0 → 1
    uint32_t max_attempts;        //  0 → the kind's default
    uint64_t schedule_to_start_ms;
    uint64_t start_to_close_ms;
    uint64_t schedule_to_close_ms;
} nq_engine_submit_t;

typedef struct {
    uint64_t submitted, accepted, refused, coalesced;
    uint64_t dispatched, succeeded, failed, cancelled, expired, dead;
    uint64_t retries, requeued, stale, workers_dead, workers_joined;
} nq_engine_stats_t;

typedef struct nq_engine_t nq_engine_t;

/*  Creates an engine. clock and journal are not owned and must outlive it;
    io is copied. config NULL: defaults. NULL on no memory or bad config. */
nq_engine_t *nq_engine_new (const nq_engine_config_t *config, nq_clock_t *clock, nq_journal_t *journal,
                            const nq_engine_io_t *io, void *io_arg);
void nq_engine_destroy (nq_engine_t **self_p);

/*  Clients. Outcomes go through the callbacks; the return value repeats
    them (0, or the refusal's code). A submission with no client (NULL) is
    the broker's own (a follow-up job): nobody is told of it. */
int nq_engine_submit (nq_engine_t *self, const nq_engine_submit_t *submit, const void *client, size_t client_size,
                      uint64_t request_id);
int nq_engine_cancel (nq_engine_t *self, const char *job_id, const void *client, size_t client_size,
                      uint64_t request_id);
/*  Attaches client to job's stream: replays kept chunks with seq >= from_seq,
    then relays new ones; a terminal job answers with its outcome at once. */
int nq_engine_subscribe (nq_engine_t *self, const char *job_id, uint64_t from_seq, const void *client,
                         size_t client_size, uint64_t request_id);
/*  The job record (NULL when unknown or purged). */
const nq_bjob_t *nq_engine_job (const nq_engine_t *self, const char *job_id);

/*  Workers. Every call refreshes the worker's liveness. Calls naming an
    unknown worker return NQ_ENOT_FOUND (and the io disconnects it). */
int nq_engine_worker_ready (nq_engine_t *self, const void *identity, size_t size, const char *name,
                            const nq_slot_group_desc_t *groups,
                            size_t ngroups, uint64_t heartbeat_ms, uint32_t liveness, uint64_t *heartbeat_ms_out,
                            uint32_t *liveness_out);
int nq_engine_worker_seen (nq_engine_t *self, const void *identity, size_t size);
/*  The slots offered by the worker's group for (instance, kind); kind
    NQ_KIND_NONE names every group of the instance. */
int nq_engine_worker_credit (nq_engine_t *self, const void *identity, size_t size, const char *instance,
                             nq_kind_t kind, uint32_t capacity);
int nq_engine_worker_warm (nq_engine_t *self, const void *identity, size_t size, const char *instance,
                           const char *const *warm, size_t nwarm);
/*  Replaces the models served by the worker's group for (instance, kind)
    (NQ_KIND_NONE: every group of the instance); none listed: any model.
    NQ_ENOT_FOUND when no such group, NQ_ENOMEM. Does not dispatch: the
    CREDIT that carried the list does. */
int nq_engine_worker_models (nq_engine_t *self, const void *identity, size_t size, const char *instance,
                             nq_kind_t kind, const char *const *models, size_t nmodels);
/*  Messages about a job's attempt: NQ_ESTALE for an attempt that is not the
    current lease of this worker, NQ_ENOT_FOUND for an unknown job. */
int nq_engine_worker_chunk (nq_engine_t *self, const void *identity, size_t size, const char *job_id,
                            uint32_t attempt, uint64_t seq, int restart, const void *data, size_t data_size);
/*  result_obj (may be NULL) is an attachment the engine owns from here on. */
int nq_engine_worker_result (nq_engine_t *self, const void *identity, size_t size, const char *job_id,
                             uint32_t attempt, const void *result, size_t result_size, void *result_obj);
int nq_engine_worker_fail (nq_engine_t *self, const void *identity, size_t size, const char *job_id,
                           uint32_t attempt, int code, const char *message, int retryable);
/*  The worker hands a lease back unfinished (draining): requeued at once,
    not counted as a failed attempt. */
int nq_engine_worker_release (nq_engine_t *self, const void *identity, size_t size, const char *job_id,
                              uint32_t attempt);
/*  The worker said BYE (orderly) or is unusable: its leases are requeued. */
int nq_engine_worker_gone (nq_engine_t *self, const void *identity, size_t size, const char *reason, int orderly);

/*  Operators. */
int nq_engine_pause (nq_engine_t *self, nq_kind_t kind, const char *model, int paused);
/*  Drain: stop sending work to the worker (by printable id or name); it finishes what it has. */
int nq_engine_drain (nq_engine_t *self, const char *worker_id);
/*  Dead letters: list (oldest first) and retry one (queued again with its
    attempts reset; its history is kept). */
typedef void (nq_engine_job_fn) (void *arg, const nq_bjob_t *job);
void nq_engine_dead_each (nq_engine_t *self, nq_engine_job_fn *fn, void *arg);
int nq_engine_dead_retry (nq_engine_t *self, const char *job_id);

/*  Deadlines: the earliest due time (UINT64_MAX when none), and handling of
    everything due now. The network layer arms one loop timer for it. */
uint64_t nq_engine_next_deadline (const nq_engine_t *self);
void nq_engine_tick (nq_engine_t *self);

void nq_engine_stats (const nq_engine_t *self, nq_engine_stats_t *stats);
nq_registry_t *nq_engine_registry (nq_engine_t *self);
nq_sched_t *nq_engine_sched (nq_engine_t *self);
nq_admission_t *nq_engine_admission (nq_engine_t *self);
/*  Jobs running now, and jobs known (not purged). */
size_t nq_engine_running (const nq_engine_t *self);
size_t nq_engine_jobs (const nq_engine_t *self);
/*  The queue key of (kind, model): "chat/mistral:instruct". */
void nq_engine_queue_key (nq_kind_t kind, const char *model, char *buf, size_t cap);

#endif
