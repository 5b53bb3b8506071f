/*  engine_workers.c — the workers' calls into the broker engine: READY,
    liveness, credit, chunks, results, failures, hand-backs and departures
    (see engine.h for the rules, engine_int.h for what is shared). */
#include "broker/engine_int.h"

#include "common/alloc.h"
#include "common/errors.h"
#include "common/log.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

//  --------------------------------------------------------------------------
//  Workers

static nq_bworker_t *
s_worker (nq_engine_t *self, const void *identity, size_t size)
{
    nq_bworker_t *w = nq_registry_find (self->registry, identity, size);
    if (!w) {
        //  Declared dead, or never introduced: it must start over with READY.
        if (self->io.disconnect)
            self->io.disconnect (self->io_arg, identity, size, "unknown worker: send READY");
        return NULL;
    }
    w->last_seen_ms = nq_engine__now (self);
    return w;
}

//  A lease ended without a result because its worker is gone: the job goes
//  back to the head of its queue at once, and the attempt counts.
void
nq_engine__requeue_lost (nq_engine_t *self, nq_bjob_t *job, const char *why)
{
    nq_engine__lease_end (self, job);
    if (job->cancel_requested) {
        nq_engine__finish (self, job, NQ_JOB_CANCELLED, NQ_ECANCELLED, "cancelled");
        return;
    }
    job->failures++;
    nq_attempt_t *a = nq_bjob_attempt_current (job);
    if (a && !a->ended_ms) {
        a->ended_ms = nq_engine__now (self);
        a->code = NQ_EUNAVAILABLE;
        snprintf (a->message, sizeof a->message, "%s", why);
    }
    if (job->failures >= job->max_attempts) {
        char msg[256];
        snprintf (msg, sizeof msg, "gave up after %u attempts: %s", job->failures, why);
        nq_engine__finish (self, job, NQ_JOB_DEAD, NQ_EUNAVAILABLE, msg);
        return;
    }
    self->stats.requeued++;
    nq_engine__journal (self, NQ_JEV_REQUEUED, job, NULL, NQ_EUNAVAILABLE, why);
    nq_engine__enqueue (self, job, 1);
}

void
nq_engine__worker_lost (nq_engine_t *self, nq_bworker_t *w, const char *reason, int orderly)
{
    uint64_t silence = nq_engine__now (self) - w->last_seen_ms;
    size_t leases = w->in_flight;
    if (orderly)
        NQ_LOG_INFO ("worker_left", NQ_LS ("worker", w->id), NQ_LS ("reason", reason), NQ_LU ("leases", leases));
    else {
        NQ_LOG_WARN ("worker_dead", NQ_LS ("worker", w->id), NQ_LS ("reason", reason), NQ_LU ("silence_ms", silence),
                     NQ_LU ("heartbeat_ms", w->heartbeat_ms), NQ_LU ("liveness", w->liveness),
                     NQ_LD ("silence_heartbeats", w->heartbeat_ms ? (double) silence / (double) w->heartbeat_ms : 0.0),
                     NQ_LU ("leases", leases));
        self->stats.workers_dead++;
    }
    //  Out of the registry first, so its requeued jobs cannot go back to it.
    nq_registry_remove (self->registry, w);
    w->gone = 1;
    w->generation++;
    char why[128];
    snprintf (why, sizeof why, "worker %.32s lost (%s)", w->id, reason);
    while (w->leases)
        nq_engine__requeue_lost (self, w->leases, why);
    if (w->timer_refs == 0)
        nq_bworker_destroy (&w);
    nq_engine__pump (self);
}

int
nq_engine_worker_ready (nq_engine_t *self, const void *identity, size_t size, const char *name,
                        const nq_slot_group_desc_t *groups,
                        size_t ngroups, uint64_t heartbeat_ms, uint32_t liveness, uint64_t *heartbeat_ms_out,
                        uint32_t *liveness_out)
{
    assert (self && identity);
    nq_bworker_t *old = nq_registry_find (self->registry, identity, size);
    if (old)    //  the same peer again: it restarted, and what it held is lost
        nq_engine__worker_lost (self, old, "ready again", 0);
    uint64_t hb = heartbeat_ms ? heartbeat_ms : self->config.heartbeat_ms;
    if (hb < self->config.heartbeat_min_ms)
        hb = self->config.heartbeat_min_ms;
    if (hb > self->config.heartbeat_max_ms)
        hb = self->config.heartbeat_max_ms;
    uint32_t live = liveness ? liveness : self->config.liveness;
    if (live < 2)
        live = 2;
    if (live > 100)
        live = 100;
    uint64_t now = nq_engine__now (self);
    nq_bworker_t *w = nq_registry_add (self->registry, identity, size, name, groups, ngroups, hb, live, now);
    if (!w)
        return NQ_ENOMEM;
    if (heartbeat_ms_out)
        *heartbeat_ms_out = hb;
    if (liveness_out)
        *liveness_out = live;
    self->stats.workers_joined++;
    uint32_t slots = 0;
    for (size_t i = 0; i < ngroups; i++)
        slots += groups[i].capacity;
    NQ_LOG_INFO ("worker_ready", NQ_LS ("worker", w->id), NQ_LS ("name", w->name), NQ_LU ("groups", ngroups), NQ_LU ("slots", slots),
                 NQ_LU ("heartbeat_ms", hb), NQ_LU ("liveness", live));
    nq_engine__worker_timer (self, w, T_HB_CHECK, now + hb * live);
    nq_engine__worker_timer (self, w, T_HB_SEND, now + hb);
    nq_engine__pump (self);
    return 0;
}

int
nq_engine_worker_seen (nq_engine_t *self, const void *identity, size_t size)
{
    return s_worker (self, identity, size) ? 0 : NQ_ENOT_FOUND;
}

//  The next of w's groups, from index *i on, of instance that serve kind
//  (any kind: NQ_KIND_NONE); *i moves past it. NULL when there is none.
static nq_slot_group_t *
s_group_next (nq_bworker_t *w, size_t *i, const char *instance, nq_kind_t kind)
{
    while (*i < w->ngroups) {
        nq_slot_group_t *group = &w->groups[(*i)++];
        if (strcmp (group->instance, instance) == 0 && (kind == NQ_KIND_NONE || (group->kinds & (1u << kind))))
            return group;
    }
    return NULL;
}

int
nq_engine_worker_credit (nq_engine_t *self, const void *identity, size_t size, const char *instance, nq_kind_t kind,
                         uint32_t capacity)
{
    nq_bworker_t *w = s_worker (self, identity, size);
    if (!w)
        return NQ_ENOT_FOUND;
    int found = 0;
    size_t g = 0;
    nq_slot_group_t *group;
    while ((group = s_group_next (w, &g, instance, kind))) {
        found = 1;
        if (group->capacity != capacity)
            NQ_LOG_INFO ("worker_credit", NQ_LS ("worker", w->id), NQ_LS ("instance", instance),
                         NQ_LU ("from", group->capacity), NQ_LU ("to", capacity));
        group->capacity = capacity;
    }
    if (!found)
        return NQ_ENOT_FOUND;
    nq_engine__pump (self);
    return 0;
}

typedef int (s_list_setter_fn) (nq_slot_group_t *group, const char *const *list, size_t n);

//  Replaces a list (warm or models) on every group of worker for instance
//  and kind. 0, NQ_ENOT_FOUND when no group matches, NQ_ENOMEM.
static int
s_set_lists (nq_engine_t *self, const void *identity, size_t size, const char *instance, nq_kind_t kind,
             s_list_setter_fn *set, const char *const *list, size_t n, nq_bworker_t **worker_p)
{
    nq_bworker_t *w = s_worker (self, identity, size);
    if (!w)
        return NQ_ENOT_FOUND;
    *worker_p = w;
    int found = 0;
    size_t g = 0;
    nq_slot_group_t *group;
    while ((group = s_group_next (w, &g, instance, kind))) {
        found = 1;
        if (set (group, list, n))
            return NQ_ENOMEM;
    }
    return found ? 0 : NQ_ENOT_FOUND;
}

int
nq_engine_worker_warm (nq_engine_t *self, const void *identity, size_t size, const char *instance,
                       const char *const *warm, size_t nwarm)
{
    nq_bworker_t *w;
    return s_set_lists (self, identity, size, instance, NQ_KIND_NONE, nq_registry_set_warm, warm, nwarm, &w);
}

int
nq_engine_worker_models (nq_engine_t *self, const void *identity, size_t size, const char *instance, nq_kind_t kind,
                         const char *const *models, size_t nmodels)
{
    nq_bworker_t *w = NULL;
    int rc = s_set_lists (self, identity, size, instance, kind, nq_registry_set_models, models, nmodels, &w);
    if (rc == 0)
        NQ_LOG_INFO ("worker_models", NQ_LS ("worker", w->id), NQ_LS ("instance", instance),
                     NQ_LS ("kind", kind ? nq_kind_name (kind) : "all"), NQ_LU ("models", nmodels));
    return rc;
}

//  The job whose current lease (worker, attempt) a worker message is about.
static int
s_lease (nq_engine_t *self, const void *identity, size_t size, const char *job_id, uint32_t attempt, nq_bjob_t **job_p)
{
    nq_bworker_t *w = s_worker (self, identity, size);
    if (!w)
        return NQ_ENOT_FOUND;
    nq_bjob_t *job = zhashx_lookup (self->jobs, job_id);
    if (!job)
        return NQ_ENOT_FOUND;
    if (job->state != NQ_JOB_RUNNING || job->worker != w || job->attempt != attempt) {
        self->stats.stale++;
        NQ_LOG_WARN ("stale_message", NQ_LS ("job_id", job_id), NQ_LS ("worker", w->id), NQ_LU ("attempt", attempt),
                     NQ_LU ("current_attempt", job->attempt), NQ_LS ("status", nq_job_state_name (job->state)));
        return NQ_ESTALE;
    }
    *job_p = job;
    return 0;
}

int
nq_engine_worker_chunk (nq_engine_t *self, const void *identity, size_t size, const char *job_id, uint32_t attempt,
                        uint64_t seq, int restart, const void *data, size_t data_size)
{
    nq_bjob_t *job;
    int rc = s_lease (self, identity, size, job_id, attempt, &job);
    if (rc)
        return rc;
    if (seq < job->worker_next_seq)
        return 0;    //  a duplicate
    job->worker_next_seq = seq + 1;
    nq_engine__relay_chunk (self, job, restart, data, data_size);
    return 0;
}

int
nq_engine_worker_result (nq_engine_t *self, const void *identity, size_t size, const char *job_id, uint32_t attempt,
                         const void *result, size_t result_size, void *result_obj)
{
    nq_bjob_t *job;
    int rc = s_lease (self, identity, size, job_id, attempt, &job);
    if (rc) {
        nq_engine__free_obj (self, result_obj);
        return rc;
    }
    nq_engine__free_obj (self, job->result_obj);
    job->result_obj = result_obj;
    if (nq_bytes_set (&job->result, result, result_size)) {
        nq_engine__finish (self, job, NQ_JOB_FAILED, NQ_EINTERNAL, "out of memory storing the result");
        nq_engine__pump (self);
        return NQ_ENOMEM;
    }
    nq_engine__finish (self, job, NQ_JOB_SUCCEEDED, 0, NULL);
    nq_engine__pump (self);
    return 0;
}

int
nq_engine_worker_fail (nq_engine_t *self, const void *identity, size_t size, const char *job_id, uint32_t attempt,
                       int code, const char *message, int retryable)
{
    nq_bjob_t *job;
    int rc = s_lease (self, identity, size, job_id, attempt, &job);
    if (rc)
        return rc;
    if (code >= 0)
        code = NQ_EINTERNAL;
    if (job->cancel_requested)
        nq_engine__finish (self, job, NQ_JOB_CANCELLED, NQ_ECANCELLED, "cancelled");
    else if (retryable)
        nq_engine__retry_or_dead (self, job, code, message);
    else
        nq_engine__finish (self, job, NQ_JOB_FAILED, code, message);
    nq_engine__pump (self);
    return 0;
}

int
nq_engine_worker_release (nq_engine_t *self, const void *identity, size_t size, const char *job_id, uint32_t attempt)
{
    nq_bjob_t *job;
    int rc = s_lease (self, identity, size, job_id, attempt, &job);
    if (rc)
        return rc;
    nq_engine__lease_end (self, job);
    nq_attempt_t *a = nq_bjob_attempt_current (job);
    if (a && !a->ended_ms) {
        a->ended_ms = nq_engine__now (self);
        snprintf (a->message, sizeof a->message, "handed back by the worker");
    }
    if (job->cancel_requested)
        nq_engine__finish (self, job, NQ_JOB_CANCELLED, NQ_ECANCELLED, "cancelled");
    else {
        self->stats.requeued++;
        nq_engine__journal (self, NQ_JEV_REQUEUED, job, NULL, 0, "handed back by the worker");
        nq_engine__enqueue (self, job, 1);
    }
    nq_engine__pump (self);
    return 0;
}

int
nq_engine_worker_gone (nq_engine_t *self, const void *identity, size_t size, const char *reason, int orderly)
{
    nq_bworker_t *w = nq_registry_find (self->registry, identity, size);
    if (!w)
        return NQ_ENOT_FOUND;
    nq_engine__worker_lost (self, w, reason ? reason : "gone", orderly);
    return 0;
}

