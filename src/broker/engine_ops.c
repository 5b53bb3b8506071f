/*  engine_ops.c — operators' calls into the broker engine (pause, drain,
    dead letters), its deadlines, and its counters (see engine.h). */
#include "broker/engine_int.h"

#include "common/alloc.h"
#include "common/errors.h"
#include "common/log.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

//  --------------------------------------------------------------------------
//  Operators

int
nq_engine_pause (nq_engine_t *self, nq_kind_t kind, const char *model, int paused)
{
    char key[512];
    nq_engine_queue_key (kind, model, key, sizeof key);
    int rc = nq_sched_pause (self->sched, key, paused);
    if (rc == 0) {
        NQ_LOG_INFO (paused ? "queue_paused" : "queue_resumed", NQ_LS ("queue", key));
        if (!paused)
            nq_engine__pump (self);
    }
    return rc;
}

int
nq_engine_drain (nq_engine_t *self, const char *worker_id)
{
    nq_bworker_t *w = nq_registry_find_named (self->registry, worker_id);
    if (!w)
        return NQ_ENOT_FOUND;
    w->draining = 1;
    NQ_LOG_INFO ("worker_draining", NQ_LS ("worker", w->id), NQ_LS ("name", w->name), NQ_LU ("in_flight", w->in_flight));
    return 0;
}

void
nq_engine_dead_each (nq_engine_t *self, nq_engine_job_fn *fn, void *arg)
{
    for (nq_bjob_t *job = self->dead_head; job; job = job->dead_next)
        fn (arg, job);
}

int
nq_engine_dead_retry (nq_engine_t *self, const char *job_id)
{
    nq_bjob_t *job = zhashx_lookup (self->jobs, job_id);
    if (!job || job->state != NQ_JOB_DEAD)
        return NQ_ENOT_FOUND;
    nq_engine__dead_unlink (self, job);
    job->failures = 0;
    job->error_code = 0;
    job->error_message[0] = '\0';
    job->ended_ms = 0;
    nq_engine__journal (self, NQ_JEV_DLQ_RETRIED, job, NULL, 0, NULL);
    NQ_LOG_INFO ("dead_letter_retried", NQ_LS ("job_id", job->id), NQ_LU ("attempts_so_far", job->attempt));
    job->state = NQ_JOB_RETRY_WAIT;
    if (nq_engine__enqueue (self, job, 0) == 0)
        nq_engine__pump (self);
    return 0;
}

//  --------------------------------------------------------------------------
//  Deadlines

uint64_t
nq_engine_next_deadline (const nq_engine_t *self)
{
    uint64_t next = nq_timers_next (self->timers);
    if (self->hold_until_ms && self->hold_until_ms < next)
        next = self->hold_until_ms;
    return next;
}

static void
s_job_due (nq_engine_t *self, nq_bjob_t *job, const nq_timer_t *t)
{
    int current = t->generation == job->generation;
    switch (t->kind) {
    case T_STS:
        if (current && job->state == NQ_JOB_QUEUED)
            nq_engine__finish (self, job, NQ_JOB_EXPIRED, NQ_EDEADLINE, "not started within schedule_to_start");
        break;
    case T_STC:
        if (current && job->state == NQ_JOB_RUNNING && !job->cancel_requested) {
            if (self->io.cancel)
                self->io.cancel (self->io_arg, job->worker, job);
            nq_engine__retry_or_dead (self, job, NQ_EDEADLINE, "attempt ran past start_to_close");
            nq_engine__pump (self);
        }
        break;
    case T_SCLOSE:
        if (!nq_bjob_is_terminal (job) && job->state != NQ_JOB_PENDING) {
            if (job->state == NQ_JOB_RUNNING && self->io.cancel)
                self->io.cancel (self->io_arg, job->worker, job);
            nq_engine__finish (self, job, NQ_JOB_EXPIRED, NQ_EDEADLINE, "not done within schedule_to_close");
            nq_engine__pump (self);
        }
        break;
    case T_RETRY:
        if (current && job->state == NQ_JOB_RETRY_WAIT) {
            self->stats.requeued++;
            nq_engine__journal (self, NQ_JEV_REQUEUED, job, NULL, 0, "backoff over");
            if (nq_engine__enqueue (self, job, 0) == 0)
                nq_engine__pump (self);
        }
        break;
    case T_CANCEL_GRACE:
        if (current && job->state == NQ_JOB_RUNNING && job->cancel_requested) {
            NQ_LOG_WARN ("cancel_unconfirmed", NQ_LS ("job_id", job->id),
                         NQ_LS ("worker", job->worker ? job->worker->id : NULL));
            nq_engine__finish (self, job, NQ_JOB_CANCELLED, NQ_ECANCELLED, "cancelled (the worker did not confirm)");
            nq_engine__pump (self);
        }
        break;
    case T_RETENTION:
        if (current && nq_bjob_is_terminal (job))
            nq_engine__purge (self, job);
        break;
    default:
        break;
    }
}

static void
s_worker_due (nq_engine_t *self, nq_bworker_t *w, const nq_timer_t *t)
{
    if (w->gone || t->generation != w->generation)
        return;
    uint64_t now = nq_engine__now (self);
    if (t->kind == T_HB_SEND) {
        if (self->io.heartbeat)
            self->io.heartbeat (self->io_arg, w);
        nq_engine__worker_timer (self, w, T_HB_SEND, now + w->heartbeat_ms);
        return;
    }
    uint64_t expiry = w->last_seen_ms + w->heartbeat_ms * w->liveness;
    if (now >= expiry)
        nq_engine__worker_lost (self, w, "heartbeat", 0);
    else
        nq_engine__worker_timer (self, w, T_HB_CHECK, expiry);
}

void
nq_engine_tick (nq_engine_t *self)
{
    uint64_t now = nq_engine__now (self);
    nq_timer_t t;
    while (nq_timers_pop_due (self->timers, now, &t)) {
        if (t.kind == T_HB_CHECK || t.kind == T_HB_SEND) {
            nq_bworker_t *w = t.owner;
            w->timer_refs--;
            if (w->gone) {
                if (w->timer_refs == 0)
                    nq_bworker_destroy (&w);
                continue;
            }
            s_worker_due (self, w, &t);
        }
        else {
            nq_bjob_t *job = t.owner;
            job->timer_refs--;
            if (job->zombie) {
                if (job->timer_refs == 0)
                    nq_bjob_destroy (&job);
                continue;
            }
            s_job_due (self, job, &t);
        }
    }
    if (self->hold_until_ms && now >= self->hold_until_ms)
        nq_engine__pump (self);    //  a queue held for a warm slot may spill now
}

//  --------------------------------------------------------------------------

void
nq_engine_stats (const nq_engine_t *self, nq_engine_stats_t *stats)
{
    *stats = self->stats;
}

nq_registry_t *
nq_engine_registry (nq_engine_t *self)
{
    return self->registry;
}

nq_sched_t *
nq_engine_sched (nq_engine_t *self)
{
    return self->sched;
}

nq_admission_t *
nq_engine_admission (nq_engine_t *self)
{
    return self->admission;
}

size_t
nq_engine_running (const nq_engine_t *self)
{
    return self->running;
}

size_t
nq_engine_jobs (const nq_engine_t *self)
{
    return zhashx_size (self->jobs);
}
