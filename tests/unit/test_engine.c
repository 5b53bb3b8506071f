/*  test_engine.c — the broker engine's rules on a driven clock, through a
    fake network layer that records what would go on the wire. */
#include "nqtest.h"

#include "broker/engine.h"
#include "broker/journal_mem.h"
#include "common/errors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EV 40000

typedef struct {
    char job[40];
    char worker[64];
    char instance[64];
    uint32_t attempt;
    char tenant[16];
    nq_class_t klass;
} s_dispatch_t;

typedef struct {
    nq_clock_t *clock;
    nq_journal_t *journal;
    nq_engine_t *engine;
    s_dispatch_t *dispatches;
    size_t ndispatch;
    size_t ncancel;
    char last_cancel[40];
    size_t naccepted, nexisting;
    size_t nerror;
    int last_error;
    uint64_t last_retry_after;
    size_t nchunk, nrestart;
    uint64_t last_seq;
    size_t nfinished;
    char last_finished[40];
    nq_job_state_t last_state;
    size_t nheartbeat, ndisconnect;
    int fail_dispatch;
} s_fix_t;

static int
s_io_dispatch (void *arg, const nq_bworker_t *w, int group, const nq_bjob_t *job)
{
    s_fix_t *f = arg;
    if (f->fail_dispatch) {
        f->fail_dispatch--;
        return -1;
    }
    assert_true (f->ndispatch < MAX_EV);
    s_dispatch_t *d = &f->dispatches[f->ndispatch++];
    snprintf (d->job, sizeof d->job, "%s", job->id);
    snprintf (d->worker, sizeof d->worker, "%s", w->id);
    snprintf (d->instance, sizeof d->instance, "%s", w->groups[group].instance);
    snprintf (d->tenant, sizeof d->tenant, "%s", job->tenant);
    d->attempt = job->attempt;
    d->klass = job->klass;
    return 0;
}

static void
s_io_cancel (void *arg, const nq_bworker_t *w, const nq_bjob_t *job)
{
    s_fix_t *f = arg;
    (void) w;
    f->ncancel++;
    snprintf (f->last_cancel, sizeof f->last_cancel, "%s", job->id);
}

static void
s_io_heartbeat (void *arg, const nq_bworker_t *w)
{
    (void) w;
    ((s_fix_t *) arg)->nheartbeat++;
}

static void
s_io_disconnect (void *arg, const void *identity, size_t size, const char *reason)
{
    (void) identity, (void) size, (void) reason;
    ((s_fix_t *) arg)->ndisconnect++;
}

static void
s_io_accepted (void *arg, const nq_bytes_t *client, uint64_t request_id, const nq_bjob_t *job, int existing)
{
    s_fix_t *f = arg;
    (void) client, (void) request_id, (void) job;
    f->naccepted++;
    if (existing)
        f->nexisting++;
}

static void
s_io_error (void *arg, const nq_bytes_t *client, uint64_t request_id, const char *job_id, int code, const char *message,
            uint64_t retry_after_ms)
{
    s_fix_t *f = arg;
    (void) client, (void) request_id, (void) job_id, (void) message;
    f->nerror++;
    f->last_error = code;
    f->last_retry_after = retry_after_ms;
}

static void
s_io_chunk (void *arg, const nq_bytes_t *client, uint64_t request_id, const nq_bjob_t *job, const nq_engine_chunk_t *c)
{
    s_fix_t *f = arg;
    (void) client, (void) request_id, (void) job;
    f->nchunk++;
    if (c->restart)
        f->nrestart++;
    f->last_seq = c->seq;
}

static void
s_io_finished (void *arg, const nq_bytes_t *client, uint64_t request_id, const nq_bjob_t *job)
{
    s_fix_t *f = arg;
    (void) client, (void) request_id;
    f->nfinished++;
    snprintf (f->last_finished, sizeof f->last_finished, "%s", job->id);
    f->last_state = job->state;
}

static void
s_io_free_obj (void *arg, void *obj)
{
    (void) arg;
    free (obj);
}

static const nq_engine_io_t s_io = {s_io_dispatch, s_io_cancel, s_io_heartbeat, s_io_disconnect, s_io_accepted,
                                    s_io_error,    s_io_chunk,  s_io_finished,  s_io_free_obj};

static s_fix_t *
s_fix (nq_engine_config_t *config)
{
    s_fix_t *f = calloc (1, sizeof *f);
    f->dispatches = calloc (MAX_EV, sizeof *f->dispatches);
    f->clock = nq_clock_new_manual (1000, 1700000000000ULL);
    f->journal = nq_journal_mem_new ();
    nq_engine_config_t defaults;
    if (!config) {
        nq_engine_config_defaults (&defaults);
        defaults.seed = 42;
        config = &defaults;
    }
    f->engine = nq_engine_new (config, f->clock, f->journal, &s_io, f);
    assert_non_null (f->engine);
    return f;
}

static void
s_fix_free (s_fix_t *f)
{
    nq_engine_destroy (&f->engine);
    nq_journal_destroy (&f->journal);
    nq_clock_destroy (&f->clock);
    free (f->dispatches);
    free (f);
}

static void
s_worker (s_fix_t *f, const char *identity, uint32_t slots, const char *warm)
{
    const char *warm_list[1] = {warm};
    nq_slot_group_desc_t g = {"gpu0", NQ_KINDS_ALL, NULL, 0, warm ? warm_list : NULL, warm ? 1u : 0u, slots};
    uint64_t hb;
    uint32_t live;
    assert_int_equal (nq_engine_worker_ready (f->engine, identity, strlen (identity), identity, &g, 1, 1000, 3, &hb, &live), 0);
    assert_int_equal (hb, 1000);
    assert_int_equal (live, 3);
}

static int
s_submit (s_fix_t *f, const char *id, const char *tenant, nq_class_t klass, const char *model)
{
    //  Every job carries an attachment: ASan proves the engine frees each one.
    nq_engine_submit_t sub = {.id = id, .kind = klass == NQ_CLASS_BULK ? NQ_KIND_EMBED : NQ_KIND_CHAT,
                       .model = model ? model : "m", .tenant = tenant, .klass = klass,
                       .payload = "{}", .payload_size = 2, .payload_obj = malloc (24)};
    return nq_engine_submit (f->engine, &sub, "client", 6, 1);
}

static const char *
s_hex (const char *identity)
{
    static char buf[64];
    size_t n = 0;
    for (const char *p = identity; *p && n + 2 < sizeof buf; p++)
        n += (size_t) snprintf (buf + n, sizeof buf - n, "%02x", (unsigned char) *p);
    return buf;
}

static void
test_submit_dispatch_result (void **state)
{
    (void) state;
    s_fix_t *f = s_fix (NULL);
    assert_int_equal (s_submit (f, "j1", "t", NQ_CLASS_INTERACTIVE, NULL), 0);
    assert_int_equal (f->naccepted, 1);
    assert_int_equal (f->ndispatch, 0);    //  no worker yet: queued
    assert_int_equal (nq_engine_job (f->engine, "j1")->state, NQ_JOB_QUEUED);
    s_worker (f, "w1", 1, NULL);
    assert_int_equal (f->ndispatch, 1);
    assert_string_equal (f->dispatches[0].job, "j1");
    assert_int_equal (f->dispatches[0].attempt, 1);
    assert_int_equal (nq_engine_running (f->engine), 1);
    assert_int_equal (nq_engine_worker_chunk (f->engine, "w1", 2, "j1", 1, 0, 0, "he", 2), 0);
    assert_int_equal (nq_engine_worker_chunk (f->engine, "w1", 2, "j1", 1, 0, 0, "he", 2), 0);    //  duplicate
    assert_int_equal (nq_engine_worker_chunk (f->engine, "w1", 2, "j1", 1, 1, 0, "llo", 3), 0);
    assert_int_equal (f->nchunk, 2);
    assert_int_equal (f->last_seq, 1);
    assert_int_equal (nq_engine_worker_result (f->engine, "w1", 2, "j1", 1, "R", 1, malloc (8)), 0);
    assert_int_equal (f->nfinished, 1);
    assert_int_equal (f->last_state, NQ_JOB_SUCCEEDED);
    const nq_bjob_t *job = nq_engine_job (f->engine, "j1");
    assert_int_equal (job->result.size, 1);
    assert_int_equal (nq_engine_running (f->engine), 0);
    //  Retention: queryable until it passes, then purged.
    nq_clock_advance (f->clock, 600000);
    nq_engine_tick (f->engine);
    assert_null (nq_engine_job (f->engine, "j1"));
    nq_journal_mem_stats_t js;
    nq_journal_mem_stats (f->journal, &js);
    assert_int_equal (js.events[NQ_JEV_PURGED], 1);
    assert_int_equal (js.violations, 0);
    assert_int_equal (js.jobs_tracked, 0);
    s_fix_free (f);
}

//  Acceptance (fairness): tenant A has 10,000 jobs queued, then B submits one
//  of the same class; B's job is among the next two dispatch decisions.
static void
test_fairness_from_dispatch_decisions (void **state)
{
    (void) state;
    s_fix_t *f = s_fix (NULL);
    nq_engine_config_t c;
    nq_engine_config_defaults (&c);
    s_worker (f, "w1", 1, NULL);
    char id[32];
    for (int i = 0; i < 10000; i++) {
        snprintf (id, sizeof id, "a%d", i);
        assert_int_equal (s_submit (f, id, "A", NQ_CLASS_INTERACTIVE, NULL), 0);
    }
    //  A few of A's jobs complete before B arrives.
    for (int i = 0; i < 5; i++) {
        s_dispatch_t *d = &f->dispatches[f->ndispatch - 1];
        assert_int_equal (nq_engine_worker_result (f->engine, "w1", 2, d->job, d->attempt, "", 0, NULL), 0);
    }
    assert_int_equal (s_submit (f, "b0", "B", NQ_CLASS_INTERACTIVE, NULL), 0);
    size_t b_submitted_at = f->ndispatch;
    size_t b_at = 0;
    for (int i = 0; i < 3 && !b_at; i++) {
        s_dispatch_t *d = &f->dispatches[f->ndispatch - 1];
        assert_int_equal (nq_engine_worker_result (f->engine, "w1", 2, d->job, d->attempt, "", 0, NULL), 0);
        if (strcmp (f->dispatches[f->ndispatch - 1].tenant, "B") == 0)
            b_at = f->ndispatch - b_submitted_at;
    }
    assert_true (b_at >= 1 && b_at <= 2);
    s_fix_free (f);
}

//  Acceptance (class shares): with all three classes backlogged, 1,000
//  consecutive dispatches split within ±5 % of the weights.
static void
test_class_shares_in_dispatch (void **state)
{
    (void) state;
    s_fix_t *f = s_fix (NULL);
    char id[32];
    static const nq_class_t classes[] = {NQ_CLASS_INTERACTIVE, NQ_CLASS_STANDARD, NQ_CLASS_BULK};
    for (int i = 0; i < 3000; i++) {
        snprintf (id, sizeof id, "j%d", i);
        assert_int_equal (s_submit (f, id, i % 2 ? "x" : "y", classes[i % 3], "m"), 0);
    }
    s_worker (f, "w1", 1, NULL);
    int count[4] = {0, 0, 0, 0};
    for (int i = 0; i < 1000; i++) {
        s_dispatch_t *d = &f->dispatches[f->ndispatch - 1];
        count[d->klass]++;
        assert_int_equal (nq_engine_worker_result (f->engine, "w1", 2, d->job, d->attempt, "", 0, NULL), 0);
    }
    int expect[4] = {0, 700, 200, 100};
    for (int c = 1; c < 4; c++)
        if (abs (count[c] - expect[c]) > expect[c] / 20)
            fail_msg ("class %d: %d of 1000, expected %d", c, count[c], expect[c]);
    s_fix_free (f);
}

//  A silent worker is dead after liveness × interval; its leases go to
//  another worker with the next attempt number; its late result is refused.
static void
test_dead_worker_leases_move (void **state)
{
    (void) state;
    s_fix_t *f = s_fix (NULL);
    s_worker (f, "w1", 2, NULL);
    assert_int_equal (s_submit (f, "j1", "t", NQ_CLASS_INTERACTIVE, NULL), 0);
    assert_int_equal (s_submit (f, "j2", "t", NQ_CLASS_INTERACTIVE, NULL), 0);
    assert_int_equal (f->ndispatch, 2);
    s_worker (f, "w2", 2, NULL);
    //  w2 keeps talking; w1 falls silent.
    for (int i = 0; i < 2; i++) {
        nq_clock_advance (f->clock, 1000);
        nq_engine_worker_seen (f->engine, "w2", 2);
        nq_engine_tick (f->engine);
    }
    assert_int_equal (f->ndispatch, 2);    //  2 s of silence: not yet dead
    nq_clock_advance (f->clock, 1000);
    nq_engine_worker_seen (f->engine, "w2", 2);
    nq_engine_tick (f->engine);            //  3 s = 3 × 1000 ms: dead
    assert_int_equal (f->ndispatch, 4);
    for (size_t i = 2; i < 4; i++) {
        assert_string_equal (f->dispatches[i].worker, s_hex ("w2"));
        assert_int_equal (f->dispatches[i].attempt, 2);
    }
    assert_true (f->nheartbeat >= 2);
    nq_engine_stats_t st;
    nq_engine_stats (f->engine, &st);
    assert_int_equal (st.workers_dead, 1);
    //  The dead worker speaks again: unknown, told to disconnect; nothing completes.
    assert_int_equal (nq_engine_worker_result (f->engine, "w1", 2, "j1", 1, "", 0, NULL), NQ_ENOT_FOUND);
    assert_int_equal (f->ndisconnect, 1);
    assert_int_equal (f->nfinished, 0);
    assert_int_equal (nq_engine_worker_result (f->engine, "w2", 2, "j1", 2, "", 0, NULL), 0);
    assert_int_equal (nq_engine_worker_result (f->engine, "w2", 2, "j2", 2, "", 0, NULL), 0);
    assert_int_equal (f->nfinished, 2);
    s_fix_free (f);
}

//  Acceptance (stale epoch): a result for a superseded attempt is refused
//  and does not complete the job.
static void
test_stale_epoch_rejected (void **state)
{
    (void) state;
    s_fix_t *f = s_fix (NULL);
    s_worker (f, "w1", 1, NULL);
    nq_engine_submit_t sub = {.id = "j1", .kind = NQ_KIND_CHAT, .model = "m", .tenant = "t", .klass = NQ_CLASS_INTERACTIVE,
                       .start_to_close_ms = 5000};
    assert_int_equal (nq_engine_submit (f->engine, &sub, "c", 1, 1), 0);
    assert_int_equal (f->dispatches[0].attempt, 1);
    //  Attempt 1 runs past start_to_close: cancelled, retried after backoff as attempt 2.
    for (int i = 0; i < 5; i++) {
        nq_clock_advance (f->clock, 1000);
        nq_engine_worker_seen (f->engine, "w1", 2);
        nq_engine_tick (f->engine);
    }
    assert_int_equal (f->ncancel, 1);
    for (int i = 0; i < 3 && f->ndispatch < 2; i++) {
        nq_clock_advance (f->clock, 500);
        nq_engine_worker_seen (f->engine, "w1", 2);
        nq_engine_tick (f->engine);
    }
    assert_int_equal (f->ndispatch, 2);
    assert_int_equal (f->dispatches[1].attempt, 2);
    //  The forged/late result of attempt 1 is refused.
    assert_int_equal (nq_engine_worker_result (f->engine, "w1", 2, "j1", 1, "old", 3, NULL), NQ_ESTALE);
    assert_int_equal (nq_engine_worker_chunk (f->engine, "w1", 2, "j1", 1, 0, 0, "x", 1), NQ_ESTALE);
    assert_int_equal (f->nfinished, 0);
    assert_int_equal (nq_engine_job (f->engine, "j1")->state, NQ_JOB_RUNNING);
    assert_int_equal (nq_engine_worker_result (f->engine, "w1", 2, "j1", 2, "new", 3, NULL), 0);
    assert_int_equal (f->last_state, NQ_JOB_SUCCEEDED);
    nq_engine_stats_t st;
    nq_engine_stats (f->engine, &st);
    assert_int_equal (st.stale, 2);
    s_fix_free (f);
}

static void
s_count_dead (void *arg, const nq_bjob_t *job)
{
    assert_int_equal (job->state, NQ_JOB_DEAD);
    (*(int *) arg)++;
}

//  Acceptance (backoff, dead letters): retries wait exactly the backoff
//  formula's delays; past max attempts the job is dead with its history;
//  an operator retries it and it completes.
static void
test_backoff_then_dead_letter_then_retry (void **state)
{
    (void) state;
    nq_engine_config_t c;
    nq_engine_config_defaults (&c);
    c.retry = (nq_backoff_t){.min_ms = 1000, .max_ms = 60000, .factor = 2.0, .jitter = 0.0};
    c.max_attempts[NQ_KIND_CHAT] = 4;
    s_fix_t *f = s_fix (&c);
    s_worker (f, "w1", 1, NULL);
    assert_int_equal (s_submit (f, "j1", "t", NQ_CLASS_INTERACTIVE, NULL), 0);
    uint64_t expect_delay[] = {1000, 2000, 4000};
    for (int attempt = 1; attempt <= 4; attempt++) {
        assert_int_equal (f->ndispatch, (size_t) attempt);
        assert_int_equal (nq_engine_worker_fail (f->engine, "w1", 2, "j1", (uint32_t) attempt, NQ_EUPSTREAM_FAILED,
                                                 "503 from upstream", 1),
                          0);
        if (attempt == 4)
            break;
        //  Not one millisecond early…
        nq_clock_advance (f->clock, expect_delay[attempt - 1] - 1);
        nq_engine_worker_seen (f->engine, "w1", 2);
        nq_engine_tick (f->engine);
        assert_int_equal (f->ndispatch, (size_t) attempt);
        //  …and exactly on time.
        nq_clock_advance (f->clock, 1);
        nq_engine_tick (f->engine);
    }
    const nq_bjob_t *job = nq_engine_job (f->engine, "j1");
    assert_int_equal (job->state, NQ_JOB_DEAD);
    assert_int_equal (job->history_count, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal (job->history[i].attempt, i + 1);
        assert_int_equal (job->history[i].code, NQ_EUPSTREAM_FAILED);
        assert_string_equal (job->history[i].message, "503 from upstream");
    }
    assert_int_equal (f->last_state, NQ_JOB_DEAD);
    int dead = 0;
    nq_engine_dead_each (f->engine, s_count_dead, &dead);
    assert_int_equal (dead, 1);
    assert_int_equal (nq_engine_dead_retry (f->engine, "j1"), 0);
    assert_int_equal (f->ndispatch, 5);
    assert_int_equal (f->dispatches[4].attempt, 5);
    assert_int_equal (nq_engine_worker_result (f->engine, "w1", 2, "j1", 5, "", 0, NULL), 0);
    assert_int_equal (nq_engine_job (f->engine, "j1")->state, NQ_JOB_SUCCEEDED);
    assert_int_equal (nq_engine_dead_retry (f->engine, "j1"), NQ_ENOT_FOUND);
    nq_journal_mem_stats_t js;
    nq_journal_mem_stats (f->journal, &js);
    assert_int_equal (js.violations, 0);
    assert_int_equal (js.jobs_open, 0);
    s_fix_free (f);
}

//  Cancel: a queued job at once; a running one through its worker, or after
//  the grace period when the worker does not answer.
static void
test_cancel (void **state)
{
    (void) state;
    s_fix_t *f = s_fix (NULL);
    assert_int_equal (s_submit (f, "q", "t", NQ_CLASS_INTERACTIVE, NULL), 0);
    assert_int_equal (nq_engine_cancel (f->engine, "q", "c2", 2, 9), 0);
    assert_int_equal (f->last_state, NQ_JOB_CANCELLED);
    assert_string_equal (f->last_finished, "q");
    assert_int_equal (nq_engine_cancel (f->engine, "nope", "c2", 2, 9), NQ_ENOT_FOUND);
    assert_int_equal (f->last_error, NQ_ENOT_FOUND);
    s_worker (f, "w1", 2, NULL);
    assert_int_equal (f->ndispatch, 0);    //  the cancelled job never runs
    assert_int_equal (s_submit (f, "r1", "t", NQ_CLASS_INTERACTIVE, NULL), 0);
    assert_int_equal (s_submit (f, "r2", "t", NQ_CLASS_INTERACTIVE, NULL), 0);
    assert_int_equal (nq_engine_cancel (f->engine, "r1", "c2", 2, 9), 0);
    assert_int_equal (f->ncancel, 1);
    assert_string_equal (f->last_cancel, "r1");
    assert_int_equal (nq_engine_job (f->engine, "r1")->state, NQ_JOB_RUNNING);
    //  The worker aborts and answers.
    assert_int_equal (nq_engine_worker_fail (f->engine, "w1", 2, "r1", 1, NQ_ECANCELLED, "aborted", 0), 0);
    assert_int_equal (nq_engine_job (f->engine, "r1")->state, NQ_JOB_CANCELLED);
    //  r2's worker never answers the cancel: cancelled after the grace period.
    assert_int_equal (nq_engine_cancel (f->engine, "r2", "c2", 2, 9), 0);
    nq_clock_advance (f->clock, 2500);
    nq_engine_worker_seen (f->engine, "w1", 2);
    nq_engine_tick (f->engine);
    assert_int_equal (nq_engine_job (f->engine, "r2")->state, NQ_JOB_RUNNING);
    nq_clock_advance (f->clock, 2500);
    nq_engine_worker_seen (f->engine, "w1", 2);
    nq_engine_tick (f->engine);
    assert_int_equal (nq_engine_job (f->engine, "r2")->state, NQ_JOB_CANCELLED);
    assert_int_equal (nq_engine_running (f->engine), 0);
    s_fix_free (f);
}

//  Acceptance (admission): over the bound a submission is refused with
//  overloaded and a retry hint; every accepted job ends in a terminal state.
static void
test_admission_and_accounting (void **state)
{
    (void) state;
    nq_engine_config_t c;
    nq_engine_config_defaults (&c);
    c.admission.max_total = 100;
    c.seed = 1;
    s_fix_t *f = s_fix (&c);
    char id[32];
    int refused = 0;
    for (int i = 0; i < 150; i++) {
        snprintf (id, sizeof id, "j%d", i);
        int rc = s_submit (f, id, i % 2 ? "a" : "b", NQ_CLASS_STANDARD, NULL);
        if (rc == NQ_EOVERLOADED) {
            refused++;
            assert_int_equal (f->last_error, NQ_EOVERLOADED);
            assert_true (f->last_retry_after >= 100);
        }
        else
            assert_int_equal (rc, 0);
    }
    assert_int_equal (refused, 50);
    assert_int_equal (f->naccepted, 100);
    //  Work them off: some succeed, some fail for good, some are cancelled.
    s_worker (f, "w1", 4, NULL);
    int round = 0;
    while (nq_engine_running (f->engine) > 0) {
        s_dispatch_t *d = &f->dispatches[f->ndispatch - 1];
        if (round % 7 == 0)
            nq_engine_worker_fail (f->engine, "w1", 2, d->job, d->attempt, NQ_EINVALID, "bad input", 0);
        else
            nq_engine_worker_result (f->engine, "w1", 2, d->job, d->attempt, "", 0, NULL);
        //  Other running jobs: finish the oldest outstanding too.
        for (size_t i = 0; i < f->ndispatch; i++) {
            const nq_bjob_t *j = nq_engine_job (f->engine, f->dispatches[i].job);
            if (j && j->state == NQ_JOB_RUNNING && j->attempt == f->dispatches[i].attempt) {
                nq_engine_worker_result (f->engine, "w1", 2, j->id, j->attempt, "", 0, NULL);
                break;
            }
        }
        round++;
    }
    nq_journal_mem_stats_t js;
    nq_journal_mem_stats (f->journal, &js);
    assert_int_equal (js.events[NQ_JEV_SUBMITTED], 100);
    assert_int_equal (js.jobs_open, 0);
    assert_int_equal (js.violations, 0);
    assert_int_equal (js.events[NQ_JEV_SUCCEEDED] + js.events[NQ_JEV_FAILED], 100);
    s_fix_free (f);
}

//  The same (tenant, idempotency key) joins the first job and its stream.
static void
test_idempotency_coalesces (void **state)
{
    (void) state;
    s_fix_t *f = s_fix (NULL);
    s_worker (f, "w1", 1, NULL);
    nq_engine_submit_t sub = {.id = "j1", .kind = NQ_KIND_CHAT, .model = "m", .tenant = "t", .klass = NQ_CLASS_INTERACTIVE,
                       .idempotency_key = "turn-42"};
    assert_int_equal (nq_engine_submit (f->engine, &sub, "c1", 2, 1), 0);
    nq_engine_worker_chunk (f->engine, "w1", 2, "j1", 1, 0, 0, "a", 1);
    sub.id = "j1-again";
    assert_int_equal (nq_engine_submit (f->engine, &sub, "c2", 2, 7), 0);
    assert_int_equal (f->naccepted, 2);
    assert_int_equal (f->nexisting, 1);
    assert_int_equal (f->nchunk, 2);    //  the kept chunk replayed to the newcomer
    assert_null (nq_engine_job (f->engine, "j1-again"));
    assert_int_equal (f->ndispatch, 1);
    nq_engine_worker_result (f->engine, "w1", 2, "j1", 1, "", 0, NULL);
    assert_int_equal (f->nfinished, 2);    //  both callers get the result
    //  Another tenant with the same key is another job.
    sub.id = "j2";
    sub.tenant = "u";
    assert_int_equal (nq_engine_submit (f->engine, &sub, "c3", 2, 1), 0);
    assert_non_null (nq_engine_job (f->engine, "j2"));
    s_fix_free (f);
}

//  Streams: sequence numbers, resubscription from a sequence, and a restart
//  marker when a new attempt follows output that was already sent.
static void
test_stream_resubscribe_and_restart (void **state)
{
    (void) state;
    s_fix_t *f = s_fix (NULL);
    s_worker (f, "w1", 1, NULL);
    s_submit (f, "j1", "t", NQ_CLASS_INTERACTIVE, NULL);
    for (uint64_t s = 0; s < 5; s++)
        nq_engine_worker_chunk (f->engine, "w1", 2, "j1", 1, s, 0, "x", 1);
    assert_int_equal (f->nchunk, 5);
    size_t before = f->nchunk;
    assert_int_equal (nq_engine_subscribe (f->engine, "j1", 3, "c9", 2, 1), 0);
    assert_int_equal (f->nchunk - before, 2);    //  seq 3 and 4 replayed
    assert_int_equal (f->last_seq, 4);
    //  The worker dies; the new attempt starts with a restart marker.
    s_worker (f, "w2", 1, NULL);
    nq_engine_worker_gone (f->engine, "w1", 2, "disconnected", 0);
    assert_int_equal (f->ndispatch, 2);
    assert_true (f->nrestart >= 1);
    assert_int_equal (nq_engine_subscribe (f->engine, "nope", 0, "c9", 2, 1), NQ_ENOT_FOUND);
    //  Followers are bounded: past the limit a subscription is refused.
    int refused = 0;
    for (uint64_t rid = 100; rid < 100 + NQ_JOB_MAX_SUBSCRIBERS + 5; rid++)
        refused += nq_engine_subscribe (f->engine, "j1", 0, "many", 4, rid) == NQ_EOVERLOADED;
    assert_true (refused >= 5);
    assert_int_equal (f->last_error, NQ_EOVERLOADED);
    s_fix_free (f);
}

//  schedule_to_start expires a job nobody picked up; schedule_to_close
//  bounds a running one.
static void
test_deadlines (void **state)
{
    (void) state;
    s_fix_t *f = s_fix (NULL);
    nq_engine_submit_t sub = {.id = "late", .kind = NQ_KIND_CHAT, .model = "m", .tenant = "t", .klass = NQ_CLASS_INTERACTIVE,
                       .schedule_to_start_ms = 2000};
    nq_engine_submit (f->engine, &sub, "c", 1, 1);
    nq_clock_advance (f->clock, 2000);
    nq_engine_tick (f->engine);
    assert_int_equal (nq_engine_job (f->engine, "late")->state, NQ_JOB_EXPIRED);
    assert_int_equal (nq_engine_job (f->engine, "late")->error_code, NQ_EDEADLINE);
    s_worker (f, "w1", 1, NULL);
    nq_engine_submit_t sub2 = {.id = "slow", .kind = NQ_KIND_CHAT, .model = "m", .tenant = "t",
                        .klass = NQ_CLASS_INTERACTIVE, .schedule_to_close_ms = 1500};
    nq_engine_submit (f->engine, &sub2, "c", 1, 1);
    assert_int_equal (f->ndispatch, 1);
    nq_clock_advance (f->clock, 1500);
    nq_engine_worker_seen (f->engine, "w1", 2);
    nq_engine_tick (f->engine);
    assert_int_equal (nq_engine_job (f->engine, "slow")->state, NQ_JOB_EXPIRED);
    assert_int_equal (f->ncancel, 1);    //  the worker is told to stop
    assert_int_equal (nq_engine_running (f->engine), 0);
    s_fix_free (f);
}

//  Placement prefers the worker with the model loaded; a draining worker
//  and a paused queue take nothing.
static void
test_warm_first_drain_pause (void **state)
{
    (void) state;
    s_fix_t *f = s_fix (NULL);
    s_worker (f, "cold", 4, "other");    //  busy with another model: m there is a swap
    s_worker (f, "warm", 4, "m");
    char id[32];
    for (int i = 0; i < 4; i++) {
        snprintf (id, sizeof id, "j%d", i);
        s_submit (f, id, "t", NQ_CLASS_INTERACTIVE, "m");
    }
    for (size_t i = 0; i < 4; i++)
        assert_string_equal (f->dispatches[i].worker, s_hex ("warm"));
    //  The warm worker is full: the next one waits for a warm slot rather
    //  than make the cold worker load m, until it has waited the spill time;
    //  then it goes to the cold worker.
    s_submit (f, "j4", "t", NQ_CLASS_INTERACTIVE, "m");
    assert_int_equal (f->ndispatch, 4);
    assert_int_equal (nq_engine_next_deadline (f->engine) <= nq_clock_now_ms (f->clock) + 2000, 1);
    nq_clock_advance (f->clock, 1999);
    nq_engine_tick (f->engine);
    assert_int_equal (f->ndispatch, 4);
    nq_clock_advance (f->clock, 1);
    nq_engine_tick (f->engine);
    assert_int_equal (f->ndispatch, 5);
    assert_string_equal (f->dispatches[4].worker, s_hex ("cold"));
    assert_int_equal (nq_engine_drain (f->engine, s_hex ("cold")), 0);
    assert_int_equal (nq_engine_drain (f->engine, "nobody"), NQ_ENOT_FOUND);
    s_submit (f, "j5", "t", NQ_CLASS_INTERACTIVE, "m");
    assert_int_equal (f->ndispatch, 5);    //  warm full, cold draining: it waits
    nq_engine_worker_result (f->engine, "warm", 4, "j0", 1, "", 0, NULL);
    assert_int_equal (f->ndispatch, 6);
    assert_int_equal (nq_engine_pause (f->engine, NQ_KIND_CHAT, "m", 1), 0);
    s_submit (f, "j6", "t", NQ_CLASS_INTERACTIVE, "m");
    nq_engine_worker_result (f->engine, "warm", 4, "j1", 1, "", 0, NULL);
    assert_int_equal (f->ndispatch, 6);
    assert_int_equal (nq_engine_pause (f->engine, NQ_KIND_CHAT, "m", 0), 0);
    assert_int_equal (f->ndispatch, 7);
    s_fix_free (f);
}

//  CREDIT's lists: a group whose models are unknown (capacity 0) learns
//  them and takes work; a new warm list moves placement; no second READY.
static void
test_credit_models_and_warm (void **state)
{
    (void) state;
    s_fix_t *f = s_fix (NULL);
    const char *only_x[] = {"x"};
    nq_slot_group_desc_t g = {"gpu0", NQ_KINDS_ALL, only_x, 1, NULL, 0, 0};
    uint64_t hb;
    uint32_t live;
    assert_int_equal (nq_engine_worker_ready (f->engine, "a", 1, "a", &g, 1, 1000, 3, &hb, &live), 0);
    s_worker (f, "b", 4, NULL);
    //  "m" is served by b only (a lists x); a has no credit anyway.
    s_submit (f, "j0", "t", NQ_CLASS_INTERACTIVE, "m");
    assert_int_equal (f->ndispatch, 1);
    assert_string_equal (f->dispatches[0].worker, s_hex ("b"));
    //  a now serves m, has m loaded, and offers 2 slots: warm wins.
    const char *models[] = {"m", "x"};
    const char *warm[] = {"m"};
    assert_int_equal (nq_engine_worker_models (f->engine, "a", 1, "gpu0", NQ_KIND_NONE, models, 2), 0);
    assert_int_equal (nq_engine_worker_warm (f->engine, "a", 1, "gpu0", warm, 1), 0);
    assert_int_equal (nq_engine_worker_credit (f->engine, "a", 1, "gpu0", NQ_KIND_NONE, 2), 0);
    s_submit (f, "j1", "t", NQ_CLASS_INTERACTIVE, "m");
    assert_int_equal (f->ndispatch, 2);
    assert_string_equal (f->dispatches[1].worker, s_hex ("a"));
    nq_bworker_t *wa = nq_registry_find (nq_engine_registry (f->engine), "a", 1);
    assert_non_null (wa);
    assert_int_equal (wa->groups[0].nmodels, 2);
    assert_int_equal (wa->groups[0].nwarm, 1);
    //  An empty warm list is a value: nothing loaded any more.
    assert_int_equal (nq_engine_worker_warm (f->engine, "a", 1, "gpu0", NULL, 0), 0);
    assert_int_equal (wa->groups[0].nwarm, 0);
    assert_int_equal (nq_engine_worker_models (f->engine, "a", 1, "gpu9", NQ_KIND_NONE, models, 2), NQ_ENOT_FOUND);
    assert_int_equal (nq_engine_worker_models (f->engine, "nobody", 6, "gpu0", NQ_KIND_NONE, models, 2),
                      NQ_ENOT_FOUND);
    s_fix_free (f);
}

//  A lease handed back (a draining worker) is requeued without counting as a
//  failed attempt; a failed send to a worker is not an attempt either.
static void
test_release_and_failed_dispatch (void **state)
{
    (void) state;
    s_fix_t *f = s_fix (NULL);
    s_worker (f, "w1", 1, NULL);
    f->fail_dispatch = 1;
    s_submit (f, "j1", "t", NQ_CLASS_INTERACTIVE, NULL);
    //  The send failed: the job is queued again, not lost, and the
    //  unreachable worker must introduce itself again.
    assert_int_equal (f->ndispatch, 0);
    assert_int_equal (nq_engine_job (f->engine, "j1")->state, NQ_JOB_QUEUED);
    assert_int_equal (nq_engine_worker_credit (f->engine, "w1", 2, "gpu0", NQ_KIND_NONE, 1), NQ_ENOT_FOUND);
    s_worker (f, "w1", 1, NULL);
    assert_int_equal (f->ndispatch, 1);
    assert_int_equal (f->dispatches[0].attempt, 1);
    assert_int_equal (nq_engine_worker_release (f->engine, "w1", 2, "j1", 1), 0);
    assert_int_equal (f->ndispatch, 2);
    assert_int_equal (f->dispatches[1].attempt, 2);
    assert_int_equal (nq_engine_job (f->engine, "j1")->failures, 0);
    //  Credit 0 (breaker open): nothing more goes there.
    nq_engine_worker_credit (f->engine, "w1", 2, "gpu0", NQ_KIND_CHAT, 0);
    nq_engine_worker_result (f->engine, "w1", 2, "j1", 2, "", 0, NULL);
    s_submit (f, "j2", "t", NQ_CLASS_INTERACTIVE, NULL);
    assert_int_equal (f->ndispatch, 2);
    assert_int_equal (nq_engine_worker_credit (f->engine, "w1", 2, "gpu9", NQ_KIND_NONE, 1), NQ_ENOT_FOUND);
    s_fix_free (f);
}

//  A journal that cannot take a submission: the client hears unavailable
//  and no job exists.
static void
test_journal_refusal (void **state)
{
    (void) state;
    s_fix_t *f = s_fix (NULL);
    nq_journal_mem_fail_next (f->journal, 1, NQ_EIO);
    assert_true (s_submit (f, "j1", "t", NQ_CLASS_INTERACTIVE, NULL) < 0);
    assert_int_equal (f->naccepted, 0);
    assert_int_equal (f->last_error, NQ_EUNAVAILABLE);
    assert_null (nq_engine_job (f->engine, "j1"));
    assert_int_equal (s_submit (f, "j1", "t", NQ_CLASS_INTERACTIVE, NULL), 0);
    assert_int_equal (f->naccepted, 1);
    //  A bad submission is refused with invalid_request.
    nq_engine_submit_t bad = {.id = "", .kind = NQ_KIND_CHAT, .model = "m", .tenant = "t"};
    assert_int_equal (nq_engine_submit (f->engine, &bad, "c", 1, 1), NQ_EINVALID);
    assert_int_equal (s_submit (f, "j1", "t", NQ_CLASS_INTERACTIVE, NULL), NQ_EINVALID);    //  id in use
    s_fix_free (f);
}

//  A model with a fallback runs there only when none of its own slots is
//  healthy (credit withdrawn), never while they are merely busy.
static void
test_fallback_model (void **state)
{
    (void) state;
    nq_engine_config_t c;
    nq_engine_config_defaults (&c);
    c.seed = 3;
    c.fallbacks = "big=small other=x";
    s_fix_t *f = s_fix (&c);
    const char *big[] = {"big"}, *small[] = {"small"};
    nq_slot_group_desc_t gb = {"gpu-big", NQ_KINDS_ALL, big, 1, NULL, 0, 1};
    nq_slot_group_desc_t gs = {"gpu-small", NQ_KINDS_ALL, small, 1, NULL, 0, 1};
    assert_int_equal (nq_engine_worker_ready (f->engine, "wb", 2, "wb", &gb, 1, 1000, 3, NULL, NULL), 0);
    assert_int_equal (nq_engine_worker_ready (f->engine, "ws", 2, "ws", &gs, 1, 1000, 3, NULL, NULL), 0);
    s_submit (f, "j1", "t", NQ_CLASS_INTERACTIVE, "big");
    assert_string_equal (f->dispatches[0].worker, s_hex ("wb"));
    assert_null (nq_engine_job (f->engine, "j1")->run_model);
    //  The big model's slot is busy, not unhealthy: j2 waits for it.
    s_submit (f, "j2", "t", NQ_CLASS_INTERACTIVE, "big");
    assert_int_equal (f->ndispatch, 1);
    //  Its instance withdraws its credit (a breaker opened): j2 falls back.
    nq_engine_worker_credit (f->engine, "wb", 2, "gpu-big", NQ_KIND_NONE, 0);
    assert_int_equal (f->ndispatch, 2);
    assert_string_equal (f->dispatches[1].worker, s_hex ("ws"));
    assert_string_equal (nq_engine_job (f->engine, "j2")->run_model, "small");
    //  A model without a fallback never moves.
    s_submit (f, "j3", "t", NQ_CLASS_INTERACTIVE, "lonely");
    assert_int_equal (f->ndispatch, 2);
    //  Credit returns: the big model runs at home again.
    nq_engine_worker_result (f->engine, "wb", 2, "j1", 1, "", 0, NULL);
    nq_engine_worker_credit (f->engine, "wb", 2, "gpu-big", NQ_KIND_NONE, 1);
    s_submit (f, "j4", "t", NQ_CLASS_INTERACTIVE, "big");
    assert_string_equal (f->dispatches[f->ndispatch - 1].worker, s_hex ("wb"));
    assert_null (nq_engine_job (f->engine, "j4")->run_model);
    s_fix_free (f);
}

//  A retry after a failure on one instance goes to another that has a free
//  slot, even when the failed one holds the model warm and is idle; it
//  comes back to the failed instance only when no other is free.
static void
test_retry_goes_elsewhere (void **state)
{
    (void) state;
    nq_engine_config_t c;
    nq_engine_config_defaults (&c);
    c.seed = 5;
    c.retry = (nq_backoff_t){.min_ms = 1000, .max_ms = 1000, .factor = 2.0, .jitter = 0.0};
    c.max_attempts[NQ_KIND_CHAT] = 5;
    s_fix_t *f = s_fix (&c);
    const char *warm[] = {"m"};
    nq_slot_group_desc_t g[2] = {{"gpu0", NQ_KINDS_ALL, NULL, 0, warm, 1, 1}, {"gpu1", NQ_KINDS_ALL, NULL, 0, NULL, 0, 1}};
    assert_int_equal (nq_engine_worker_ready (f->engine, "wk", 2, "wk", g, 2, 1000, 3, NULL, NULL), 0);
    s_submit (f, "j1", "t", NQ_CLASS_INTERACTIVE, "m");
    assert_int_equal (f->ndispatch, 1);
    assert_string_equal (f->dispatches[0].instance, "gpu0");    //  warm first
    assert_string_equal (nq_engine_job (f->engine, "j1")->last_instance, "gpu0");
    assert_int_equal (nq_engine_worker_fail (f->engine, "wk", 2, "j1", 1, NQ_EUPSTREAM_FAILED, "503", 1), 0);
    nq_clock_advance (f->clock, 1000);
    nq_engine_worker_seen (f->engine, "wk", 2);
    nq_engine_tick (f->engine);
    assert_int_equal (f->ndispatch, 2);
    assert_int_equal (f->dispatches[1].attempt, 2);
    assert_string_equal (f->dispatches[1].instance, "gpu1");    //  cold, but not where it failed
    //  It fails on gpu1 too, while gpu0 is taken by j2: gpu1 is all that is
    //  free when the backoff ends, so the retry runs there again.
    assert_int_equal (nq_engine_worker_fail (f->engine, "wk", 2, "j1", 2, NQ_EUPSTREAM_FAILED, "503", 1), 0);
    s_submit (f, "j2", "t", NQ_CLASS_INTERACTIVE, "m");
    assert_string_equal (f->dispatches[2].instance, "gpu0");
    nq_clock_advance (f->clock, 1000);
    nq_engine_worker_seen (f->engine, "wk", 2);
    nq_engine_tick (f->engine);
    assert_int_equal (f->ndispatch, 4);
    assert_string_equal (f->dispatches[3].job, "j1");
    assert_string_equal (f->dispatches[3].instance, "gpu1");
    //  A job that never failed is placed by the mode alone: j3 waits for a
    //  slot and takes the warm gpu0 once j2 ends, although j1 is on gpu1.
    assert_int_equal (nq_engine_worker_result (f->engine, "wk", 2, "j1", 3, "", 0, NULL), 0);
    assert_int_equal (nq_engine_worker_result (f->engine, "wk", 2, "j2", 1, "", 0, NULL), 0);
    s_submit (f, "j3", "t", NQ_CLASS_INTERACTIVE, "m");
    assert_string_equal (f->dispatches[4].instance, "gpu0");
    nq_journal_mem_stats_t js;
    nq_journal_mem_stats (f->journal, &js);
    assert_int_equal (js.violations, 0);
    s_fix_free (f);
}

//  The engine places by its configured mode: round_robin alternates over two
//  groups although one has the model warm; affinity keeps to the warm one.
static void
test_dispatch_mode_config (void **state)
{
    (void) state;
    for (int mode = NQ_DISPATCH_AFFINITY; mode <= NQ_DISPATCH_ROUND_ROBIN; mode++) {
        nq_engine_config_t c;
        nq_engine_config_defaults (&c);
        c.seed = 9;
        c.dispatch = (nq_dispatch_mode_t) mode;
        s_fix_t *f = s_fix (&c);
        assert_int_equal (nq_registry_dispatch (nq_engine_registry (f->engine)), mode);
        const char *warm[] = {"m"};
        nq_slot_group_desc_t g[2] = {{"gpu0", NQ_KINDS_ALL, NULL, 0, warm, 1, 4},
                                     {"gpu1", NQ_KINDS_ALL, NULL, 0, NULL, 0, 4}};
        assert_int_equal (nq_engine_worker_ready (f->engine, "wk", 2, "wk", g, 2, 1000, 3, NULL, NULL), 0);
        char id[16];
        int on_gpu0 = 0;
        for (int i = 0; i < 4; i++) {
            snprintf (id, sizeof id, "j%d", i);
            s_submit (f, id, "t", NQ_CLASS_INTERACTIVE, "m");
            //  Each finishes before the next comes: the load is always zero.
            assert_int_equal (nq_engine_worker_result (f->engine, "wk", 2, id, 1, "", 0, NULL), 0);
            on_gpu0 += strcmp (f->dispatches[i].instance, "gpu0") == 0;
        }
        assert_int_equal (on_gpu0, mode == NQ_DISPATCH_AFFINITY ? 4 : 2);
        s_fix_free (f);
    }
}

NQ_TEST_MAIN (cmocka_unit_test (test_submit_dispatch_result), cmocka_unit_test (test_fallback_model), cmocka_unit_test (test_fairness_from_dispatch_decisions),
              cmocka_unit_test (test_class_shares_in_dispatch), cmocka_unit_test (test_dead_worker_leases_move),
              cmocka_unit_test (test_stale_epoch_rejected), cmocka_unit_test (test_backoff_then_dead_letter_then_retry),
              cmocka_unit_test (test_cancel), cmocka_unit_test (test_admission_and_accounting),
              cmocka_unit_test (test_idempotency_coalesces), cmocka_unit_test (test_stream_resubscribe_and_restart),
              cmocka_unit_test (test_deadlines), cmocka_unit_test (test_warm_first_drain_pause),
              cmocka_unit_test (test_credit_models_and_warm),
              cmocka_unit_test (test_release_and_failed_dispatch), cmocka_unit_test (test_journal_refusal),
              cmocka_unit_test (test_retry_goes_elsewhere), cmocka_unit_test (test_dispatch_mode_config))
