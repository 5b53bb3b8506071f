/*  engine.c — the broker's job lifecycle (see engine.h for the rules). */
#include "broker/engine.h"

#include "broker/engine_int.h"
#include "broker/timers.h"
#include "common/alloc.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/rng.h"

#include <assert.h>
#include <czmq.h>
#include <stdio.h>
#include <string.h>

static void
s_free_string (void **item)
{
    nq_free (*item);
    *item = NULL;
}

static void *
s_dup_string (const void *item)
{
    return nq_strdup (item);
}

void
nq_engine_config_defaults (nq_engine_config_t *c)
{
    assert (c);
    memset (c, 0, sizeof *c);
    nq_sched_config_defaults (&c->sched);
    nq_admission_defaults (&c->admission);
    for (int k = NQ_KIND__FIRST; k < NQ_KIND__COUNT; k++)
        c->max_attempts[k] = 3;
    c->max_attempts_cap = 20;
    c->retry = (nq_backoff_t){.min_ms = 1000, .max_ms = 60000, .factor = 2.0, .jitter = 0.2};
    c->heartbeat_ms = 1000;
    c->heartbeat_min_ms = 100;
    c->heartbeat_max_ms = 60000;
    c->liveness = 3;
    c->retention_ms = 600000;
    c->cancel_grace_ms = 5000;
    c->max_stream_bytes = 1 << 20;
    c->max_dead = 100000;
    c->affinity_spill_ms = 2000;
}

void
nq_engine_queue_key (nq_kind_t kind, const char *model, char *buf, size_t cap)
{
    snprintf (buf, cap, "%s/%s", nq_kind_name (kind), model);
}

uint64_t
nq_engine__now (const nq_engine_t *self)
{
    return nq_clock_now_ms (self->clock);
}

//  --------------------------------------------------------------------------
//  Timers name jobs and workers; a purged job or a gone worker stays in
//  memory until no timer names it.

void
nq_engine__job_timer (nq_engine_t *self, nq_bjob_t *job, int kind, uint64_t due_ms)
{
    if (nq_timers_add (self->timers, due_ms, job, kind, job->generation) == 0)
        job->timer_refs++;
    else
        NQ_LOG_ERROR ("timer_lost", NQ_LS ("job_id", job->id), NQ_LI ("kind", kind));
}

void
nq_engine__worker_timer (nq_engine_t *self, nq_bworker_t *w, int kind, uint64_t due_ms)
{
    if (nq_timers_add (self->timers, due_ms, w, kind, w->generation) == 0)
        w->timer_refs++;
    else
        NQ_LOG_ERROR ("timer_lost", NQ_LS ("worker", w->id), NQ_LI ("kind", kind));
}

void
nq_engine__journal (nq_engine_t *self, nq_journal_event_type_t type, nq_bjob_t *job, const char *worker, int code,
           const char *message)
{
    nq_journal_event_t ev = {type, job, nq_engine__now (self), job->attempt, worker, code, message};
    int rc = nq_journal_append (self->journal, &ev, NULL, NULL);
    if (rc)
        NQ_LOG_ERROR ("journal_write_failed", NQ_LS ("job_id", job->id), NQ_LS ("event", nq_journal_event_name (type)),
                      NQ_LS ("error", nq_strerror (rc)));
}

void
nq_engine__free_obj (nq_engine_t *self, void *obj)
{
    if (obj && self->io.free_obj)
        self->io.free_obj (self->io_arg, obj);
}

//  Frees a job record and the network layer's attachments.
void
nq_engine__job_destroy (nq_engine_t *self, nq_bjob_t *job)
{
    nq_engine__free_obj (self, job->payload_obj);
    nq_engine__free_obj (self, job->result_obj);
    nq_bjob_destroy (&job);
}

//  --------------------------------------------------------------------------
//  Leaving a state

void
nq_engine__lease_end (nq_engine_t *self, nq_bjob_t *job)
{
    nq_bworker_t *w = job->worker;
    if (!w)
        return;
    if (job->lease_prev)
        job->lease_prev->lease_next = job->lease_next;
    else
        w->leases = job->lease_next;
    if (job->lease_next)
        job->lease_next->lease_prev = job->lease_prev;
    job->lease_prev = job->lease_next = NULL;
    nq_registry_release (self->registry, w, job->group);
    job->worker = NULL;
    job->group = -1;
    self->running--;
}

static void
s_unqueue (nq_engine_t *self, nq_bjob_t *job)
{
    if (nq_sched_remove (self->sched, &job->entry) == 0)
        nq_admission_leave (self->admission, job->klass, job->tenant, 0);
}

//  Takes the job out of the queue or its lease, whichever holds it.
void
nq_engine__detach (nq_engine_t *self, nq_bjob_t *job)
{
    if (job->state == NQ_JOB_QUEUED)
        s_unqueue (self, job);
    else if (job->state == NQ_JOB_RUNNING)
        nq_engine__lease_end (self, job);
}

void
nq_engine__dead_unlink (nq_engine_t *self, nq_bjob_t *job)
{
    if (job->dead_prev)
        job->dead_prev->dead_next = job->dead_next;
    else
        self->dead_head = job->dead_next;
    if (job->dead_next)
        job->dead_next->dead_prev = job->dead_prev;
    else
        self->dead_tail = job->dead_prev;
    job->dead_prev = job->dead_next = NULL;
    self->dead_count--;
}

static void
s_idem_key (const nq_bjob_t *job, char *buf, size_t cap)
{
    snprintf (buf, cap, "%s\x1f%s", job->tenant, job->idempotency_key);
}

//  The record is gone from every index; memory goes when no timer names it.
void
nq_engine__purge (nq_engine_t *self, nq_bjob_t *job)
{
    if (job->state == NQ_JOB_DEAD)
        nq_engine__dead_unlink (self, job);
    nq_engine__journal (self, NQ_JEV_PURGED, job, NULL, 0, NULL);
    if (job->idempotency_key) {
        char key[1024];
        s_idem_key (job, key, sizeof key);
        if (zhashx_lookup (self->idem, key) == job)
            zhashx_delete (self->idem, key);
    }
    zhashx_delete (self->jobs, job->id);
    job->zombie = 1;
    if (job->timer_refs == 0)
        nq_engine__job_destroy (self, job);
}

static void
s_notify_finished (nq_engine_t *self, nq_bjob_t *job)
{
    for (nq_subscriber_t *s = job->subscribers; s; s = s->next)
        if (self->io.finished)
            self->io.finished (self->io_arg, &s->client, s->request_id, job);
}

//  A terminal state: recorded, told to subscribers, kept for retention (or
//  in the dead letters).
void
nq_engine__finish (nq_engine_t *self, nq_bjob_t *job, nq_job_state_t state, int code, const char *message)
{
    assert (state >= NQ_JOB_SUCCEEDED);
    nq_engine__detach (self, job);
    job->state = state;
    job->generation++;
    job->error_code = code;
    snprintf (job->error_message, sizeof job->error_message, "%s", message ? message : (code ? nq_strerror (code) : ""));
    job->ended_ms = nq_engine__now (self);
    nq_attempt_t *a = nq_bjob_attempt_current (job);
    if (a && !a->ended_ms) {
        a->ended_ms = job->ended_ms;
        a->code = code;
        snprintf (a->message, sizeof a->message, "%s", job->error_message);
    }
    static const nq_journal_event_type_t jev[] = {
        [NQ_JOB_SUCCEEDED] = NQ_JEV_SUCCEEDED, [NQ_JOB_FAILED] = NQ_JEV_FAILED, [NQ_JOB_CANCELLED] = NQ_JEV_CANCELLED,
        [NQ_JOB_EXPIRED] = NQ_JEV_EXPIRED,     [NQ_JOB_DEAD] = NQ_JEV_DEAD};
    nq_engine__journal (self, jev[state], job, NULL, code, job->error_message);
    switch (state) {
    case NQ_JOB_SUCCEEDED:
        self->stats.succeeded++;
        break;
    case NQ_JOB_FAILED:
        self->stats.failed++;
        break;
    case NQ_JOB_CANCELLED:
        self->stats.cancelled++;
        break;
    case NQ_JOB_EXPIRED:
        self->stats.expired++;
        break;
    default:
        self->stats.dead++;
        break;
    }
    NQ_LOG_INFO ("job_finished", NQ_LS ("job_id", job->id), NQ_LS ("status", nq_job_state_name (state)),
                 NQ_LS ("error", code ? nq_error_wire (code) : NULL), NQ_LS ("message", code ? job->error_message : NULL),
                 NQ_LU ("attempts", job->attempt), NQ_LS ("tenant", job->tenant),
                 NQ_LS ("correlation_id", job->correlation_id), NQ_LS ("traceparent", job->traceparent));
    s_notify_finished (self, job);
    if (state == NQ_JOB_DEAD) {
        job->dead_prev = self->dead_tail;
        if (self->dead_tail)
            self->dead_tail->dead_next = job;
        else
            self->dead_head = job;
        self->dead_tail = job;
        if (++self->dead_count > self->config.max_dead) {
            nq_bjob_t *oldest = self->dead_head;
            NQ_LOG_WARN ("dead_letter_dropped", NQ_LS ("job_id", oldest->id), NQ_LU ("max_dead", self->config.max_dead));
            nq_engine__purge (self, oldest);
        }
    }
    else
        nq_engine__job_timer (self, job, T_RETENTION, job->ended_ms + self->config.retention_ms);
}

//  --------------------------------------------------------------------------
//  Entering the queue and leaving it to run

int
nq_engine__enqueue (nq_engine_t *self, nq_bjob_t *job, int front)
{
    char key[512];
    nq_engine_queue_key (job->kind, job->model, key, sizeof key);
    uint64_t now = nq_engine__now (self);
    int rc = nq_admission_enter (self->admission, job->klass, job->tenant);
    if (rc == 0) {
        rc = front ? nq_sched_push_front (self->sched, &job->entry, key, job->klass, job->tenant, job->cost, now)
                   : nq_sched_push (self->sched, &job->entry, key, job->klass, job->tenant, job->cost, now);
        if (rc)
            nq_admission_leave (self->admission, job->klass, job->tenant, 0);
    }
    if (rc) {
        //  The job cannot be held: it fails visibly rather than vanish.
        job->state = NQ_JOB_RETRY_WAIT;    //  not queued: nothing to detach
        nq_engine__finish (self, job, NQ_JOB_FAILED, NQ_EINTERNAL, "could not queue the job (out of memory)");
        return rc;
    }
    job->state = NQ_JOB_QUEUED;
    job->queued_ms = now;
    job->generation++;
    if (job->schedule_to_start_ms)
        nq_engine__job_timer (self, job, T_STS, now + job->schedule_to_start_ms);
    return 0;
}

void
nq_engine__relay_chunk (nq_engine_t *self, nq_bjob_t *job, int restart, const void *data, size_t size)
{
    nq_engine_chunk_t chunk = {job->next_seq++, restart, data, size};
    nq_bjob_keep_chunk (job, chunk.seq, restart, data, size, self->config.max_stream_bytes);
    for (nq_subscriber_t *s = job->subscribers; s; s = s->next)
        if (self->io.chunk)
            self->io.chunk (self->io_arg, &s->client, s->request_id, job, &chunk);
}

static void
s_start (nq_engine_t *self, nq_bjob_t *job, nq_bworker_t *w, int group)
{
    uint64_t now = nq_engine__now (self);
    job->attempt++;
    job->state = NQ_JOB_RUNNING;
    job->generation++;
    job->worker = w;
    job->group = group;
    job->worker_next_seq = 0;
    job->lease_prev = NULL;
    job->lease_next = w->leases;
    if (w->leases)
        w->leases->lease_prev = job;
    w->leases = job;
    nq_registry_lease (self->registry, w, group);
    const char *model = job->run_model ? job->run_model : job->model;
    int was_warm = nq_slot_group_is_warm (&w->groups[group], model);
    //  The instance loads the model now (or has it): count it warm there
    //  until the worker's next warm list, so the next job follows it.
    if (nq_registry_assume_warm (w, group, model))
        NQ_LOG_WARN ("out_of_memory", NQ_LS ("where", "assume_warm"));
    self->running++;
    self->stats.dispatched++;
    const nq_slot_group_t *g = &w->groups[group];
    snprintf (job->last_instance, sizeof job->last_instance, "%s", g->instance);
    nq_bjob_attempt_begin (job, w->id, g->instance, now);
    nq_engine__journal (self, NQ_JEV_DISPATCHED, job, w->id, 0, NULL);
    self->decisions++;
    NQ_LOG_DEBUG ("job_dispatched", NQ_LU ("decision", self->decisions), NQ_LS ("job_id", job->id),
                  NQ_LS ("tenant", job->tenant), NQ_LS ("class", nq_class_name (job->klass)),
                  NQ_LS ("kind", nq_kind_name (job->kind)), NQ_LS ("model", job->model), NQ_LS ("worker", w->id),
                  NQ_LS ("instance", g->instance), NQ_LU ("attempt", job->attempt),
                  NQ_LS ("dispatch", nq_dispatch_name (nq_registry_dispatch (self->registry))),
                  NQ_LB ("warm", was_warm), NQ_LU ("waited_ms", now - job->queued_ms),
                  NQ_LS ("correlation_id", job->correlation_id));
    //  Output already sent belongs to an attempt that is over: say so first.
    if (job->next_seq > 0)
        nq_engine__relay_chunk (self, job, 1, NULL, 0);
    if (job->start_to_close_ms)
        nq_engine__job_timer (self, job, T_STC, now + job->start_to_close_ms);
    if (self->io.dispatch && self->io.dispatch (self->io_arg, w, group, job) != 0) {
        //  Could not be sent: back to the head of the queue, no attempt
        //  spent; a worker that cannot be reached holds nothing, so it is
        //  treated as lost (it must introduce itself again).
        NQ_LOG_WARN ("dispatch_failed", NQ_LS ("job_id", job->id), NQ_LS ("worker", w->id));
        nq_engine__lease_end (self, job);
        job->attempt--;
        job->history_count--;
        if (nq_engine__enqueue (self, job, 1) == 0)
            nq_engine__worker_lost (self, w, "unreachable", 0);
    }
}

//  The fallback of model when its own slots are all gone (none connected, or
//  every one withdrew its credit, as an instance with an open breaker
//  does) — never while they are merely busy — or NULL.
static const char *
s_fallback (nq_engine_t *self, nq_kind_t kind, const char *model)
{
    const char *fb = zhashx_lookup (self->fallback, model);
    if (!fb || nq_registry_healthy (self->registry, kind, model))
        return NULL;
    return fb;
}

//  Affinity holds a queue whose model is loaded somewhere (a warm home with
//  slots) while no warm slot is free and every free slot is on an instance
//  busy with other models, rather than make it load this one — a swap costs
//  seconds and evicts a model that the next job will want back. Interactive
//  jobs spill over to such a slot once the oldest has waited
//  affinity_spill_ms; standard and bulk work waits for a warm or empty slot.
//  A model warm nowhere goes to any free slot.
static int
s_affinity_allows (nq_engine_t *self, const char *key, nq_kind_t kind, const char *model)
{
    if (self->config.dispatch != NQ_DISPATCH_AFFINITY)
        return 1;
    int warm_free, warm_home, empty_free;
    nq_registry_warmth (self->registry, kind, model, &warm_free, &warm_home, &empty_free);
    if (warm_free || !warm_home || empty_free)
        return 1;
    uint64_t oldest = nq_sched_oldest (self->sched, key, NQ_CLASS_INTERACTIVE);
    if (!oldest)
        return 0;
    uint64_t spill = oldest + self->config.affinity_spill_ms;
    if (nq_engine__now (self) >= spill)
        return 1;
    if (!self->hold_until_ms || spill < self->hold_until_ms)
        self->hold_until_ms = spill;    //  nq_engine_tick pumps again then
    return 0;
}

static int
s_eligible (void *arg, const char *key)
{
    nq_engine_t *self = arg;
    const char *slash = strchr (key, '/');
    if (!slash)
        return 0;
    for (int k = NQ_KIND__FIRST; k < NQ_KIND__COUNT; k++) {
        const char *name = nq_kind_name ((nq_kind_t) k);
        if (strlen (name) == (size_t) (slash - key) && memcmp (name, key, (size_t) (slash - key)) == 0) {
            if (nq_registry_can_serve (self->registry, (nq_kind_t) k, slash + 1))
                return s_affinity_allows (self, key, (nq_kind_t) k, slash + 1);
            const char *fb = s_fallback (self, (nq_kind_t) k, slash + 1);
            return fb && nq_registry_can_serve (self->registry, (nq_kind_t) k, fb);
        }
    }
    return 0;
}

//  Hands queued jobs to free slots while both exist.
void
nq_engine__pump (nq_engine_t *self)
{
    nq_sched_entry_t *entry;
    while ((self->hold_until_ms = 0, entry = nq_sched_pop (self->sched, s_eligible, self, NULL, NULL))) {
        nq_bjob_t *job = (nq_bjob_t *) entry;
        nq_admission_leave (self->admission, job->klass, job->tenant, 1);
        nq_bworker_t *w;
        int group;
        const char *fb = NULL;
        //  A retry after a failure goes to another instance when one has a
        //  free slot: the failure may be the instance's, not the job's.
        const char *avoid = job->failures > 0 && job->last_instance[0] ? job->last_instance : NULL;
        int placed = nq_registry_place (self->registry, job->kind, job->model, avoid, &w, &group);
        if (!placed && (fb = s_fallback (self, job->kind, job->model)))
            placed = nq_registry_place (self->registry, job->kind, fb, avoid, &w, &group);
        if (!placed || nq_bjob_set_str (&job->run_model, placed && fb ? fb : NULL)) {
            //  Eligible a moment ago: cannot happen, but never lose the job.
            nq_engine__enqueue (self, job, 1);
            return;
        }
        if (fb)
            NQ_LOG_INFO ("job_fallback", NQ_LS ("job_id", job->id), NQ_LS ("model", job->model), NQ_LS ("runs_on", fb),
                         NQ_LS ("correlation_id", job->correlation_id));
        s_start (self, job, w, group);
    }
}

//  A failed attempt: back off and retry, or dead-letter past max attempts.
void
nq_engine__retry_or_dead (nq_engine_t *self, nq_bjob_t *job, int code, const char *message)
{
    nq_engine__detach (self, job);
    job->failures++;
    nq_attempt_t *a = nq_bjob_attempt_current (job);
    if (a && !a->ended_ms) {
        a->ended_ms = nq_engine__now (self);
        a->code = code;
        snprintf (a->message, sizeof a->message, "%s", message ? message : nq_strerror (code));
    }
    if (job->failures >= job->max_attempts) {
        char why[256];
        snprintf (why, sizeof why, "gave up after %u attempts: %s", job->failures, message ? message : nq_strerror (code));
        nq_engine__finish (self, job, NQ_JOB_DEAD, code, why);
        return;
    }
    uint64_t delay = nq_backoff_delay_ms (&self->config.retry, job->failures, &self->rng);
    job->state = NQ_JOB_RETRY_WAIT;
    job->generation++;
    self->stats.retries++;
    nq_engine__journal (self, NQ_JEV_RETRY, job, NULL, code, message);
    NQ_LOG_INFO ("job_retry", NQ_LS ("job_id", job->id), NQ_LU ("attempt", job->attempt),
                 NQ_LU ("failures", job->failures), NQ_LU ("delay_ms", delay), NQ_LS ("error", nq_error_wire (code)),
                 NQ_LS ("message", message), NQ_LS ("correlation_id", job->correlation_id));
    nq_engine__job_timer (self, job, T_RETRY, nq_engine__now (self) + delay);
}

//  --------------------------------------------------------------------------

nq_engine_t *
nq_engine_new (const nq_engine_config_t *config, nq_clock_t *clock, nq_journal_t *journal, const nq_engine_io_t *io,
               void *io_arg)
{
    assert (clock && journal && io);
    nq_engine_t *self = nq_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    if (config)
        self->config = *config;
    else
        nq_engine_config_defaults (&self->config);
    self->clock = clock;
    self->journal = journal;
    self->io = *io;
    self->io_arg = io_arg;
    if (self->config.seed)
        nq_rng_seed (&self->rng, self->config.seed);
    else
        nq_rng_seed_os (&self->rng);
    self->sched = nq_sched_new (&self->config.sched);
    self->admission = nq_admission_new (&self->config.admission, clock);
    self->registry = nq_registry_new ();
    if (self->registry)
        nq_registry_set_dispatch (self->registry, self->config.dispatch);
    self->timers = nq_timers_new ();
    self->jobs = zhashx_new ();
    self->idem = zhashx_new ();
    self->fallback = zhashx_new ();
    if (!self->sched || !self->admission || !self->registry || !self->timers || !self->jobs || !self->idem
        || !self->fallback) {
        nq_engine_destroy (&self);
        return NULL;
    }
    //  "primary=fallback …" (validated by the configuration).
    zhashx_set_destructor (self->fallback, s_free_string);
    zhashx_set_duplicator (self->fallback, s_dup_string);
    for (const char *p = self->config.fallbacks ? self->config.fallbacks : ""; *p;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        size_t len = strcspn (p, " \t\r\n");
        const char *eq = memchr (p, '=', len);
        if (eq) {
            char from[256], to[256];
            snprintf (from, sizeof from, "%.*s", (int) (eq - p), p);
            snprintf (to, sizeof to, "%.*s", (int) (p + len - eq - 1), eq + 1);
            zhashx_update (self->fallback, from, to);
        }
        p += len;
    }
    self->config.fallbacks = NULL;    //  not kept: the map holds it
    return self;
}

void
nq_engine_destroy (nq_engine_t **self_p)
{
    assert (self_p);
    nq_engine_t *self = *self_p;
    if (!self)
        return;
    //  Timers first: they hold the last references to purged jobs and gone workers.
    nq_timer_t t;
    while (self->timers && nq_timers_pop_due (self->timers, UINT64_MAX, &t)) {
        if (t.kind == T_HB_CHECK || t.kind == T_HB_SEND) {
            nq_bworker_t *w = t.owner;
            if (--w->timer_refs == 0 && w->gone)
                nq_bworker_destroy (&w);
        }
        else {
            nq_bjob_t *job = t.owner;
            if (--job->timer_refs == 0 && job->zombie)
                nq_engine__job_destroy (self, job);
        }
    }
    if (self->jobs) {
        for (nq_bjob_t *job = zhashx_first (self->jobs); job; job = zhashx_next (self->jobs)) {
            if (job->state == NQ_JOB_QUEUED)
                nq_sched_remove (self->sched, &job->entry);
            nq_engine__job_destroy (self, job);
        }
        zhashx_destroy (&self->jobs);
    }
    zhashx_destroy (&self->idem);
    zhashx_destroy (&self->fallback);
    nq_timers_destroy (&self->timers);
    nq_registry_destroy (&self->registry);
    nq_admission_destroy (&self->admission);
    nq_sched_destroy (&self->sched);
    nq_free (self);
    *self_p = NULL;
}

//  --------------------------------------------------------------------------
//  Clients

typedef struct {
    nq_engine_t *engine;
    nq_bjob_t *job;
} s_commit_t;

static void
s_error (nq_engine_t *self, const void *client, size_t client_size, uint64_t request_id, const char *job_id, int code,
         const char *message, uint64_t retry_after_ms)
{
    if (!self->io.error || !client)
        return;
    nq_bytes_t c = {(uint8_t *) client, client_size};
    self->io.error (self->io_arg, &c, request_id, job_id, code, message, retry_after_ms);
}

//  The journal has the submission (or failed to take it).
static void
s_committed (void *arg, int rc)
{
    nq_engine_t *self = ((s_commit_t *) arg)->engine;
    nq_bjob_t *job = ((s_commit_t *) arg)->job;
    nq_free (arg);
    if (rc) {
        NQ_LOG_ERROR ("submit_not_durable", NQ_LS ("job_id", job->id), NQ_LS ("error", nq_strerror (rc)));
        for (nq_subscriber_t *s = job->subscribers; s; s = s->next)
            if (s->accept_pending && self->io.error)
                self->io.error (self->io_arg, &s->client, s->request_id, NULL, NQ_EUNAVAILABLE,
                                "the journal could not record the job", 1000);
        if (job->idempotency_key) {
            char key[1024];
            s_idem_key (job, key, sizeof key);
            zhashx_delete (self->idem, key);
        }
        zhashx_delete (self->jobs, job->id);
        nq_engine__job_destroy (self, job);
        return;
    }
    self->stats.accepted++;
    NQ_LOG_DEBUG ("job_accepted", NQ_LS ("job_id", job->id), NQ_LS ("tenant", job->tenant),
                  NQ_LS ("kind", nq_kind_name (job->kind)), NQ_LS ("model", job->model),
                  NQ_LS ("class", nq_class_name (job->klass)), NQ_LS ("correlation_id", job->correlation_id),
                  NQ_LS ("traceparent", job->traceparent));
    for (nq_subscriber_t *s = job->subscribers; s; s = s->next)
        if (s->accept_pending) {
            s->accept_pending = 0;
            if (self->io.accepted)
                self->io.accepted (self->io_arg, &s->client, s->request_id, job, s->existing);
        }
    if (job->cancel_requested) {
        job->state = NQ_JOB_RETRY_WAIT;    //  not queued yet: nothing to detach
        nq_engine__finish (self, job, NQ_JOB_CANCELLED, NQ_ECANCELLED, "cancelled before it was queued");
        return;
    }
    if (nq_engine__enqueue (self, job, 0) == 0) {
        if (job->schedule_to_close_ms)
            nq_engine__job_timer (self, job, T_SCLOSE, job->created_ms + job->schedule_to_close_ms);
        nq_engine__pump (self);
    }
}

int
nq_engine_submit (nq_engine_t *self, const nq_engine_submit_t *sub, const void *client, size_t client_size,
                  uint64_t request_id)
{
    assert (self && sub);
    self->stats.submitted++;
    //  From here on the engine owns the attachment, whatever happens.
    void *payload_obj = sub->payload_obj;
    if (!sub->id || !*sub->id || !sub->model || !*sub->model || !sub->tenant || !*sub->tenant
        || sub->kind < NQ_KIND__FIRST || sub->kind >= NQ_KIND__COUNT || sub->klass < NQ_CLASS__FIRST
        || sub->klass >= NQ_CLASS__COUNT) {
        self->stats.refused++;
        s_error (self, client, client_size, request_id, NULL, NQ_EINVALID, "id, kind, model, tenant and class are required", 0);
        nq_engine__free_obj (self, payload_obj);
        return NQ_EINVALID;
    }
    //  The same (tenant, idempotency key): join the existing job.
    if (sub->idempotency_key && *sub->idempotency_key) {
        char key[1024];
        snprintf (key, sizeof key, "%s\x1f%s", sub->tenant, sub->idempotency_key);
        nq_bjob_t *existing = zhashx_lookup (self->idem, key);
        if (existing && !client) {
            nq_engine__free_obj (self, payload_obj);
            return 0;    //  nobody to attach: the job exists, that is all
        }
        if (existing) {
            nq_engine__free_obj (self, payload_obj);
            nq_subscriber_t *s = nq_bjob_subscribe (existing, client, client_size, request_id);
            if (!s) {
                s_error (self, client, client_size, request_id, existing->id, NQ_EOVERLOADED,
                         "too many clients follow this job", 1000);
                return NQ_EOVERLOADED;
            }
            self->stats.coalesced++;
            s->existing = 1;
            if (existing->state == NQ_JOB_PENDING)
                s->accept_pending = 1;    //  told when the journal commits
            else {
                if (self->io.accepted)
                    self->io.accepted (self->io_arg, &s->client, request_id, existing, 1);
                for (nq_stream_chunk_t *c = existing->chunks; c; c = c->next)
                    if (self->io.chunk) {
                        nq_engine_chunk_t chunk = {c->seq, c->restart, c->data.data, c->data.size};
                        self->io.chunk (self->io_arg, &s->client, request_id, existing, &chunk);
                    }
                if (nq_bjob_is_terminal (existing) && self->io.finished)
                    self->io.finished (self->io_arg, &s->client, request_id, existing);
            }
            return 0;
        }
    }
    if (zhashx_lookup (self->jobs, sub->id)) {
        self->stats.refused++;
        s_error (self, client, client_size, request_id, sub->id, NQ_EINVALID, "a job with this id exists", 0);
        nq_engine__free_obj (self, payload_obj);
        return NQ_EINVALID;
    }
    uint64_t retry_after = 0;
    const char *which = NULL;
    int rc = nq_admission_check (self->admission, sub->klass, sub->tenant, &retry_after, &which);
    if (rc) {
        self->stats.refused++;
        char msg[128];
        snprintf (msg, sizeof msg, "queue limit reached (%s)", which);
        NQ_LOG_DEBUG ("job_refused", NQ_LS ("tenant", sub->tenant), NQ_LS ("class", nq_class_name (sub->klass)),
                      NQ_LS ("limit", which), NQ_LU ("retry_after_ms", retry_after));
        s_error (self, client, client_size, request_id, NULL, rc, msg, retry_after);
        nq_engine__free_obj (self, payload_obj);
        return rc;
    }
    nq_bjob_t *job = nq_bjob_new (sub->id, sub->kind, sub->model, sub->tenant, sub->user, sub->klass, sub->payload,
                                  sub->payload_size);
    s_commit_t *commit = nq_malloc (sizeof *commit);
    nq_subscriber_t *s = NULL;
    if (!job || !commit || nq_bjob_set_str (&job->idempotency_key, sub->idempotency_key && *sub->idempotency_key ? sub->idempotency_key : NULL)
        || nq_bjob_set_str (&job->traceparent, sub->traceparent)
        || nq_bjob_set_str (&job->correlation_id, sub->correlation_id)
        || (client && !(s = nq_bjob_subscribe (job, client, client_size, request_id)))
        || zhashx_insert (self->jobs, job->id, job) != 0) {
        nq_bjob_destroy (&job);
        nq_free (commit);
        s_error (self, client, client_size, request_id, NULL, NQ_ENOMEM, "out of memory", 1000);
        nq_engine__free_obj (self, payload_obj);
        return NQ_ENOMEM;
    }
    job->payload_obj = payload_obj;
    if (s)
        s->accept_pending = 1;
    job->cost = sub->cost ? sub->cost : 1;
    uint32_t attempts = sub->max_attempts ? sub->max_attempts : self->config.max_attempts[sub->kind];
    job->max_attempts = attempts > self->config.max_attempts_cap ? self->config.max_attempts_cap : attempts;
    job->schedule_to_start_ms = sub->schedule_to_start_ms;
    job->start_to_close_ms = sub->start_to_close_ms;
    job->schedule_to_close_ms = sub->schedule_to_close_ms;
    job->created_ms = nq_engine__now (self);
    job->state = NQ_JOB_PENDING;
    if (job->idempotency_key) {
        char key[1024];
        s_idem_key (job, key, sizeof key);
        zhashx_insert (self->idem, key, job);
    }
    commit->engine = self;
    commit->job = job;
    nq_journal_event_t ev = {NQ_JEV_SUBMITTED, job, job->created_ms, 0, NULL, 0, NULL};
    rc = nq_journal_append (self->journal, &ev, s_committed, commit);
    if (rc)
        s_committed (commit, rc);
    return rc;
}

int
nq_engine_cancel (nq_engine_t *self, const char *job_id, const void *client, size_t client_size, uint64_t request_id)
{
    nq_bjob_t *job = zhashx_lookup (self->jobs, job_id);
    if (!job) {
        s_error (self, client, client_size, request_id, job_id, NQ_ENOT_FOUND, "no such job", 0);
        return NQ_ENOT_FOUND;
    }
    nq_subscriber_t *s = nq_bjob_subscribe (job, client, client_size, request_id);
    if (nq_bjob_is_terminal (job)) {
        //  Too late: the requester learns how it ended.
        if (s && self->io.finished)
            self->io.finished (self->io_arg, &s->client, request_id, job);
        return 0;
    }
    switch (job->state) {
    case NQ_JOB_PENDING:
        job->cancel_requested = 1;
        break;
    case NQ_JOB_QUEUED:
    case NQ_JOB_RETRY_WAIT:
        nq_engine__finish (self, job, NQ_JOB_CANCELLED, NQ_ECANCELLED, "cancelled");
        break;
    case NQ_JOB_RUNNING:
        if (!job->cancel_requested) {
            job->cancel_requested = 1;
            if (self->io.cancel)
                self->io.cancel (self->io_arg, job->worker, job);
            nq_engine__job_timer (self, job, T_CANCEL_GRACE, nq_engine__now (self) + self->config.cancel_grace_ms);
        }
        break;
    default:
        break;
    }
    return 0;
}

int
nq_engine_subscribe (nq_engine_t *self, const char *job_id, uint64_t from_seq, const void *client, size_t client_size,
                     uint64_t request_id)
{
    nq_bjob_t *job = zhashx_lookup (self->jobs, job_id);
    if (!job) {
        s_error (self, client, client_size, request_id, job_id, NQ_ENOT_FOUND, "no such job (or past its retention)", 0);
        return NQ_ENOT_FOUND;
    }
    //  Chunks before from_seq that were not kept cannot be replayed.
    if (job->chunks_truncated && from_seq < job->next_seq && (!job->chunks || job->chunks->seq > from_seq)) {
        s_error (self, client, client_size, request_id, job_id, NQ_ENOT_FOUND, "those chunks are no longer kept", 0);
        return NQ_ENOT_FOUND;
    }
    nq_subscriber_t *s = nq_bjob_subscribe (job, client, client_size, request_id);
    if (!s) {
        s_error (self, client, client_size, request_id, job_id, NQ_EOVERLOADED, "too many clients follow this job",
                 1000);
        return NQ_EOVERLOADED;
    }
    for (nq_stream_chunk_t *c = job->chunks; c; c = c->next)
        if (c->seq >= from_seq && self->io.chunk) {
            nq_engine_chunk_t chunk = {c->seq, c->restart, c->data.data, c->data.size};
            self->io.chunk (self->io_arg, &s->client, request_id, job, &chunk);
        }
    if (nq_bjob_is_terminal (job) && self->io.finished)
        self->io.finished (self->io_arg, &s->client, request_id, job);
    return 0;
}

const nq_bjob_t *
nq_engine_job (const nq_engine_t *self, const char *job_id)
{
    return zhashx_lookup (self->jobs, job_id);
}

