/*  test_supervisor.c — supervisors on a driven runtime and a manual clock:
    each strategy restarts exactly the right children in the right order,
    restart types, restart delays with backoff and its reset, failed restarts
    retried by timer, intensity exceeded escalating to the parent, a root that
    gives up, pools grown and shrunk at run time, ordered shutdown. */
#include "nqtest.h"

#include "actors/actor.h"
#include "actors/breaker.h"
#include "actors/runtime.h"
#include "actors/supervisor.h"
#include "common/alloc.h"
#include "common/errors.h"
#include "common/log.h"

#include <stdio.h>
#include <string.h>

enum { T_CRASH = 1, T_EXIT_NORMAL };

//  The event log: "start:a", "stop:a" in the order they happen.
static char s_events[256][32];
static size_t s_nevents;

static void
s_event (const char *what, const char *id)
{
    if (s_nevents < 256)
        snprintf (s_events[s_nevents++], sizeof s_events[0], "%s:%s", what, id);
}

static void
s_events_clear (void)
{
    s_nevents = 0;
}

static void
s_expect (const char *const *want, size_t n)
{
    if (s_nevents != n) {
        for (size_t i = 0; i < s_nevents; i++)
            print_message ("# event %zu: %s\n", i, s_events[i]);
    }
    assert_int_equal (s_nevents, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal (s_events[i], want[i]);
}

typedef struct {
    char id[24];
    int fail_starts;    //  the next n starts fail
    int starts;
} child_arg_t;

static int
s_worker_init (nq_actor_t *self, void *arg)
{
    nq_actor_set_state (self, arg);
    return 0;
}

static int
s_worker_handle (nq_actor_t *self, nq_mail_t *msg)
{
    if (msg->type == T_CRASH)
        return NQ_EUPSTREAM_FAILED;
    if (msg->type == T_EXIT_NORMAL)
        nq_actor_exit (self, NQ_EXIT_NORMAL);
    return 0;
}

static void
s_worker_stopping (nq_actor_t *self, int reason)
{
    child_arg_t *ca = nq_actor_state (self);
    if (reason == NQ_EXIT_SHUTDOWN)
        s_event ("stop", ca->id);
}

static const nq_actor_def_t s_worker_def = {
    .name = "worker", .init = s_worker_init, .handle = s_worker_handle, .stopping = s_worker_stopping};

static int
s_worker_start (nq_runtime_t *rt, nq_actor_t *parent, void *arg, nq_actor_t **child_p)
{
    child_arg_t *ca = arg;
    ca->starts++;
    if (ca->fail_starts > 0) {
        ca->fail_starts--;
        s_event ("fail", ca->id);
        return NQ_EUNAVAILABLE;
    }
    nq_spawn_opts_t so = {.parent = parent, .loop = ca->starts % 2};
    int rc = nq_actor_spawn (rt, &s_worker_def, ca, &so, child_p);
    if (rc == 0)
        s_event ("start", ca->id);
    return rc;
}

//  Pool children share one template; each incarnation gets its own record.
static child_arg_t s_pool_args[64];
static size_t s_npool;

static int
s_pool_start (nq_runtime_t *rt, nq_actor_t *parent, void *arg, nq_actor_t **child_p)
{
    (void)arg;
    child_arg_t *ca = &s_pool_args[s_npool++ % 64];
    snprintf (ca->id, sizeof ca->id, "p%zu", s_npool);
    nq_spawn_opts_t so = {.parent = parent};
    int rc = nq_actor_spawn (rt, &s_worker_def, ca, &so, child_p);
    if (rc == 0)
        s_event ("start", ca->id);
    return rc;
}

typedef struct {
    nq_clock_t *clock;
    nq_runtime_t *rt;
    int root_exits;
    char root_name[32];
} fx_t;

static void
s_root_exit (nq_runtime_t *rt, const char *name, int reason, void *arg)
{
    (void)rt;
    (void)reason;
    fx_t *fx = arg;
    fx->root_exits++;
    snprintf (fx->root_name, sizeof fx->root_name, "%s", name);
}

static void
s_fx_new (fx_t *fx)
{
    memset (fx, 0, sizeof *fx);
    nq_log_set_level (NQ_LOG_OFF);
    fx->clock = nq_clock_new_manual (100000, 0);
    nq_runtime_opts_t opts;
    nq_runtime_opts_default (&opts);
    opts.threaded = 0;
    opts.loops = 2;
    opts.clock = fx->clock;
    opts.seed = 1;
    opts.on_root_exit = s_root_exit;
    opts.on_root_exit_arg = fx;
    fx->rt = nq_runtime_new (&opts);
    assert_non_null (fx->rt);
    s_events_clear ();
}

static void
s_fx_destroy (fx_t *fx)
{
    assert_int_equal (nq_runtime_destroy (&fx->rt), 0);
    nq_clock_destroy (&fx->clock);
}

static void
s_settle (fx_t *fx)
{
    nq_runtime_settle (fx->rt, 1000);
}

static child_arg_t s_args[3];
static nq_child_spec_t s_specs[3];

static void
s_abc (nq_restart_t restart)
{
    const char *ids[] = {"a", "b", "c"};
    for (int i = 0; i < 3; i++) {
        memset (&s_args[i], 0, sizeof s_args[i]);
        snprintf (s_args[i].id, sizeof s_args[i].id, "%s", ids[i]);
        s_specs[i] = (nq_child_spec_t){.id = ids[i],
                                       .start = s_worker_start,
                                       .arg = &s_args[i],
                                       .restart = restart,
                                       .shutdown_ms = 1000};
    }
}

static void
s_sup_opts (nq_supervisor_opts_t *o, nq_sup_strategy_t strategy)
{
    nq_supervisor_opts_default (o);
    o->name = "sup";
    o->strategy = strategy;
    o->children = s_specs;
    o->nchildren = 3;
    o->intensity = 10;
    o->period_ms = 10000;
    o->restart_delay = (nq_backoff_t){.min_ms = 0, .max_ms = 0, .factor = 1, .jitter = 0};
}

static void
s_crash_at (nq_actor_t *sup, const char *id, int line)
{
    nq_actor_t *child = nq_supervisor_child (sup, id);
    if (!child)
        print_message ("# no running child %s (line %d)\n", id, line);
    assert_non_null (child);
    assert_int_equal (nq_actor_send (child, T_CRASH, NULL, 0), 0);
    nq_actor_unref (&child);
}

#define s_crash(sup, id) s_crash_at ((sup), (id), __LINE__)

static uint64_t
s_child_actor_id (nq_actor_t *sup, size_t i)
{
    nq_child_info_t ci;
    assert_int_equal (nq_supervisor_child_info (sup, i, &ci), 0);
    return ci.actor_id;
}

static void
s_strategy_case (nq_sup_strategy_t strategy, const char *const *want, size_t nwant, int a_same, int c_same)
{
    fx_t fx;
    s_fx_new (&fx);
    s_abc (NQ_RESTART_PERMANENT);
    nq_supervisor_opts_t o;
    s_sup_opts (&o, strategy);
    nq_actor_t *sup;
    assert_int_equal (nq_supervisor_start (fx.rt, &o, NULL, &sup), 0);
    const char *started[] = {"start:a", "start:b", "start:c"};
    s_expect (started, 3);
    uint64_t a0 = s_child_actor_id (sup, 0), b0 = s_child_actor_id (sup, 1), c0 = s_child_actor_id (sup, 2);
    s_events_clear ();
    s_crash (sup, "b");
    s_settle (&fx);
    s_expect (want, nwant);
    assert_true (s_child_actor_id (sup, 1) != b0 && s_child_actor_id (sup, 1) != 0);
    assert_int_equal (s_child_actor_id (sup, 0) == a0, a_same);
    assert_int_equal (s_child_actor_id (sup, 2) == c0, c_same);
    nq_supervisor_info_t info;
    nq_supervisor_info (sup, &info);
    assert_int_equal (info.children, 3);
    assert_int_equal (info.running, 3);
    assert_int_equal (info.gave_up, 0);
    //  Shutdown: children in reverse order.
    s_events_clear ();
    assert_int_equal (nq_actor_stop (sup, NQ_EXIT_SHUTDOWN), 0);
    s_settle (&fx);
    const char *stopped[] = {"stop:c", "stop:b", "stop:a"};
    s_expect (stopped, 3);
    assert_false (nq_actor_is_alive (sup));
    assert_int_equal (fx.root_exits, 0);
    nq_actor_unref (&sup);
    s_fx_destroy (&fx);
}

static void
test_one_for_one (void **state)
{
    (void)state;
    const char *want[] = {"start:b"};
    s_strategy_case (NQ_SUP_ONE_FOR_ONE, want, 1, 1, 1);
}

static void
test_one_for_all (void **state)
{
    (void)state;
    const char *want[] = {"stop:c", "stop:a", "start:a", "start:b", "start:c"};
    s_strategy_case (NQ_SUP_ONE_FOR_ALL, want, 5, 0, 0);
}

static void
test_rest_for_one (void **state)
{
    (void)state;
    const char *want[] = {"stop:c", "start:b", "start:c"};
    s_strategy_case (NQ_SUP_REST_FOR_ONE, want, 3, 1, 0);
}

static void
test_restart_types (void **state)
{
    (void)state;
    fx_t fx;
    s_fx_new (&fx);
    s_abc (NQ_RESTART_TRANSIENT);
    s_specs[2].restart = NQ_RESTART_TEMPORARY;
    nq_supervisor_opts_t o;
    s_sup_opts (&o, NQ_SUP_ONE_FOR_ONE);
    nq_actor_t *sup;
    assert_int_equal (nq_supervisor_start (fx.rt, &o, NULL, &sup), 0);
    s_events_clear ();
    //  Transient, normal exit: not restarted.
    nq_actor_t *a = nq_supervisor_child (sup, "a");
    assert_int_equal (nq_actor_send (a, T_EXIT_NORMAL, NULL, 0), 0);
    nq_actor_unref (&a);
    s_settle (&fx);
    assert_int_equal (s_nevents, 0);
    assert_null (nq_supervisor_child (sup, "a"));
    //  Transient, crash: restarted.
    s_crash (sup, "b");
    s_settle (&fx);
    const char *want[] = {"start:b"};
    s_expect (want, 1);
    //  Temporary, crash: gone for good.
    s_crash (sup, "c");
    s_settle (&fx);
    s_expect (want, 1);
    nq_supervisor_info_t info;
    nq_supervisor_info (sup, &info);
    assert_int_equal (info.children, 2);    //  a (down) and b
    assert_int_equal (info.running, 1);
    assert_int_equal (info.restarts, 1);
    nq_actor_unref (&sup);
    s_fx_destroy (&fx);
}

static void
test_restart_delay_backoff_and_reset (void **state)
{
    (void)state;
    fx_t fx;
    s_fx_new (&fx);
    s_abc (NQ_RESTART_PERMANENT);
    nq_supervisor_opts_t o;
    s_sup_opts (&o, NQ_SUP_ONE_FOR_ONE);
    o.nchildren = 1;
    o.restart_delay = (nq_backoff_t){.min_ms = 100, .max_ms = 400, .factor = 2, .jitter = 0};
    o.reset_after_ms = 5000;
    o.period_ms = 1000;
    o.intensity = 100;
    nq_actor_t *sup;
    assert_int_equal (nq_supervisor_start (fx.rt, &o, NULL, &sup), 0);
    uint64_t delays[] = {100, 200, 400, 400};
    for (int i = 0; i < 4; i++) {
        s_events_clear ();
        s_crash (sup, "a");
        s_settle (&fx);
        nq_supervisor_info_t info;
        nq_supervisor_info (sup, &info);
        assert_int_equal (info.pending, 1);    //  waiting, not blocking
        nq_clock_advance (fx.clock, delays[i] - 1);
        s_settle (&fx);
        assert_int_equal (s_nevents, 0);
        nq_clock_advance (fx.clock, 1);
        s_settle (&fx);
        const char *want[] = {"start:a"};
        s_expect (want, 1);
    }
    //  A child that lived long enough starts its backoff over.
    nq_clock_advance (fx.clock, 5000);
    s_events_clear ();
    s_crash (sup, "a");
    s_settle (&fx);
    nq_clock_advance (fx.clock, 100);
    s_settle (&fx);
    const char *want[] = {"start:a"};
    s_expect (want, 1);
    nq_actor_unref (&sup);
    s_fx_destroy (&fx);
}

static void
test_failed_restarts_are_retried (void **state)
{
    (void)state;
    fx_t fx;
    s_fx_new (&fx);
    s_abc (NQ_RESTART_PERMANENT);
    nq_supervisor_opts_t o;
    s_sup_opts (&o, NQ_SUP_ONE_FOR_ONE);
    o.nchildren = 2;
    o.restart_delay = (nq_backoff_t){.min_ms = 10, .max_ms = 1000, .factor = 2, .jitter = 0};
    nq_actor_t *sup;
    assert_int_equal (nq_supervisor_start (fx.rt, &o, NULL, &sup), 0);
    s_events_clear ();
    s_args[0].fail_starts = 2;
    s_crash (sup, "a");
    s_settle (&fx);
    nq_clock_advance (fx.clock, 10);    //  attempt 1 fails
    s_settle (&fx);
    nq_clock_advance (fx.clock, 19);
    s_settle (&fx);
    const char *mid[] = {"fail:a"};
    s_expect (mid, 1);
    //  The other child is served meanwhile: the supervisor is not blocked.
    s_crash (sup, "b");    //  t=+29: b's first restart waits 10 ms
    s_settle (&fx);
    nq_clock_advance (fx.clock, 1);    //  t=+30: a's attempt 2 (20 ms after 1) fails
    s_settle (&fx);
    nq_clock_advance (fx.clock, 10);    //  t=+40: b is back
    s_settle (&fx);
    nq_clock_advance (fx.clock, 29);
    s_settle (&fx);
    const char *before[] = {"fail:a", "fail:a", "start:b"};
    s_expect (before, 3);
    nq_clock_advance (fx.clock, 1);    //  t=+70: a's attempt 3 (40 ms later) succeeds
    s_settle (&fx);
    const char *want[] = {"fail:a", "fail:a", "start:b", "start:a"};
    s_expect (want, 4);
    nq_supervisor_info_t info;
    nq_supervisor_info (sup, &info);
    assert_int_equal (info.failed_starts, 2);
    assert_int_equal (info.restarts, 2);
    assert_int_equal (info.running, 2);
    nq_actor_unref (&sup);
    s_fx_destroy (&fx);
}

//  A middle supervisor (one_for_one over a, b; intensity 2 in 1 s) under a
//  root (one_for_one). a keeps crashing: the third crash within the window
//  makes the middle give up, stop b, and exit; the root restarts it.
static nq_supervisor_opts_t s_mid_opts;

static int
s_mid_start (nq_runtime_t *rt, nq_actor_t *parent, void *arg, nq_actor_t **child_p)
{
    (void)arg;
    s_event ("start", "mid");
    return nq_supervisor_start (rt, &s_mid_opts, parent, child_p);
}

static void
test_intensity_escalates (void **state)
{
    (void)state;
    fx_t fx;
    s_fx_new (&fx);
    s_abc (NQ_RESTART_PERMANENT);
    s_sup_opts (&s_mid_opts, NQ_SUP_ONE_FOR_ONE);
    s_mid_opts.name = "mid";
    s_mid_opts.nchildren = 2;
    s_mid_opts.intensity = 2;
    s_mid_opts.period_ms = 1000;
    nq_child_spec_t mid = {.id = "mid", .start = s_mid_start, .restart = NQ_RESTART_PERMANENT};
    nq_supervisor_opts_t ro;
    nq_supervisor_opts_default (&ro);
    ro.name = "root";
    ro.children = &mid;
    ro.nchildren = 1;
    ro.intensity = 1;
    ro.period_ms = 1000;
    ro.restart_delay = (nq_backoff_t){0};
    nq_actor_t *root;
    assert_int_equal (nq_supervisor_start (fx.rt, &ro, NULL, &root), 0);
    const char *started[] = {"start:mid", "start:a", "start:b"};
    s_expect (started, 3);
    nq_actor_t *m = nq_supervisor_child (root, "mid");
    assert_non_null (m);
    assert_true (nq_supervisor_is (m));
    //  Two crashes within the window are absorbed.
    for (int i = 0; i < 2; i++) {
        s_crash (m, "a");
        s_settle (&fx);
        nq_clock_advance (fx.clock, 100);
    }
    nq_supervisor_info_t info;
    nq_supervisor_info (m, &info);
    assert_int_equal (info.restarts, 2);
    s_events_clear ();
    s_crash (m, "a");    //  the third: give up and escalate
    s_settle (&fx);
    const char *want[] = {"stop:b", "start:mid", "start:a", "start:b"};
    s_expect (want, 4);
    assert_false (nq_actor_is_alive (m));
    nq_supervisor_info (m, &info);
    assert_int_equal (info.gave_up, 1);
    assert_int_equal (nq_actor_exit_reason (m), NQ_EUNAVAILABLE);
    nq_actor_unref (&m);
    nq_supervisor_info (root, &info);
    assert_int_equal (info.restarts, 1);
    assert_int_equal (info.running, 1);
    assert_int_equal (fx.root_exits, 0);

    //  A crash far outside the window is just a restart.
    nq_clock_advance (fx.clock, 5000);
    m = nq_supervisor_child (root, "mid");
    s_events_clear ();
    s_crash (m, "b");
    s_settle (&fx);
    const char *again[] = {"start:b"};
    s_expect (again, 1);
    //  Now the middle gives up twice quickly: the root exceeds its own
    //  intensity (1 in 1 s) and gives up: the process would exit.
    nq_clock_advance (fx.clock, 5000);
    for (int round = 0; round < 2; round++) {
        nq_actor_t *cur = nq_supervisor_child (root, "mid");
        assert_non_null (cur);
        for (int i = 0; i < 3; i++) {
            s_crash (cur, "a");
            s_settle (&fx);
        }
        nq_actor_unref (&cur);
    }
    assert_int_equal (fx.root_exits, 1);
    assert_string_equal (fx.root_name, "root");
    assert_false (nq_actor_is_alive (root));
    nq_actor_unref (&m);
    nq_actor_unref (&root);
    s_fx_destroy (&fx);
}

static void
test_pool_grow_and_shrink (void **state)
{
    (void)state;
    fx_t fx;
    s_fx_new (&fx);
    s_npool = 0;
    nq_supervisor_opts_t o;
    nq_supervisor_opts_default (&o);
    o.name = "embed";
    o.strategy = NQ_SUP_POOL;
    o.pool_child = (nq_child_spec_t){.id = "embed", .start = s_pool_start, .restart = NQ_RESTART_PERMANENT};
    o.pool_size = 2;
    o.restart_delay = (nq_backoff_t){0};
    nq_actor_t *sup;
    assert_int_equal (nq_supervisor_start (fx.rt, &o, NULL, &sup), 0);
    nq_supervisor_info_t info;
    nq_supervisor_info (sup, &info);
    assert_int_equal (info.running, 2);
    assert_int_equal (nq_supervisor_pool_resize (sup, 5), 0);
    s_settle (&fx);
    nq_supervisor_info (sup, &info);
    assert_int_equal (info.running, 5);
    assert_int_equal (info.children, 5);
    nq_child_info_t ci;
    assert_int_equal (nq_supervisor_child_info (sup, 4, &ci), 0);
    assert_string_equal (ci.id, "embed-5");
    assert_int_equal (nq_supervisor_child_info (sup, 5, &ci), NQ_ENOT_FOUND);
    //  Shrink: the newest go first, one at a time.
    s_events_clear ();
    assert_int_equal (nq_supervisor_pool_resize (sup, 2), 0);
    s_settle (&fx);
    const char *want[] = {"stop:p5", "stop:p4", "stop:p3"};
    s_expect (want, 3);
    nq_supervisor_info (sup, &info);
    assert_int_equal (info.running, 2);
    assert_int_equal (info.children, 2);
    //  A pool child that crashes is replaced.
    s_events_clear ();
    s_crash (sup, "embed-1");
    s_settle (&fx);
    const char *again[] = {"start:p6"};
    s_expect (again, 1);
    //  Grow again after shrinking: new ids, no collision.
    assert_int_equal (nq_supervisor_pool_resize (sup, 3), 0);
    s_settle (&fx);
    nq_supervisor_info (sup, &info);
    assert_int_equal (info.running, 3);
    nq_actor_t *w = nq_supervisor_child (sup, "embed-6");
    assert_non_null (w);
    nq_actor_unref (&w);
    nq_actor_unref (&sup);
    s_fx_destroy (&fx);

    //  Not a pool: refused.
    s_fx_new (&fx);
    s_abc (NQ_RESTART_PERMANENT);
    s_sup_opts (&o, NQ_SUP_ONE_FOR_ONE);
    assert_int_equal (nq_supervisor_start (fx.rt, &o, NULL, &sup), 0);
    assert_int_equal (nq_supervisor_pool_resize (sup, 3), NQ_EINVALID);
    nq_actor_unref (&sup);
    s_fx_destroy (&fx);
}

static void
s_free_int (void *p)
{
    (*(int *)p)++;
}

static void
test_start_errors_user_and_runtime_shutdown (void **state)
{
    (void)state;
    fx_t fx;
    s_fx_new (&fx);
    s_abc (NQ_RESTART_PERMANENT);
    nq_supervisor_opts_t o;
    s_sup_opts (&o, NQ_SUP_ONE_FOR_ONE);
    int freed = 0;
    o.user = &freed;
    o.user_free = s_free_int;
    s_args[2].fail_starts = 1;
    nq_actor_t *sup;
    assert_int_equal (nq_supervisor_start (fx.rt, &o, NULL, &sup), NQ_EUNAVAILABLE);
    assert_null (sup);
    s_settle (&fx);
    assert_int_equal (freed, 1);
    nq_runtime_stats_t st;
    nq_runtime_stats (fx.rt, &st);
    assert_int_equal (st.actors_live, 0);    //  a and b were stopped again

    nq_child_spec_t dup[2] = {s_specs[0], s_specs[0]};
    o.children = dup;
    o.nchildren = 2;
    assert_int_equal (nq_supervisor_start (fx.rt, &o, NULL, &sup), NQ_EINVALID);

    //  The runtime's destroy stops the root, which stops its children in
    //  reverse order; the user object is freed with the supervisor.
    s_abc (NQ_RESTART_PERMANENT);
    s_sup_opts (&o, NQ_SUP_ONE_FOR_ALL);
    o.user = &freed;
    o.user_free = s_free_int;
    assert_int_equal (nq_supervisor_start (fx.rt, &o, NULL, &sup), 0);
    assert_ptr_equal (nq_supervisor_user (sup), &freed);
    nq_actor_unref (&sup);
    s_events_clear ();
    s_fx_destroy (&fx);
    const char *want[] = {"stop:c", "stop:b", "stop:a"};
    s_expect (want, 3);
    assert_int_equal (freed, 2);
}

//  A child that does not finish stopping within its shutdown_ms: the
//  supervisor logs it, abandons it and carries on with the next one.
static uv_timer_t *s_stuck_handle;
static nq_actor_t *s_stuck_actor;

static int
s_stuck_init (nq_actor_t *self, void *arg)
{
    nq_actor_set_state (self, arg);
    s_stuck_handle = nq_malloc (sizeof *s_stuck_handle);
    if (!s_stuck_handle)
        return NQ_ENOMEM;
    uv_timer_init (nq_actor_uv_loop (self), s_stuck_handle);
    nq_actor_own (self, (uv_handle_t *)s_stuck_handle);
    s_stuck_actor = self;
    return 0;
}

static void
s_stuck_stopping (nq_actor_t *self, int reason)
{
    s_worker_stopping (self, reason);    //  records the stop, closes nothing
}

static void
s_free_handle (uv_handle_t *h)
{
    nq_free (h);
}

static int
s_stuck_start (nq_runtime_t *rt, nq_actor_t *parent, void *arg, nq_actor_t **child_p)
{
    static const nq_actor_def_t def = {
        .name = "stuck", .init = s_stuck_init, .handle = s_worker_handle, .stopping = s_stuck_stopping};
    nq_spawn_opts_t so = {.parent = parent};
    int rc = nq_actor_spawn (rt, &def, arg, &so, child_p);
    if (rc == 0)
        s_event ("start", ((child_arg_t *)arg)->id);
    return rc;
}

static void
test_shutdown_timeout_abandons_and_continues (void **state)
{
    (void)state;
    fx_t fx;
    s_fx_new (&fx);
    s_abc (NQ_RESTART_PERMANENT);
    s_specs[1].start = s_stuck_start;
    s_specs[1].shutdown_ms = 500;
    nq_supervisor_opts_t o;
    s_sup_opts (&o, NQ_SUP_ONE_FOR_ONE);
    nq_actor_t *sup;
    assert_int_equal (nq_supervisor_start (fx.rt, &o, NULL, &sup), 0);
    s_events_clear ();
    assert_int_equal (nq_actor_stop (sup, NQ_EXIT_SHUTDOWN), 0);
    s_settle (&fx);
    const char *waiting[] = {"stop:c", "stop:b"};
    s_expect (waiting, 2);    //  b does not finish: a waits its turn
    nq_clock_advance (fx.clock, 499);
    s_settle (&fx);
    s_expect (waiting, 2);
    nq_clock_advance (fx.clock, 1);
    s_settle (&fx);
    const char *want[] = {"stop:c", "stop:b", "stop:a"};
    s_expect (want, 3);
    assert_false (nq_actor_is_alive (sup));
    //  The abandoned actor is still stopping; once it closes its handle it
    //  stops, and the runtime closes cleanly.
    nq_actor_close (s_stuck_actor, (uv_handle_t *)s_stuck_handle, s_free_handle);
    s_settle (&fx);
    nq_runtime_stats_t st;
    nq_runtime_stats (fx.rt, &st);
    assert_int_equal (st.actors_live, 0);
    nq_actor_unref (&sup);
    s_fx_destroy (&fx);
}

//  The instance supervisor owns the instance's breaker: it survives the
//  restarts of the slot actors and is freed with the supervisor.
static void
s_breaker_free (void *p)
{
    nq_breaker_t *b = p;
    nq_breaker_destroy (&b);
}

static void
test_breaker_survives_child_restarts (void **state)
{
    (void)state;
    fx_t fx;
    s_fx_new (&fx);
    s_abc (NQ_RESTART_PERMANENT);
    nq_breaker_opts_t bo;
    nq_breaker_opts_default (&bo);
    bo.name = "gpu0";
    bo.seed = 3;
    nq_breaker_t *breaker = nq_breaker_new (&bo, fx.clock);
    assert_non_null (breaker);
    nq_supervisor_opts_t o;
    s_sup_opts (&o, NQ_SUP_ONE_FOR_ALL);
    o.name = "instance-gpu0";
    o.user = breaker;
    o.user_free = s_breaker_free;
    nq_actor_t *sup;
    assert_int_equal (nq_supervisor_start (fx.rt, &o, NULL, &sup), 0);
    nq_breaker_force_open (nq_supervisor_user (sup));
    s_crash (sup, "a");
    s_settle (&fx);
    nq_supervisor_info_t info;
    nq_supervisor_info (sup, &info);
    assert_int_equal (info.restarts, 3);    //  one_for_all: every slot restarted
    assert_ptr_equal (nq_supervisor_user (sup), breaker);
    assert_int_equal (nq_breaker_state (breaker), NQ_BREAKER_FORCED_OPEN);
    nq_actor_unref (&sup);
    s_fx_destroy (&fx);    //  frees the breaker with the supervisor (ASan checks)
}

NQ_TEST_MAIN (cmocka_unit_test (test_breaker_survives_child_restarts),
              cmocka_unit_test (test_shutdown_timeout_abandons_and_continues),
              cmocka_unit_test (test_one_for_one), cmocka_unit_test (test_one_for_all),
              cmocka_unit_test (test_rest_for_one), cmocka_unit_test (test_restart_types),
              cmocka_unit_test (test_restart_delay_backoff_and_reset),
              cmocka_unit_test (test_failed_restarts_are_retried),
              cmocka_unit_test (test_intensity_escalates), cmocka_unit_test (test_pool_grow_and_shrink),
              cmocka_unit_test (test_start_errors_user_and_runtime_shutdown))
