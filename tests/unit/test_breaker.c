/*  test_breaker.c — the circuit breaker on a driven clock: every transition,
    the sliding windows, the open-wait backoff, the half-open maximum wait,
    operator states, the recovery ramp and classification. */
#include "nqtest.h"

#include "actors/breaker.h"
#include "common/errors.h"

#include <string.h>

typedef struct {
    nq_breaker_state_t to[32];
    const char *cause[32];
    int n;
} trans_t;

static void
s_on_transition (nq_breaker_t *b, nq_breaker_state_t from, nq_breaker_state_t to, const char *cause,
                 void *arg)
{
    (void)b;
    (void)from;
    trans_t *t = arg;
    if (t->n < 32) {
        t->to[t->n] = to;
        t->cause[t->n] = cause;
        t->n++;
    }
}

static const nq_call_result_t OK = {NQ_CALL_OK, 200, 10};
static const nq_call_result_t E503 = {NQ_CALL_HTTP, 503, 2};
static const nq_call_result_t E500 = {NQ_CALL_HTTP, 500, 20};
static const nq_call_result_t E400 = {NQ_CALL_HTTP, 400, 5};
static const nq_call_result_t E404 = {NQ_CALL_HTTP, 404, 5};
static const nq_call_result_t E429 = {NQ_CALL_HTTP, 429, 5};
static const nq_call_result_t TRANSPORT = {NQ_CALL_TRANSPORT, 0, 1};
static const nq_call_result_t TIMEOUT = {NQ_CALL_TIMEOUT, 0, 30000};
static const nq_call_result_t STREAM = {NQ_CALL_STREAM, 200, 500};
static const nq_call_result_t CANCELLED = {NQ_CALL_CANCELLED, 0, 3};

typedef struct {
    nq_clock_t *clock;
    nq_breaker_t *b;
    trans_t t;
    nq_breaker_opts_t opts;
} fx_t;

static void
s_opts (fx_t *fx)
{
    memset (fx, 0, sizeof *fx);
    nq_breaker_opts_default (&fx->opts);
    fx->opts.name = "gpu0";
    fx->opts.open_wait.jitter = 0;    //  exact sequences; jitter has its own test
    fx->opts.seed = 7;
    fx->opts.on_transition = s_on_transition;
    fx->opts.transition_arg = &fx->t;
    fx->clock = nq_clock_new_manual (10000, 0);
}

static void
s_make (fx_t *fx)
{
    fx->b = nq_breaker_new (&fx->opts, fx->clock);
    assert_non_null (fx->b);
}

static void
s_done (fx_t *fx)
{
    nq_breaker_destroy (&fx->b);
    assert_null (fx->b);
    nq_clock_destroy (&fx->clock);
}

static void
s_call (fx_t *fx, const nq_call_result_t *r)
{
    assert_int_equal (nq_breaker_allow (fx->b, NULL), 0);
    nq_breaker_record (fx->b, r);
}

static void
test_consecutive_failures_trip (void **state)
{
    (void)state;
    fx_t fx;
    s_opts (&fx);
    s_make (&fx);
    assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_CLOSED);
    for (int i = 0; i < 4; i++)
        s_call (&fx, &TRANSPORT);
    s_call (&fx, &OK);    //  a success breaks the run
    for (int i = 0; i < 4; i++)
        s_call (&fx, &E503);
    assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_CLOSED);
    //  (8 failures in 9 calls would trip on rate: keep rate off here.)
    s_done (&fx);

    s_opts (&fx);
    fx.opts.failure_rate = 0;
    s_make (&fx);
    for (int i = 0; i < 4; i++)
        s_call (&fx, &TIMEOUT);
    assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_CLOSED);
    s_call (&fx, &STREAM);
    assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_OPEN);
    assert_int_equal (fx.t.n, 1);
    assert_int_equal (fx.t.to[0], NQ_BREAKER_OPEN);
    assert_string_equal (fx.t.cause[0], "consecutive_failures");
    uint64_t retry = 0;
    assert_int_equal (nq_breaker_allow (fx.b, &retry), NQ_EUPSTREAM_UNAVAILABLE);
    assert_int_equal (retry, 5000);
    nq_clock_advance (fx.clock, 1200);
    assert_int_equal (nq_breaker_allow (fx.b, &retry), NQ_EUPSTREAM_UNAVAILABLE);
    assert_int_equal (retry, 3800);
    nq_breaker_stats_t st;
    nq_breaker_stats (fx.b, &st);
    assert_int_equal (st.rejected, 2);
    assert_int_equal (st.trips, 1);
    assert_int_equal (st.failures, 5);
    assert_int_equal (st.open_until_ms, 15000);
    assert_true (st.weight == 0.0);
    s_done (&fx);
}

static void
test_failure_rate_window_with_minimum (void **state)
{
    (void)state;
    fx_t fx;
    s_opts (&fx);
    fx.opts.consecutive_failures = 0;
    fx.opts.window_size = 10;
    fx.opts.minimum_calls = 6;
    fx.opts.failure_rate = 0.5;
    s_make (&fx);
    //  F F F F F: 100 % failures but under the minimum number of calls.
    for (int i = 0; i < 5; i++)
        s_call (&fx, &E500);
    assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_CLOSED);
    nq_breaker_stats_t st;
    nq_breaker_stats (fx.b, &st);
    assert_int_equal (st.window_calls, 5);
    //  The sixth call reaches the minimum: 5/6 >= 0.5 trips even on a success.
    s_call (&fx, &OK);
    assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_OPEN);
    assert_string_equal (fx.t.cause[0], "failure_rate");
    s_done (&fx);

    //  The window slides: old failures fall out of it.
    s_opts (&fx);
    fx.opts.consecutive_failures = 0;
    fx.opts.window_size = 10;
    fx.opts.minimum_calls = 10;
    fx.opts.failure_rate = 0.5;
    s_make (&fx);
    for (int i = 0; i < 4; i++)
        s_call (&fx, &E500);
    for (int i = 0; i < 6; i++)
        s_call (&fx, &OK);    //  4/10: below the rate
    assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_CLOSED);
    for (int i = 0; i < 4; i++)
        s_call (&fx, &E500);    //  the old four failures slid out: 4/10 again
    nq_breaker_stats (fx.b, &st);
    assert_int_equal (st.window_calls, 10);
    assert_true (st.window_failure_rate > 0.39 && st.window_failure_rate < 0.41);
    assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_CLOSED);
    s_call (&fx, &E500);    //  5/10
    assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_OPEN);
    s_done (&fx);
}

static void
test_slow_call_rate (void **state)
{
    (void)state;
    fx_t fx;
    s_opts (&fx);
    fx.opts.window_size = 5;
    fx.opts.minimum_calls = 5;
    fx.opts.slow_call_ms = 1000;
    fx.opts.slow_call_rate = 0.6;
    s_make (&fx);
    nq_call_result_t slow = {NQ_CALL_OK, 200, 1000};
    nq_call_result_t fast = {NQ_CALL_OK, 200, 999};
    s_call (&fx, &slow);
    s_call (&fx, &fast);
    s_call (&fx, &slow);
    s_call (&fx, &fast);
    assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_CLOSED);
    s_call (&fx, &slow);    //  3/5 = 0.6: successes, but too slow
    assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_OPEN);
    assert_string_equal (fx.t.cause[0], "slow_call_rate");
    nq_breaker_stats_t st;
    nq_breaker_stats (fx.b, &st);
    assert_int_equal (st.slow_calls, 3);
    assert_int_equal (st.failures, 0);
    s_done (&fx);
}

static void
s_trip (fx_t *fx)
{
    for (int i = 0; i < 5; i++)
        s_call (fx, &TRANSPORT);
    assert_int_equal (nq_breaker_state (fx->b), NQ_BREAKER_OPEN);
}

static void
test_open_half_open_close_and_wait_backoff (void **state)
{
    (void)state;
    fx_t fx;
    s_opts (&fx);
    fx.opts.open_wait = (nq_backoff_t){.min_ms = 1000, .max_ms = 5000, .factor = 2.0, .jitter = 0};
    s_make (&fx);
    uint64_t expect[] = {1000, 2000, 4000, 5000, 5000};
    s_trip (&fx);
    for (int i = 0; i < 5; i++) {
        nq_breaker_stats_t st;
        nq_breaker_stats (fx.b, &st);
        assert_int_equal (st.open_until_ms - nq_clock_now_ms (fx.clock), expect[i]);
        nq_clock_advance (fx.clock, expect[i] - 1);
        assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_OPEN);
        nq_clock_advance (fx.clock, 1);
        assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_HALF_OPEN);
        //  One probe at a time; the others fail fast meanwhile.
        assert_int_equal (nq_breaker_allow (fx.b, NULL), 0);
        uint64_t retry = 0;
        assert_int_equal (nq_breaker_allow (fx.b, &retry), NQ_EUPSTREAM_UNAVAILABLE);
        assert_int_equal (retry, fx.opts.half_open_max_wait_ms);
        nq_breaker_record (fx.b, &E503);    //  the probe fails: open again, longer
        assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_OPEN);
    }
    //  A successful probe closes it, and the wait returns to its base.
    nq_clock_advance (fx.clock, 5000);
    assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_HALF_OPEN);
    s_call (&fx, &OK);
    assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_CLOSED);
    assert_string_equal (fx.t.cause[fx.t.n - 1], "probes_succeeded");
    s_trip (&fx);
    nq_breaker_stats_t st;
    nq_breaker_stats (fx.b, &st);
    assert_int_equal (st.open_until_ms - nq_clock_now_ms (fx.clock), 1000);
    assert_int_equal (st.trips, 7);
    s_done (&fx);
}

static void
test_several_probes (void **state)
{
    (void)state;
    fx_t fx;
    s_opts (&fx);
    fx.opts.half_open_probes = 3;
    s_make (&fx);
    s_trip (&fx);
    nq_clock_advance (fx.clock, 5000);
    for (int i = 0; i < 3; i++)
        assert_int_equal (nq_breaker_allow (fx.b, NULL), 0);
    assert_int_equal (nq_breaker_allow (fx.b, NULL), NQ_EUPSTREAM_UNAVAILABLE);
    assert_int_equal (nq_breaker_permits (fx.b, 8), 3);
    nq_breaker_record (fx.b, &OK);
    nq_breaker_record (fx.b, &E404);    //  4xx: the box answered — a success
    assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_HALF_OPEN);
    nq_breaker_record (fx.b, &OK);
    assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_CLOSED);
    s_done (&fx);
}

static void
test_half_open_max_wait (void **state)
{
    (void)state;
    fx_t fx;
    s_opts (&fx);
    fx.opts.half_open_max_wait_ms = 3000;
    s_make (&fx);
    s_trip (&fx);
    nq_clock_advance (fx.clock, 5000);
    assert_int_equal (nq_breaker_allow (fx.b, NULL), 0);    //  the probe hangs
    nq_clock_advance (fx.clock, 2999);
    assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_HALF_OPEN);
    uint64_t retry = 0;
    assert_int_equal (nq_breaker_allow (fx.b, &retry), NQ_EUPSTREAM_UNAVAILABLE);
    assert_int_equal (retry, 1);
    nq_clock_advance (fx.clock, 1);
    //  Never stuck half open: the unanswered probe sends it back to open,
    //  with the grown wait.
    assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_OPEN);
    assert_string_equal (fx.t.cause[fx.t.n - 1], "probe_timeout");
    nq_breaker_stats_t st;
    nq_breaker_stats (fx.b, &st);
    assert_int_equal (st.open_until_ms - nq_clock_now_ms (fx.clock), 10000);
    //  The late answer of the lost probe changes nothing.
    nq_breaker_record (fx.b, &OK);
    assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_OPEN);
    //  A cancelled probe frees its slot without counting.
    nq_clock_advance (fx.clock, 10000);
    assert_int_equal (nq_breaker_allow (fx.b, NULL), 0);
    nq_breaker_record (fx.b, &CANCELLED);
    assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_HALF_OPEN);
    s_call (&fx, &OK);
    assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_CLOSED);
    s_done (&fx);
}

static void
test_operator_states (void **state)
{
    (void)state;
    fx_t fx;
    s_opts (&fx);
    s_make (&fx);
    nq_breaker_force_open (fx.b);
    assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_FORCED_OPEN);
    uint64_t retry = 0;
    assert_int_equal (nq_breaker_allow (fx.b, &retry), NQ_EUPSTREAM_UNAVAILABLE);
    assert_int_equal (retry, 5000);
    //  Forced open stays open however long we wait: only an operator lifts it.
    nq_clock_advance (fx.clock, 3600000);
    assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_FORCED_OPEN);
    assert_int_equal (nq_breaker_permits (fx.b, 4), 0);
    nq_breaker_reset (fx.b);
    assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_CLOSED);
    assert_int_equal (nq_breaker_allow (fx.b, NULL), 0);
    nq_breaker_record (fx.b, &OK);

    nq_breaker_disable (fx.b);
    for (int i = 0; i < 50; i++)
        s_call (&fx, &TRANSPORT);    //  nothing counts, nothing trips
    assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_DISABLED);
    assert_true (nq_breaker_weight (fx.b) == 1.0);
    nq_breaker_reset (fx.b);
    assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_CLOSED);

    //  Reset also lifts a tripped breaker at once.
    s_trip (&fx);
    nq_breaker_reset (fx.b);
    assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_CLOSED);
    nq_breaker_state_t seq[] = {NQ_BREAKER_FORCED_OPEN, NQ_BREAKER_CLOSED, NQ_BREAKER_DISABLED,
                                NQ_BREAKER_CLOSED,      NQ_BREAKER_OPEN,   NQ_BREAKER_CLOSED};
    assert_int_equal (fx.t.n, 6);
    for (int i = 0; i < 6; i++)
        assert_int_equal (fx.t.to[i], seq[i]);
    assert_string_equal (nq_breaker_state_name (NQ_BREAKER_HALF_OPEN), "half_open");
    assert_string_equal (nq_breaker_name (fx.b), "gpu0");
    s_done (&fx);
}

static void
test_recovery_ramp (void **state)
{
    (void)state;
    fx_t fx;
    s_opts (&fx);
    fx.opts.ramp_ms = 10000;
    fx.opts.ramp_start = 0.2;
    s_make (&fx);
    assert_true (nq_breaker_weight (fx.b) == 1.0);    //  a fresh breaker is not ramping
    assert_int_equal (nq_breaker_permits (fx.b, 4), 4);
    s_trip (&fx);
    assert_true (nq_breaker_weight (fx.b) == 0.0);
    assert_int_equal (nq_breaker_permits (fx.b, 4), 0);
    nq_clock_advance (fx.clock, 5000);
    assert_true (nq_breaker_weight (fx.b) == 0.0);    //  half open: probes only
    assert_int_equal (nq_breaker_permits (fx.b, 4), 1);
    s_call (&fx, &OK);
    assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_CLOSED);
    assert_true (nq_breaker_weight (fx.b) > 0.199 && nq_breaker_weight (fx.b) < 0.201);
    assert_int_equal (nq_breaker_permits (fx.b, 10), 2);
    nq_clock_advance (fx.clock, 5000);
    assert_true (nq_breaker_weight (fx.b) > 0.599 && nq_breaker_weight (fx.b) < 0.601);
    assert_int_equal (nq_breaker_permits (fx.b, 10), 6);
    assert_int_equal (nq_breaker_permits (fx.b, 1), 1);
    nq_clock_advance (fx.clock, 5000);
    assert_true (nq_breaker_weight (fx.b) == 1.0);
    assert_int_equal (nq_breaker_permits (fx.b, 10), 10);
    s_done (&fx);
}

static void
test_classification (void **state)
{
    (void)state;
    const nq_call_result_t *fail[] = {&E503, &E500, &TRANSPORT, &TIMEOUT, &STREAM};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal (nq_breaker_classify_default (fail[i], NULL), NQ_VERDICT_FAILURE);
    const nq_call_result_t *ok[] = {&OK, &E400, &E404, &E429};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal (nq_breaker_classify_default (ok[i], NULL), NQ_VERDICT_SUCCESS);
    assert_int_equal (nq_breaker_classify_default (&CANCELLED, NULL), NQ_VERDICT_IGNORE);

    //  Bad requests never trip the breaker, however many.
    fx_t fx;
    s_opts (&fx);
    s_make (&fx);
    for (int i = 0; i < 100; i++)
        s_call (&fx, i % 2 ? &E400 : &E404);
    assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_CLOSED);
    //  A fast burst of 503s does (they are failures however quick).
    for (int i = 0; i < 5; i++)
        s_call (&fx, &E503);
    assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_OPEN);
    s_done (&fx);
}

static nq_verdict_t
s_everything_fails (const nq_call_result_t *r, void *arg)
{
    (void)r;
    (*(int *)arg)++;
    return NQ_VERDICT_FAILURE;
}

static void
test_custom_hook_jitter_and_bad_options (void **state)
{
    (void)state;
    fx_t fx;
    s_opts (&fx);
    int calls = 0;
    fx.opts.classify = s_everything_fails;
    fx.opts.classify_arg = &calls;
    fx.opts.open_wait.jitter = 0.2;
    s_make (&fx);
    for (int i = 0; i < 5; i++)
        s_call (&fx, &OK);
    assert_int_equal (calls, 5);
    assert_int_equal (nq_breaker_state (fx.b), NQ_BREAKER_OPEN);
    nq_breaker_stats_t st;
    nq_breaker_stats (fx.b, &st);
    uint64_t wait = st.open_until_ms - nq_clock_now_ms (fx.clock);
    assert_true (wait >= 4000 && wait <= 6000);
    s_done (&fx);

    nq_clock_t *clock = nq_clock_new_manual (0, 0);
    nq_breaker_opts_t bad;
    nq_breaker_opts_default (&bad);
    bad.window_size = 0;
    assert_null (nq_breaker_new (&bad, clock));
    nq_breaker_opts_default (&bad);
    bad.minimum_calls = bad.window_size + 1;
    assert_null (nq_breaker_new (&bad, clock));
    nq_breaker_opts_default (&bad);
    bad.failure_rate = 1.5;
    assert_null (nq_breaker_new (&bad, clock));
    nq_breaker_t *b = nq_breaker_new (NULL, clock);
    assert_non_null (b);
    nq_breaker_destroy (&b);
    nq_breaker_destroy (&b);
    nq_clock_destroy (&clock);
}

NQ_TEST_MAIN (cmocka_unit_test (test_consecutive_failures_trip),
              cmocka_unit_test (test_failure_rate_window_with_minimum),
              cmocka_unit_test (test_slow_call_rate),
              cmocka_unit_test (test_open_half_open_close_and_wait_backoff),
              cmocka_unit_test (test_several_probes), cmocka_unit_test (test_half_open_max_wait),
              cmocka_unit_test (test_operator_states), cmocka_unit_test (test_recovery_ramp),
              cmocka_unit_test (test_classification),
              cmocka_unit_test (test_custom_hook_jitter_and_bad_options))
