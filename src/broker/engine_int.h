/*  engine_int.h — what the files of the broker engine share (private to
    src/broker/engine*.c): the engine's state, timer kinds, and the
    lifecycle steps every part uses. engine.c holds the job lifecycle and
    the clients' calls, engine_workers.c the workers' calls, engine_ops.c
    the operators' calls and the deadlines. */
#ifndef NQ_ENGINE_INT_H
#define NQ_ENGINE_INT_H

#include "broker/engine.h"
#include "broker/timers.h"
#include "common/rng.h"

#include <czmq.h>

enum {
    T_STS,             //  schedule_to_start of a queued job
    T_STC,             //  start_to_close of a running attempt
    T_SCLOSE,          //  schedule_to_close of the whole job
    T_RETRY,           //  end of a retry backoff
    T_CANCEL_GRACE,    //  a worker did not confirm a cancel
    T_RETENTION,       //  a terminal job is purged
    T_HB_CHECK,        //  is the worker still alive?
    T_HB_SEND          //  send the worker a heartbeat
};

struct nq_engine_t {
    nq_engine_config_t config;
    nq_clock_t *clock;
    nq_journal_t *journal;
    nq_engine_io_t io;
    void *io_arg;
    nq_sched_t *sched;
    nq_admission_t *admission;
    nq_registry_t *registry;
    nq_timers_t *timers;
    nq_rng_t rng;
    zhashx_t *jobs;    //  id → nq_bjob_t
    zhashx_t *idem;    //  tenant \x1f key → nq_bjob_t
    zhashx_t *fallback;    //  model → fallback model (strings)
    nq_bjob_t *dead_head, *dead_tail;
    size_t dead_count;
    size_t running;
    uint64_t decisions;
    uint64_t hold_until_ms;    //  affinity: when a held queue may spill (0: none held)
    nq_engine_stats_t stats;
};

uint64_t nq_engine__now (const nq_engine_t *self);
void nq_engine__job_timer (nq_engine_t *self, nq_bjob_t *job, int kind, uint64_t due_ms);
void nq_engine__worker_timer (nq_engine_t *self, nq_bworker_t *w, int kind, uint64_t due_ms);
void nq_engine__journal (nq_engine_t *self, nq_journal_event_type_t type, nq_bjob_t *job, const char *worker, int code,
                         const char *message);
void nq_engine__free_obj (nq_engine_t *self, void *obj);
/*  Frees a job record and the network layer's attachments. */
void nq_engine__job_destroy (nq_engine_t *self, nq_bjob_t *job);
void nq_engine__lease_end (nq_engine_t *self, nq_bjob_t *job);
/*  Takes the job out of the queue or its lease, whichever holds it. */
void nq_engine__detach (nq_engine_t *self, nq_bjob_t *job);
void nq_engine__dead_unlink (nq_engine_t *self, nq_bjob_t *job);
/*  Out of every index; freed once no timer names it. */
void nq_engine__purge (nq_engine_t *self, nq_bjob_t *job);
/*  A terminal state: recorded, told to subscribers, kept for retention. */
void nq_engine__finish (nq_engine_t *self, nq_bjob_t *job, nq_job_state_t state, int code, const char *message);
/*  Into the queue (front: at the head of its tenant's FIFO). 0 or a code (the job has then failed visibly). */
int nq_engine__enqueue (nq_engine_t *self, nq_bjob_t *job, int front);
void nq_engine__relay_chunk (nq_engine_t *self, nq_bjob_t *job, int restart, const void *data, size_t size);
/*  Hands queued jobs to free slots while both exist. */
void nq_engine__pump (nq_engine_t *self);
/*  A failed attempt: back off and retry, or dead-letter past max attempts. */
void nq_engine__retry_or_dead (nq_engine_t *self, nq_bjob_t *job, int code, const char *message);
/*  A lease lost with its worker: requeued at once, the attempt counts. */
void nq_engine__requeue_lost (nq_engine_t *self, nq_bjob_t *job, const char *why);
/*  The worker is gone: its leases are requeued and it leaves the registry. */
void nq_engine__worker_lost (nq_engine_t *self, nq_bworker_t *w, const char *reason, int orderly);

#endif
