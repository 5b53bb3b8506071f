/*  test_sim_sched.c — ollama-sim's scheduler on a real libuv loop with every
    load taking 0 ms, so nothing waits on wall time: slots and their waiters,
    the pending queue bound, one load at a time, swaps, reloads on a new
    num_ctx, keep_alive 0, and a clean two-phase stop. */
#include "nqtest.h"

#include <string.h>

#include "catalogue.h"
#include "common/errors.h"
#include "common/log.h"
#include "sim_sched.h"

typedef struct {
    uv_loop_t loop;
    nq_sim_catalogue_t *cat;
    nq_sim_stats_t stats;
    nq_sim_faults_t faults;
    nq_sim_sched_t *sched;
    int granted;
    int stopped;
} s_fx_t;

static void
s_granted (void *arg, nq_sim_ticket_t *t)
{
    (void)t;
    s_fx_t *f = arg;
    f->granted++;
}

static void
s_setup (s_fx_t *f, int parallel, int max_loaded, int max_queue, int64_t keep_alive_ms)
{
    memset (f, 0, sizeof *f);
    nq_log_set_level (NQ_LOG_WARN);
    uv_loop_init (&f->loop);
    f->cat = nq_sim_catalogue_new ();
    assert_int_equal (nq_sim_catalogue_add (f->cat, "mistral:instruct,load_ms=0"), 0);
    assert_int_equal (nq_sim_catalogue_add (f->cat, "all-minilm,load_ms=0"), 0);
    assert_int_equal (nq_sim_catalogue_add (f->cat, "slow:1b,load_ms=100000"), 0);
    nq_sim_faults_init (&f->faults);
    nq_sim_sched_opts_t o = {parallel, max_loaded, max_queue, keep_alive_ms, 1.0};
    f->sched = nq_sim_sched_new (&f->loop, &o, &f->stats, &f->faults);
    assert_non_null (f->sched);
}

static void
s_stopped (void *arg)
{
    ((s_fx_t *)arg)->stopped = 1;
}

static void
s_teardown (s_fx_t *f)
{
    nq_sim_sched_stop (f->sched, s_stopped, f);
    uv_run (&f->loop, UV_RUN_DEFAULT);
    assert_true (f->stopped);
    nq_sim_sched_destroy (&f->sched);
    nq_sim_catalogue_destroy (&f->cat);
    assert_int_equal (uv_loop_close (&f->loop), 0);
}

//  Runs the loop until want grants arrived (every delay here is 0 ms).
static void
s_until_granted (s_fx_t *f, int want)
{
    for (int i = 0; i < 100 && f->granted < want; i++)
        uv_run (&f->loop, UV_RUN_NOWAIT);
    assert_int_equal (f->granted, want);
}

static const nq_sim_model_t *
s_model (s_fx_t *f, const char *name)
{
    return nq_sim_catalogue_find (f->cat, name);
}

static void
test_slots_and_waiters (void **state)
{
    (void)state;
    static s_fx_t f;
    s_setup (&f, 2, 3, 512, 60000);
    nq_sim_ticket_t *t[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal (nq_sim_sched_submit (f.sched, s_model (&f, "mistral:instruct"), 0, INT64_MIN, 1,
                                               s_granted, &f, &t[i]),
                          0);
    assert_int_equal (f.granted, 0);    //  never inside submit
    s_until_granted (&f, 2);
    for (int i = 0; i < 10; i++)
        uv_run (&f.loop, UV_RUN_NOWAIT);
    assert_int_equal (f.granted, 2);    //  the third waits for a slot
    assert_true (nq_sim_ticket_granted (t[0]) && nq_sim_ticket_granted (t[1]));
    assert_false (nq_sim_ticket_granted (t[2]));
    assert_int_equal (f.stats.loads, 1);
    assert_int_equal (f.stats.active, 2);
    nq_sim_sched_release (f.sched, &t[0]);
    assert_null (t[0]);
    s_until_granted (&f, 3);
    assert_int_equal (f.stats.model[0].max_active, 2);
    nq_sim_sched_release (f.sched, &t[1]);
    nq_sim_sched_release (f.sched, &t[2]);
    assert_int_equal (f.stats.active, 0);
    //  an embedding model has one slot whatever num_parallel says
    nq_sim_ticket_t *e[2];
    for (int i = 0; i < 2; i++)
        nq_sim_sched_submit (f.sched, s_model (&f, "all-minilm"), 0, INT64_MIN, 1, s_granted, &f, &e[i]);
    s_until_granted (&f, 4);
    for (int i = 0; i < 10; i++)
        uv_run (&f.loop, UV_RUN_NOWAIT);
    assert_int_equal (f.granted, 4);
    nq_sim_sched_release (f.sched, &e[0]);
    s_until_granted (&f, 5);
    nq_sim_sched_release (f.sched, &e[1]);
    assert_int_equal (f.stats.model[1].max_active, 1);
    s_teardown (&f);
}

static void
test_queue_bound_and_one_load (void **state)
{
    (void)state;
    static s_fx_t f;
    s_setup (&f, 1, 3, 2, 60000);
    nq_sim_ticket_t *a = NULL, *b = NULL, *c = NULL;
    //  the slow model's load holds the head: the queue fills behind it
    assert_int_equal (
        nq_sim_sched_submit (f.sched, s_model (&f, "slow:1b"), 0, INT64_MIN, 1, s_granted, &f, &a), 0);
    assert_int_equal (
        nq_sim_sched_submit (f.sched, s_model (&f, "mistral:instruct"), 0, INT64_MIN, 1, s_granted, &f, &b),
        0);
    assert_int_equal (
        nq_sim_sched_submit (f.sched, s_model (&f, "mistral:instruct"), 0, INT64_MIN, 1, s_granted, &f, &c),
        NQ_EOVERLOADED);
    for (int i = 0; i < 10; i++)
        uv_run (&f.loop, UV_RUN_NOWAIT);
    assert_int_equal (f.granted, 0);    //  mistral waits: one load at a time
    assert_int_equal (f.stats.queue_depth, 2);
    //  a client giving up leaves the queue
    nq_sim_sched_release (f.sched, &b);
    assert_int_equal (f.stats.queue_depth, 1);
    nq_sim_sched_release (f.sched, &a);
    assert_int_equal (f.stats.queue_depth, 0);
    s_teardown (&f);
}

static void
test_swap_reload_unload (void **state)
{
    (void)state;
    static s_fx_t f;
    s_setup (&f, 1, 1, 512, 60000);
    nq_sim_ticket_t *t = NULL;
    nq_sim_sched_submit (f.sched, s_model (&f, "mistral:instruct"), 0, INT64_MIN, 1, s_granted, &f, &t);
    s_until_granted (&f, 1);
    nq_sim_sched_release (f.sched, &t);
    nq_sim_sched_submit (f.sched, s_model (&f, "all-minilm"), 0, INT64_MIN, 1, s_granted, &f, &t);
    s_until_granted (&f, 2);
    nq_sim_sched_release (f.sched, &t);
    assert_int_equal (f.stats.loads, 2);
    assert_int_equal (f.stats.swaps, 1);
    assert_int_equal (f.stats.unloads, 1);
    //  same model, new num_ctx: a reload, not a swap
    nq_sim_sched_submit (f.sched, s_model (&f, "all-minilm"), 8192, INT64_MIN, 1, s_granted, &f, &t);
    s_until_granted (&f, 3);
    assert_int_equal (f.stats.reloads, 1);
    assert_int_equal (f.stats.swaps, 1);
    json_t *ps = json_array ();
    nq_sim_sched_ps (f.sched, ps);
    assert_int_equal (json_array_size (ps), 1);
    assert_int_equal (json_integer_value (json_object_get (json_array_get (ps, 0), "context_length")), 8192);
    json_decref (ps);
    nq_sim_sched_release (f.sched, &t);
    //  keep_alive 0: the model unloads as soon as it is idle
    nq_sim_sched_submit (f.sched, s_model (&f, "all-minilm"), 8192, 0, 0, s_granted, &f, &t);
    s_until_granted (&f, 4);
    long unloads = (long)f.stats.unloads;
    nq_sim_sched_release (f.sched, &t);
    assert_int_equal (f.stats.unloads, unloads + 1);
    ps = json_array ();
    nq_sim_sched_ps (f.sched, ps);
    assert_int_equal (json_array_size (ps), 0);
    json_decref (ps);
    s_teardown (&f);
}

NQ_TEST_MAIN (cmocka_unit_test (test_slots_and_waiters), cmocka_unit_test (test_queue_bound_and_one_load),
              cmocka_unit_test (test_swap_reload_unload))
