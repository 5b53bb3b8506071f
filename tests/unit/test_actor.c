/*  test_actor.c — actors on a driven runtime and a manual clock: delivery
    order, the system lane, budgets, dead letters, timers, asks, two-phase
    stop with owned handles, crashes and exits; then a threaded runtime for
    synchronous starts across loops. */
#include "nqtest.h"

#include "actors/actor.h"
#include "actors/runtime.h"
#include "common/alloc.h"
#include "common/errors.h"

#include <pthread.h>
#include <semaphore.h>
#include <string.h>

enum { T_WORK = 1, T_TICK, T_PING, T_PONG, T_CRASH, T_EXIT, T_ASK_SLOW };

typedef struct {
    int seen[256];
    size_t nseen;
    int ticks;
    int exits;
    int last_exit_reason;
    nq_actor_t *last_exit_from;
    int replies;
    int timeouts;
    uint64_t last_corr;
    int stopping_calls;
    uv_timer_t *owned;
    int owned_closed;
    nq_actor_t *peer;
} rec_t;

static int
s_rec_handle (nq_actor_t *self, nq_mail_t *msg)
{
    rec_t *r = nq_actor_state (self);
    if (msg->type == NQ_MSG_EXIT) {
        r->exits++;
        r->last_exit_reason = msg->reason;
        r->last_exit_from = msg->from;    //  compared by address only
        return 0;
    }
    if (msg->type == NQ_MSG_ASK_TIMEOUT) {
        r->timeouts++;
        r->last_corr = msg->corr;
        return 0;
    }
    if (msg->flags & NQ_MSGF_REPLY) {
        r->replies++;
        r->last_corr = msg->corr;
        return 0;
    }
    if (msg->flags & NQ_MSGF_ASK) {
        if (msg->type == T_PING)
            return nq_actor_reply (msg, T_PONG, "pong", 4);
        return 0;    //  T_ASK_SLOW: never answers
    }
    if (msg->flags & NQ_MSGF_TIMER) {
        r->ticks++;
        return 0;
    }
    if (msg->type == T_CRASH)
        return NQ_EUPSTREAM_FAILED;
    if (msg->type == T_EXIT) {
        nq_actor_exit (self, NQ_EXIT_NORMAL);
        return 0;
    }
    if (r->nseen < 256) {
        int v = 0;
        memcpy (&v, msg->data, sizeof v);
        r->seen[r->nseen++] = v;
    }
    return 0;
}

static int
s_rec_init (nq_actor_t *self, void *arg)
{
    nq_actor_set_state (self, arg);
    return 0;
}

static void
s_owned_closed (uv_handle_t *h)
{
    rec_t *r = h->data;
    r->owned_closed++;
    nq_free (h);
}

static void
s_rec_stopping (nq_actor_t *self, int reason)
{
    (void)reason;
    rec_t *r = nq_actor_state (self);
    if (!r)
        return;    //  init failed before it set any state
    r->stopping_calls++;
    if (r->owned) {
        nq_actor_close (self, (uv_handle_t *)r->owned, s_owned_closed);
        r->owned = NULL;
    }
}

static const nq_actor_def_t s_rec_def = {
    .name = "rec", .init = s_rec_init, .handle = s_rec_handle, .stopping = s_rec_stopping};

typedef struct {
    nq_clock_t *clock;
    nq_runtime_t *rt;
} fx_t;

static void
s_fx_new (fx_t *fx, unsigned loops)
{
    fx->clock = nq_clock_new_manual (1000, 0);
    nq_runtime_opts_t opts;
    nq_runtime_opts_default (&opts);
    opts.threaded = 0;
    opts.loops = loops;
    opts.clock = fx->clock;
    opts.seed = 42;
    fx->rt = nq_runtime_new (&opts);
    assert_non_null (fx->rt);
}

static void
s_fx_destroy (fx_t *fx)
{
    assert_int_equal (nq_runtime_destroy (&fx->rt), 0);    //  every loop closed cleanly
    assert_null (fx->rt);
    nq_clock_destroy (&fx->clock);
}

static nq_runtime_stats_t
s_stats (nq_runtime_t *rt)
{
    nq_runtime_stats_t st;
    nq_runtime_stats (rt, &st);
    return st;
}

static void
test_send_in_order (void **state)
{
    (void)state;
    fx_t fx;
    s_fx_new (&fx, 2);
    rec_t r = {0};
    nq_actor_t *a;
    nq_spawn_opts_t so = {.loop = 1};
    assert_int_equal (nq_actor_spawn (fx.rt, &s_rec_def, &r, &so, &a), 0);
    assert_true (nq_actor_is_alive (a));
    assert_int_equal (nq_actor_loop_index (a), 1);
    assert_string_equal (nq_actor_name (a), "rec");
    for (int i = 0; i < 10; i++)
        assert_int_equal (nq_actor_send (a, T_WORK, &i, sizeof i), 0);
    nq_runtime_settle (fx.rt, 100);
    assert_int_equal (r.nseen, 10);
    for (int i = 0; i < 10; i++)
        assert_int_equal (r.seen[i], i);
    assert_int_equal (s_stats (fx.rt).messages, 10);
    assert_int_equal (s_stats (fx.rt).actors_live, 1);
    nq_actor_unref (&a);
    s_fx_destroy (&fx);
}

static void
test_system_lane_first_and_dead_letters (void **state)
{
    (void)state;
    fx_t fx;
    s_fx_new (&fx, 1);
    rec_t r = {0};
    nq_actor_t *a;
    assert_int_equal (nq_actor_spawn (fx.rt, &s_rec_def, &r, NULL, &a), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal (nq_actor_send (a, T_WORK, &i, sizeof i), 0);
    //  The stop is sent last but travels on the system lane: it wins.
    assert_int_equal (nq_actor_stop (a, NQ_EXIT_SHUTDOWN), 0);
    nq_runtime_settle (fx.rt, 100);
    assert_int_equal (r.nseen, 0);
    assert_false (nq_actor_is_alive (a));
    assert_int_equal (nq_actor_exit_reason (a), NQ_EXIT_SHUTDOWN);
    assert_int_equal (r.stopping_calls, 1);
    assert_int_equal (s_stats (fx.rt).dead_letters, 3);    //  queued work, counted
    //  Sending to a stopped actor fails fast and is counted.
    int v = 7;
    assert_int_equal (nq_actor_send (a, T_WORK, &v, sizeof v), NQ_ECLOSED);
    assert_int_equal (s_stats (fx.rt).dead_letters, 4);
    assert_int_equal (nq_actor_stop (a, 0), NQ_ECLOSED);
    assert_int_equal (s_stats (fx.rt).actors_live, 0);
    nq_actor_unref (&a);
    s_fx_destroy (&fx);
}

static void
test_budget_bounds_an_activation (void **state)
{
    (void)state;
    fx_t fx;
    s_fx_new (&fx, 1);
    rec_t r = {0};
    nq_actor_t *a;
    assert_int_equal (nq_actor_spawn (fx.rt, &s_rec_def, &r, NULL, &a), 0);
    for (int i = 0; i < 200; i++)
        assert_int_equal (nq_actor_send (a, T_WORK, &i, sizeof i), 0);
    nq_runtime_run_once (fx.rt);
    assert_int_equal (r.nseen, 64);    //  one activation, then it re-arms
    nq_runtime_run_once (fx.rt);
    assert_int_equal (r.nseen, 128);
    nq_runtime_settle (fx.rt, 100);
    assert_int_equal (r.nseen, 200);
    assert_int_equal (s_stats (fx.rt).activations, 4);
    nq_actor_unref (&a);
    s_fx_destroy (&fx);
}

typedef struct {
    rec_t *r;
    int delay;
    int repeat;
} tick_arg_t;

static void
test_timers_on_the_driven_clock (void **state)
{
    (void)state;
    fx_t fx;
    s_fx_new (&fx, 1);
    rec_t r = {0};
    nq_actor_t *a;
    assert_int_equal (nq_actor_spawn (fx.rt, &s_rec_def, &r, NULL, &a), 0);
    //  Timers are started on the actor's loop; the test thread drives it.
    uint64_t once = nq_actor_timer_start (a, 100, 0, T_TICK);
    assert_true (once != 0);
    nq_clock_advance (fx.clock, 99);
    nq_runtime_settle (fx.rt, 10);
    assert_int_equal (r.ticks, 0);
    nq_clock_advance (fx.clock, 1);
    nq_runtime_settle (fx.rt, 10);
    assert_int_equal (r.ticks, 1);
    uint64_t rep = nq_actor_timer_start (a, 10, 10, T_TICK);
    for (int i = 0; i < 5; i++) {
        nq_clock_advance (fx.clock, 10);
        nq_runtime_settle (fx.rt, 10);
    }
    assert_int_equal (r.ticks, 6);
    assert_int_equal (nq_actor_timer_cancel (a, rep), 0);
    assert_int_equal (nq_actor_timer_cancel (a, rep), NQ_ENOT_FOUND);
    nq_clock_advance (fx.clock, 100);
    nq_runtime_settle (fx.rt, 10);
    assert_int_equal (r.ticks, 6);
    //  A pending timer dies with its actor.
    nq_actor_timer_start (a, 50, 0, T_TICK);
    nq_actor_stop (a, 0);
    nq_runtime_settle (fx.rt, 10);
    nq_clock_advance (fx.clock, 100);
    nq_runtime_settle (fx.rt, 10);
    assert_int_equal (r.ticks, 6);
    nq_actor_unref (&a);
    s_fx_destroy (&fx);
}

typedef struct {
    rec_t *r;
    nq_actor_t *to;
    uint32_t type;
    uint64_t timeout;
} asker_arg_t;

static int
s_asker_init (nq_actor_t *self, void *arg)
{
    asker_arg_t *aa = arg;
    nq_actor_set_state (self, aa->r);
    return nq_actor_ask (self, aa->to, aa->type, NULL, 0, aa->timeout, &aa->r->last_corr);
}

static void
test_ask_reply_and_timeout (void **state)
{
    (void)state;
    fx_t fx;
    s_fx_new (&fx, 2);
    rec_t server = {0}, client = {0};
    nq_actor_t *srv;
    nq_spawn_opts_t so = {.loop = 1};
    assert_int_equal (nq_actor_spawn (fx.rt, &s_rec_def, &server, &so, &srv), 0);
    nq_actor_def_t def = s_rec_def;
    def.init = s_asker_init;
    asker_arg_t aa = {.r = &client, .to = srv, .type = T_PING, .timeout = 500};
    nq_actor_t *cl;
    assert_int_equal (nq_actor_spawn (fx.rt, &def, &aa, NULL, &cl), 0);
    uint64_t corr = client.last_corr;
    assert_true (corr != 0);
    nq_runtime_settle (fx.rt, 20);
    assert_int_equal (client.replies, 1);
    assert_int_equal (client.last_corr, corr);
    nq_clock_advance (fx.clock, 1000);    //  the timeout was cancelled by the reply
    nq_runtime_settle (fx.rt, 20);
    assert_int_equal (client.timeouts, 0);
    nq_actor_unref (&cl);

    //  No answer: exactly one timeout, after the deadline and not before.
    rec_t client2 = {0};
    asker_arg_t ab = {.r = &client2, .to = srv, .type = T_ASK_SLOW, .timeout = 500};
    assert_int_equal (nq_actor_spawn (fx.rt, &def, &ab, NULL, &cl), 0);
    nq_clock_advance (fx.clock, 499);
    nq_runtime_settle (fx.rt, 20);
    assert_int_equal (client2.timeouts, 0);
    nq_clock_advance (fx.clock, 1);
    nq_runtime_settle (fx.rt, 20);
    assert_int_equal (client2.timeouts, 1);
    assert_int_equal (client2.replies, 0);
    nq_actor_unref (&cl);
    nq_actor_unref (&srv);
    s_fx_destroy (&fx);
}

static int
s_owner_init (nq_actor_t *self, void *arg)
{
    rec_t *r = arg;
    nq_actor_set_state (self, r);
    r->owned = nq_malloc (sizeof *r->owned);
    if (!r->owned)
        return NQ_ENOMEM;
    uv_timer_init (nq_actor_uv_loop (self), r->owned);
    r->owned->data = r;
    nq_actor_own (self, (uv_handle_t *)r->owned);
    return 0;
}

static void
test_two_phase_stop_and_exit_to_parent (void **state)
{
    (void)state;
    fx_t fx;
    s_fx_new (&fx, 1);
    rec_t parent = {0}, child = {0};
    nq_actor_t *p, *c;
    assert_int_equal (nq_actor_spawn (fx.rt, &s_rec_def, &parent, NULL, &p), 0);
    nq_actor_def_t def = s_rec_def;
    def.init = s_owner_init;
    nq_spawn_opts_t so = {.parent = p};
    assert_int_equal (nq_actor_spawn (fx.rt, &def, &child, &so, &c), 0);
    assert_int_equal (nq_actor_stop (c, NQ_EXIT_SHUTDOWN), 0);
    nq_runtime_run_once (fx.rt);
    //  Phase one ran (stop requested, handle closing) but the actor is not
    //  stopped until libuv has closed its handle.
    assert_int_equal (child.stopping_calls, 1);
    nq_runtime_settle (fx.rt, 20);
    assert_int_equal (child.owned_closed, 1);
    assert_false (nq_actor_is_alive (c));
    assert_int_equal (parent.exits, 1);
    assert_ptr_equal (parent.last_exit_from, c);
    assert_int_equal (parent.last_exit_reason, NQ_EXIT_SHUTDOWN);
    nq_actor_unref (&c);

    //  A crash: the handler's code is the exit reason.
    rec_t child2 = {0};
    def = s_rec_def;
    assert_int_equal (nq_actor_spawn (fx.rt, &def, &child2, &so, &c), 0);
    assert_int_equal (nq_actor_send (c, T_CRASH, NULL, 0), 0);
    nq_runtime_settle (fx.rt, 20);
    assert_int_equal (parent.exits, 2);
    assert_int_equal (parent.last_exit_reason, NQ_EUPSTREAM_FAILED);
    nq_actor_unref (&c);

    //  nq_actor_exit: an orderly exit chosen by the actor.
    rec_t child3 = {0};
    assert_int_equal (nq_actor_spawn (fx.rt, &def, &child3, &so, &c), 0);
    assert_int_equal (nq_actor_send (c, T_EXIT, NULL, 0), 0);
    nq_runtime_settle (fx.rt, 20);
    assert_int_equal (parent.exits, 3);
    assert_int_equal (parent.last_exit_reason, NQ_EXIT_NORMAL);
    nq_actor_unref (&c);
    nq_actor_unref (&p);
    s_fx_destroy (&fx);
}

static int
s_fail_init (nq_actor_t *self, void *arg)
{
    (void)self;
    (void)arg;
    return NQ_EUNAVAILABLE;
}

static void
test_failed_start_and_no_memory (void **state)
{
    (void)state;
    fx_t fx;
    s_fx_new (&fx, 1);
    nq_actor_def_t def = s_rec_def;
    def.init = s_fail_init;
    nq_actor_t *a = NULL;
    assert_int_equal (nq_actor_spawn (fx.rt, &def, NULL, NULL, &a), NQ_EUNAVAILABLE);
    assert_null (a);
    nq_spawn_opts_t bad = {.loop = 5};
    assert_int_equal (nq_actor_spawn (fx.rt, &s_rec_def, NULL, &bad, &a), NQ_ERANGE);
    rec_t r = {0};
    nq_alloc_fail_after (1, 0);
    assert_int_equal (nq_actor_spawn (fx.rt, &s_rec_def, &r, NULL, &a), NQ_ENOMEM);
    assert_int_equal (nq_actor_spawn (fx.rt, &s_rec_def, &r, NULL, &a), 0);
    int v = 1;
    nq_alloc_fail_after (1, 0);
    assert_int_equal (nq_actor_send (a, T_WORK, &v, sizeof v), NQ_ENOMEM);
    assert_int_equal (nq_actor_send (a, T_WORK, &v, sizeof v), 0);
    nq_runtime_settle (fx.rt, 20);
    assert_int_equal (r.nseen, 1);
    assert_int_equal (s_stats (fx.rt).actors_live, 1);
    nq_actor_unref (&a);
    s_fx_destroy (&fx);
}

//  Threaded runtime: a spawn from this thread onto a running loop waits for
//  init; an init that takes too long makes spawn time out, and the actor is
//  stopped as soon as it does become ready.
static sem_t s_gate;

static int
s_gated_init (nq_actor_t *self, void *arg)
{
    nq_actor_set_state (self, arg);
    sem_wait (&s_gate);
    return 0;
}

static void
test_threaded_spawn_and_start_timeout (void **state)
{
    (void)state;
    nq_runtime_opts_t opts;
    nq_runtime_opts_default (&opts);
    opts.loops = 2;
    nq_runtime_t *rt = nq_runtime_new (&opts);
    assert_non_null (rt);
    assert_int_equal (nq_runtime_start (rt), 0);
    rec_t r = {0};
    nq_actor_t *a;
    nq_spawn_opts_t so = {.loop = 1};
    assert_int_equal (nq_actor_spawn (rt, &s_rec_def, &r, &so, &a), 0);
    assert_true (nq_actor_is_alive (a));
    assert_int_equal (nq_runtime_current_loop (rt), -1);

    sem_init (&s_gate, 0, 0);
    rec_t r2 = {0};
    nq_actor_def_t def = s_rec_def;
    def.init = s_gated_init;
    nq_spawn_opts_t slow = {.loop = 0, .start_timeout_ms = 20};
    nq_actor_t *b = NULL;
    assert_int_equal (nq_actor_spawn (rt, &def, &r2, &slow, &b), NQ_ETIMEOUT);
    assert_null (b);
    sem_post (&s_gate);
    nq_actor_unref (&a);
    assert_int_equal (nq_runtime_destroy (&rt), 0);
    assert_int_equal (r2.stopping_calls, 1);    //  stopped once it was ready
    sem_destroy (&s_gate);
}

//  A threaded runtime that was never started: actors start inline, and
//  destroy drives the loops itself to stop them and close cleanly.
static void
test_destroy_without_start (void **state)
{
    (void)state;
    nq_runtime_t *rt = nq_runtime_new (NULL);
    assert_non_null (rt);
    rec_t r = {0};
    nq_actor_def_t def = s_rec_def;
    def.init = s_owner_init;
    nq_actor_t *a;
    assert_int_equal (nq_actor_spawn (rt, &def, &r, NULL, &a), 0);
    assert_int_equal (nq_runtime_loop_count (rt), 1);
    assert_non_null (nq_runtime_uv_loop (rt, 0));
    nq_actor_unref (&a);
    assert_int_equal (nq_runtime_destroy (&rt), 0);
    assert_int_equal (r.stopping_calls, 1);
    assert_int_equal (r.owned_closed, 1);
    nq_runtime_destroy (&rt);    //  accepts NULL
}

NQ_TEST_MAIN (cmocka_unit_test (test_destroy_without_start), cmocka_unit_test (test_send_in_order),
              cmocka_unit_test (test_system_lane_first_and_dead_letters),
              cmocka_unit_test (test_budget_bounds_an_activation),
              cmocka_unit_test (test_timers_on_the_driven_clock),
              cmocka_unit_test (test_ask_reply_and_timeout),
              cmocka_unit_test (test_two_phase_stop_and_exit_to_parent),
              cmocka_unit_test (test_failed_start_and_no_memory),
              cmocka_unit_test (test_threaded_spawn_and_start_timeout))
