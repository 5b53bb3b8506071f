/*  engine.c — the broker's job lifecycle (see engine.h for the rules). */
#include "broker/engine.h"

#include "broker/timers.h"
#include "common/alloc.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/rng.h"

#include <assert.h>
#include <czmq.h>
#include <stdio.h>
#include <string.h>

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
    nq_engine_stats_t stats;
};

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
}

void
nq_engine_queue_key (nq_kind_t kind, const char *model, char *buf, size_t cap)
{
    snprintf (buf, cap, "%s/%s", nq_kind_name (kind), model);
}

static uint64_t
s_now (const nq_engine_t *self)
{
    return nq_clock_now_ms (self->clock);
}

//  --------------------------------------------------------------------------
//  Timers name jobs and workers; a purged job or a gone worker stays in
//  memory until no timer names it.

static void
s_job_timer (nq_engine_t *self, nq_bjob_t *job, int kind, uint64_t due_ms)
{
    if (nq_timers_add (self->timers, due_ms, job, kind, job->generation) == 0)
        job->timer_refs++;
    else
        NQ_LOG_ERROR ("timer_lost", NQ_LS ("job_id", job->id), NQ_LI ("kind", kind));
}

static void
s_worker_timer (nq_engine_t *self, nq_bworker_t *w, int kind, uint64_t due_ms)
{
    if (nq_timers_add (self->timers, due_ms, w, kind, w->generation) == 0)
        w->timer_refs++;
    else
        NQ_LOG_ERROR ("timer_lost", NQ_LS ("worker", w->id), NQ_LI ("kind", kind));
}

static void
s_journal (nq_engine_t *self, nq_journal_event_type_t type, nq_bjob_t *job, const char *worker, int code,
           const char *message)
{
    nq_journal_event_t ev = {type, job, s_now (self), job->attempt, worker, code, message};
    int rc = nq_journal_append (self->journal, &ev, NULL, NULL);
    if (rc)
        NQ_LOG_ERROR ("journal_write_failed", NQ_LS ("job_id", job->id), NQ_LS ("event", nq_journal_event_name (type)),
                      NQ_LS ("error", nq_strerror (rc)));
}

static void s_pump (nq_engine_t *self);

static void
s_free_obj (nq_engine_t *self, void *obj)
{
    if (obj && self->io.free_obj)
        self->io.free_obj (self->io_arg, obj);
}

//  Frees a job record and the network layer's attachments.
static void
s_job_destroy (nq_engine_t *self, nq_bjob_t *job)
{
    s_free_obj (self, job->payload_obj);
    s_free_obj (self, job->result_obj);
    nq_bjob_destroy (&job);
}
static void s_worker_lost (nq_engine_t *self, nq_bworker_t *w, const char *reason, int orderly);

//  --------------------------------------------------------------------------
//  Leaving a state

static void
s_lease_end (nq_engine_t *self, nq_bjob_t *job)
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
static void
s_detach (nq_engine_t *self, nq_bjob_t *job)
{
    if (job->state == NQ_JOB_QUEUED)
        s_unqueue (self, job);
    else if (job->state == NQ_JOB_RUNNING)
        s_lease_end (self, job);
}

static void
s_dead_unlink (nq_engine_t *self, nq_bjob_t *job)
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
static void
s_purge (nq_engine_t *self, nq_bjob_t *job)
{
    if (job->state == NQ_JOB_DEAD)
        s_dead_unlink (self, job);
    s_journal (self, NQ_JEV_PURGED, job, NULL, 0, NULL);
    if (job->idempotency_key) {
        char key[1024];
        s_idem_key (job, key, sizeof key);
        if (zhashx_lookup (self->idem, key) == job)
            zhashx_delete (self->idem, key);
    }
    zhashx_delete (self->jobs, job->id);
    job->zombie = 1;
    if (job->timer_refs == 0)
        s_job_destroy (self, job);
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
static void
s_finish (nq_engine_t *self, nq_bjob_t *job, nq_job_state_t state, int code, const char *message)
{
    assert (state >= NQ_JOB_SUCCEEDED);
    s_detach (self, job);
    job->state = state;
    job->generation++;
    job->error_code = code;
    snprintf (job->error_message, sizeof job->error_message, "%s", message ? message : (code ? nq_strerror (code) : ""));
    job->ended_ms = s_now (self);
    nq_attempt_t *a = nq_bjob_attempt_current (job);
    if (a && !a->ended_ms) {
        a->ended_ms = job->ended_ms;
        a->code = code;
        snprintf (a->message, sizeof a->message, "%s", job->error_message);
    }
    static const nq_journal_event_type_t jev[] = {
        [NQ_JOB_SUCCEEDED] = NQ_JEV_SUCCEEDED, [NQ_JOB_FAILED] = NQ_JEV_FAILED, [NQ_JOB_CANCELLED] = NQ_JEV_CANCELLED,
        [NQ_JOB_EXPIRED] = NQ_JEV_EXPIRED,     [NQ_JOB_DEAD] = NQ_JEV_DEAD};
    s_journal (self, jev[state], job, NULL, code, job->error_message);
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
            s_purge (self, oldest);
        }
    }
    else
        s_job_timer (self, job, T_RETENTION, job->ended_ms + self->config.retention_ms);
}

//  --------------------------------------------------------------------------
//  Entering the queue and leaving it to run

static int
s_enqueue (nq_engine_t *self, nq_bjob_t *job, int front)
{
    char key[512];
    nq_engine_queue_key (job->kind, job->model, key, sizeof key);
    uint64_t now = s_now (self);
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
        s_finish (self, job, NQ_JOB_FAILED, NQ_EINTERNAL, "could not queue the job (out of memory)");
        return rc;
    }
    job->state = NQ_JOB_QUEUED;
    job->queued_ms = now;
    job->generation++;
    if (job->schedule_to_start_ms)
        s_job_timer (self, job, T_STS, now + job->schedule_to_start_ms);
    return 0;
}

static void
s_relay_chunk (nq_engine_t *self, nq_bjob_t *job, int restart, const void *data, size_t size)
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
    uint64_t now = s_now (self);
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
    self->running++;
    self->stats.dispatched++;
    const nq_slot_group_t *g = &w->groups[group];
    nq_bjob_attempt_begin (job, w->id, g->instance, now);
    s_journal (self, NQ_JEV_DISPATCHED, job, w->id, 0, NULL);
    self->decisions++;
    NQ_LOG_DEBUG ("job_dispatched", NQ_LU ("decision", self->decisions), NQ_LS ("job_id", job->id),
                  NQ_LS ("tenant", job->tenant), NQ_LS ("class", nq_class_name (job->klass)),
                  NQ_LS ("kind", nq_kind_name (job->kind)), NQ_LS ("model", job->model), NQ_LS ("worker", w->id),
                  NQ_LS ("instance", g->instance), NQ_LU ("attempt", job->attempt),
                  NQ_LB ("warm", nq_slot_group_is_warm (g, job->model)), NQ_LU ("waited_ms", now - job->queued_ms),
                  NQ_LS ("correlation_id", job->correlation_id));
    //  Output already sent belongs to an attempt that is over: say so first.
    if (job->next_seq > 0)
        s_relay_chunk (self, job, 1, NULL, 0);
    if (job->start_to_close_ms)
        s_job_timer (self, job, T_STC, now + job->start_to_close_ms);
    if (self->io.dispatch && self->io.dispatch (self->io_arg, w, group, job) != 0) {
        //  Could not be sent: back to the head of the queue, no attempt
        //  spent; a worker that cannot be reached holds nothing, so it is
        //  treated as lost (it must introduce itself again).
        NQ_LOG_WARN ("dispatch_failed", NQ_LS ("job_id", job->id), NQ_LS ("worker", w->id));
        s_lease_end (self, job);
        job->attempt--;
        job->history_count--;
        if (s_enqueue (self, job, 1) == 0)
            s_worker_lost (self, w, "unreachable", 0);
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
                return 1;
            const char *fb = s_fallback (self, (nq_kind_t) k, slash + 1);
            return fb && nq_registry_can_serve (self->registry, (nq_kind_t) k, fb);
        }
    }
    return 0;
}

//  Hands queued jobs to free slots while both exist.
static void
s_pump (nq_engine_t *self)
{
    nq_sched_entry_t *entry;
    while ((entry = nq_sched_pop (self->sched, s_eligible, self, NULL, NULL))) {
        nq_bjob_t *job = (nq_bjob_t *) entry;
        nq_admission_leave (self->admission, job->klass, job->tenant, 1);
        nq_bworker_t *w;
        int group;
        const char *fb = NULL;
        int placed = nq_registry_place (self->registry, job->kind, job->model, &w, &group);
        if (!placed && (fb = s_fallback (self, job->kind, job->model)))
            placed = nq_registry_place (self->registry, job->kind, fb, &w, &group);
        if (!placed || nq_bjob_set_str (&job->run_model, placed && fb ? fb : NULL)) {
            //  Eligible a moment ago: cannot happen, but never lose the job.
            s_enqueue (self, job, 1);
            return;
        }
        if (fb)
            NQ_LOG_INFO ("job_fallback", NQ_LS ("job_id", job->id), NQ_LS ("model", job->model), NQ_LS ("runs_on", fb),
                         NQ_LS ("correlation_id", job->correlation_id));
        s_start (self, job, w, group);
    }
}

//  A failed attempt: back off and retry, or dead-letter past max attempts.
static void
s_retry_or_dead (nq_engine_t *self, nq_bjob_t *job, int code, const char *message)
{
    s_detach (self, job);
    job->failures++;
    nq_attempt_t *a = nq_bjob_attempt_current (job);
    if (a && !a->ended_ms) {
        a->ended_ms = s_now (self);
        a->code = code;
        snprintf (a->message, sizeof a->message, "%s", message ? message : nq_strerror (code));
    }
    if (job->failures >= job->max_attempts) {
        char why[256];
        snprintf (why, sizeof why, "gave up after %u attempts: %s", job->failures, message ? message : nq_strerror (code));
        s_finish (self, job, NQ_JOB_DEAD, code, why);
        return;
    }
    uint64_t delay = nq_backoff_delay_ms (&self->config.retry, job->failures, &self->rng);
    job->state = NQ_JOB_RETRY_WAIT;
    job->generation++;
    self->stats.retries++;
    s_journal (self, NQ_JEV_RETRY, job, NULL, code, message);
    NQ_LOG_INFO ("job_retry", NQ_LS ("job_id", job->id), NQ_LU ("attempt", job->attempt),
                 NQ_LU ("failures", job->failures), NQ_LU ("delay_ms", delay), NQ_LS ("error", nq_error_wire (code)),
                 NQ_LS ("message", message), NQ_LS ("correlation_id", job->correlation_id));
    s_job_timer (self, job, T_RETRY, s_now (self) + delay);
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
                s_job_destroy (self, job);
        }
    }
    if (self->jobs) {
        for (nq_bjob_t *job = zhashx_first (self->jobs); job; job = zhashx_next (self->jobs)) {
            if (job->state == NQ_JOB_QUEUED)
                nq_sched_remove (self->sched, &job->entry);
            s_job_destroy (self, job);
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
        s_job_destroy (self, job);
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
        s_finish (self, job, NQ_JOB_CANCELLED, NQ_ECANCELLED, "cancelled before it was queued");
        return;
    }
    if (s_enqueue (self, job, 0) == 0) {
        if (job->schedule_to_close_ms)
            s_job_timer (self, job, T_SCLOSE, job->created_ms + job->schedule_to_close_ms);
        s_pump (self);
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
        s_free_obj (self, payload_obj);
        return NQ_EINVALID;
    }
    //  The same (tenant, idempotency key): join the existing job.
    if (sub->idempotency_key && *sub->idempotency_key) {
        char key[1024];
        snprintf (key, sizeof key, "%s\x1f%s", sub->tenant, sub->idempotency_key);
        nq_bjob_t *existing = zhashx_lookup (self->idem, key);
        if (existing && !client) {
            s_free_obj (self, payload_obj);
            return 0;    //  nobody to attach: the job exists, that is all
        }
        if (existing) {
            s_free_obj (self, payload_obj);
            nq_subscriber_t *s = nq_bjob_subscribe (existing, client, client_size, request_id);
            if (!s) {
                s_error (self, client, client_size, request_id, NULL, NQ_ENOMEM, "out of memory", 0);
                return NQ_ENOMEM;
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
        s_free_obj (self, payload_obj);
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
        s_free_obj (self, payload_obj);
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
        s_free_obj (self, payload_obj);
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
    job->created_ms = s_now (self);
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
        s_finish (self, job, NQ_JOB_CANCELLED, NQ_ECANCELLED, "cancelled");
        break;
    case NQ_JOB_RUNNING:
        if (!job->cancel_requested) {
            job->cancel_requested = 1;
            if (self->io.cancel)
                self->io.cancel (self->io_arg, job->worker, job);
            s_job_timer (self, job, T_CANCEL_GRACE, s_now (self) + self->config.cancel_grace_ms);
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
        s_error (self, client, client_size, request_id, job_id, NQ_ENOMEM, "out of memory", 0);
        return NQ_ENOMEM;
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
    w->last_seen_ms = s_now (self);
    return w;
}

//  A lease ended without a result because its worker is gone: the job goes
//  back to the head of its queue at once, and the attempt counts.
static void
s_requeue_lost (nq_engine_t *self, nq_bjob_t *job, const char *why)
{
    s_lease_end (self, job);
    if (job->cancel_requested) {
        s_finish (self, job, NQ_JOB_CANCELLED, NQ_ECANCELLED, "cancelled");
        return;
    }
    job->failures++;
    nq_attempt_t *a = nq_bjob_attempt_current (job);
    if (a && !a->ended_ms) {
        a->ended_ms = s_now (self);
        a->code = NQ_EUNAVAILABLE;
        snprintf (a->message, sizeof a->message, "%s", why);
    }
    if (job->failures >= job->max_attempts) {
        char msg[256];
        snprintf (msg, sizeof msg, "gave up after %u attempts: %s", job->failures, why);
        s_finish (self, job, NQ_JOB_DEAD, NQ_EUNAVAILABLE, msg);
        return;
    }
    self->stats.requeued++;
    s_journal (self, NQ_JEV_REQUEUED, job, NULL, NQ_EUNAVAILABLE, why);
    s_enqueue (self, job, 1);
}

static void
s_worker_lost (nq_engine_t *self, nq_bworker_t *w, const char *reason, int orderly)
{
    uint64_t silence = s_now (self) - w->last_seen_ms;
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
        s_requeue_lost (self, w->leases, why);
    if (w->timer_refs == 0)
        nq_bworker_destroy (&w);
    s_pump (self);
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
        s_worker_lost (self, old, "ready again", 0);
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
    uint64_t now = s_now (self);
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
    s_worker_timer (self, w, T_HB_CHECK, now + hb * live);
    s_worker_timer (self, w, T_HB_SEND, now + hb);
    s_pump (self);
    return 0;
}

int
nq_engine_worker_seen (nq_engine_t *self, const void *identity, size_t size)
{
    return s_worker (self, identity, size) ? 0 : NQ_ENOT_FOUND;
}

int
nq_engine_worker_credit (nq_engine_t *self, const void *identity, size_t size, const char *instance, nq_kind_t kind,
                         uint32_t capacity)
{
    nq_bworker_t *w = s_worker (self, identity, size);
    if (!w)
        return NQ_ENOT_FOUND;
    int found = 0;
    for (size_t g = 0; g < w->ngroups; g++) {
        nq_slot_group_t *group = &w->groups[g];
        if (strcmp (group->instance, instance) != 0 || (kind != NQ_KIND_NONE && !(group->kinds & (1u << kind))))
            continue;
        found = 1;
        if (group->capacity != capacity)
            NQ_LOG_INFO ("worker_credit", NQ_LS ("worker", w->id), NQ_LS ("instance", instance),
                         NQ_LU ("from", group->capacity), NQ_LU ("to", capacity));
        group->capacity = capacity;
    }
    if (!found)
        return NQ_ENOT_FOUND;
    s_pump (self);
    return 0;
}

int
nq_engine_worker_warm (nq_engine_t *self, const void *identity, size_t size, const char *instance,
                       const char *const *warm, size_t nwarm)
{
    nq_bworker_t *w = s_worker (self, identity, size);
    if (!w)
        return NQ_ENOT_FOUND;
    int found = 0;
    for (size_t g = 0; g < w->ngroups; g++)
        if (strcmp (w->groups[g].instance, instance) == 0) {
            found = 1;
            if (nq_registry_set_warm (&w->groups[g], warm, nwarm))
                return NQ_ENOMEM;
        }
    return found ? 0 : NQ_ENOT_FOUND;
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
    s_relay_chunk (self, job, restart, data, data_size);
    return 0;
}

int
nq_engine_worker_result (nq_engine_t *self, const void *identity, size_t size, const char *job_id, uint32_t attempt,
                         const void *result, size_t result_size, void *result_obj)
{
    nq_bjob_t *job;
    int rc = s_lease (self, identity, size, job_id, attempt, &job);
    if (rc) {
        s_free_obj (self, result_obj);
        return rc;
    }
    s_free_obj (self, job->result_obj);
    job->result_obj = result_obj;
    if (nq_bytes_set (&job->result, result, result_size)) {
        s_finish (self, job, NQ_JOB_FAILED, NQ_EINTERNAL, "out of memory storing the result");
        s_pump (self);
        return NQ_ENOMEM;
    }
    s_finish (self, job, NQ_JOB_SUCCEEDED, 0, NULL);
    s_pump (self);
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
        s_finish (self, job, NQ_JOB_CANCELLED, NQ_ECANCELLED, "cancelled");
    else if (retryable)
        s_retry_or_dead (self, job, code, message);
    else
        s_finish (self, job, NQ_JOB_FAILED, code, message);
    s_pump (self);
    return 0;
}

int
nq_engine_worker_release (nq_engine_t *self, const void *identity, size_t size, const char *job_id, uint32_t attempt)
{
    nq_bjob_t *job;
    int rc = s_lease (self, identity, size, job_id, attempt, &job);
    if (rc)
        return rc;
    s_lease_end (self, job);
    nq_attempt_t *a = nq_bjob_attempt_current (job);
    if (a && !a->ended_ms) {
        a->ended_ms = s_now (self);
        snprintf (a->message, sizeof a->message, "handed back by the worker");
    }
    if (job->cancel_requested)
        s_finish (self, job, NQ_JOB_CANCELLED, NQ_ECANCELLED, "cancelled");
    else {
        self->stats.requeued++;
        s_journal (self, NQ_JEV_REQUEUED, job, NULL, 0, "handed back by the worker");
        s_enqueue (self, job, 1);
    }
    s_pump (self);
    return 0;
}

int
nq_engine_worker_gone (nq_engine_t *self, const void *identity, size_t size, const char *reason, int orderly)
{
    nq_bworker_t *w = nq_registry_find (self->registry, identity, size);
    if (!w)
        return NQ_ENOT_FOUND;
    s_worker_lost (self, w, reason ? reason : "gone", orderly);
    return 0;
}

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
            s_pump (self);
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
    s_dead_unlink (self, job);
    job->failures = 0;
    job->error_code = 0;
    job->error_message[0] = '\0';
    job->ended_ms = 0;
    s_journal (self, NQ_JEV_DLQ_RETRIED, job, NULL, 0, NULL);
    NQ_LOG_INFO ("dead_letter_retried", NQ_LS ("job_id", job->id), NQ_LU ("attempts_so_far", job->attempt));
    job->state = NQ_JOB_RETRY_WAIT;
    if (s_enqueue (self, job, 0) == 0)
        s_pump (self);
    return 0;
}

//  --------------------------------------------------------------------------
//  Deadlines

uint64_t
nq_engine_next_deadline (const nq_engine_t *self)
{
    return nq_timers_next (self->timers);
}

static void
s_job_due (nq_engine_t *self, nq_bjob_t *job, const nq_timer_t *t)
{
    int current = t->generation == job->generation;
    switch (t->kind) {
    case T_STS:
        if (current && job->state == NQ_JOB_QUEUED)
            s_finish (self, job, NQ_JOB_EXPIRED, NQ_EDEADLINE, "not started within schedule_to_start");
        break;
    case T_STC:
        if (current && job->state == NQ_JOB_RUNNING && !job->cancel_requested) {
            if (self->io.cancel)
                self->io.cancel (self->io_arg, job->worker, job);
            s_retry_or_dead (self, job, NQ_EDEADLINE, "attempt ran past start_to_close");
            s_pump (self);
        }
        break;
    case T_SCLOSE:
        if (!nq_bjob_is_terminal (job) && job->state != NQ_JOB_PENDING) {
            if (job->state == NQ_JOB_RUNNING && self->io.cancel)
                self->io.cancel (self->io_arg, job->worker, job);
            s_finish (self, job, NQ_JOB_EXPIRED, NQ_EDEADLINE, "not done within schedule_to_close");
            s_pump (self);
        }
        break;
    case T_RETRY:
        if (current && job->state == NQ_JOB_RETRY_WAIT) {
            self->stats.requeued++;
            s_journal (self, NQ_JEV_REQUEUED, job, NULL, 0, "backoff over");
            if (s_enqueue (self, job, 0) == 0)
                s_pump (self);
        }
        break;
    case T_CANCEL_GRACE:
        if (current && job->state == NQ_JOB_RUNNING && job->cancel_requested) {
            NQ_LOG_WARN ("cancel_unconfirmed", NQ_LS ("job_id", job->id),
                         NQ_LS ("worker", job->worker ? job->worker->id : NULL));
            s_finish (self, job, NQ_JOB_CANCELLED, NQ_ECANCELLED, "cancelled (the worker did not confirm)");
            s_pump (self);
        }
        break;
    case T_RETENTION:
        if (current && nq_bjob_is_terminal (job))
            s_purge (self, job);
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
    uint64_t now = s_now (self);
    if (t->kind == T_HB_SEND) {
        if (self->io.heartbeat)
            self->io.heartbeat (self->io_arg, w);
        s_worker_timer (self, w, T_HB_SEND, now + w->heartbeat_ms);
        return;
    }
    uint64_t expiry = w->last_seen_ms + w->heartbeat_ms * w->liveness;
    if (now >= expiry)
        s_worker_lost (self, w, "heartbeat", 0);
    else
        s_worker_timer (self, w, T_HB_CHECK, expiry);
}

void
nq_engine_tick (nq_engine_t *self)
{
    uint64_t now = s_now (self);
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
