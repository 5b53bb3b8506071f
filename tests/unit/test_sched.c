/*  test_sched.c — the fair scheduler: FIFO per tenant, tenant fairness,
    class shares, work conservation, eligibility, pause, removal. */
#include "nqtest.h"

#include "broker/sched.h"
#include "common/alloc.h"
#include "common/errors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    nq_sched_entry_t entry;    //  first member: an entry pointer is a job pointer
    int id;
    char tenant[16];
    nq_class_t klass;
} s_job_t;

static s_job_t *
s_jobs (size_t n)
{
    s_job_t *jobs = calloc (n, sizeof *jobs);
    assert_non_null (jobs);
    for (size_t i = 0; i < n; i++)
        jobs[i].id = (int) i;
    return jobs;
}

static s_job_t *
s_pop (nq_sched_t *s)
{
    return (s_job_t *) nq_sched_pop (s, NULL, NULL, NULL, NULL);
}

static void
test_fifo_per_tenant (void **state)
{
    (void) state;
    nq_sched_t *s = nq_sched_new (NULL);
    s_job_t *jobs = s_jobs (5);
    for (int i = 0; i < 5; i++)
        assert_int_equal (nq_sched_push (s, &jobs[i].entry, "chat/m", NQ_CLASS_INTERACTIVE, "a", 1, 100 + i), 0);
    assert_int_equal (nq_sched_size (s), 5);
    assert_int_equal (nq_sched_push (s, &jobs[0].entry, "chat/m", NQ_CLASS_INTERACTIVE, "a", 1, 0), NQ_EINVALID);
    for (int i = 0; i < 5; i++)
        assert_int_equal (s_pop (s)->id, i);
    assert_null (s_pop (s));
    assert_int_equal (nq_sched_size (s), 0);
    nq_sched_destroy (&s);
    assert_null (s);
    free (jobs);
}

//  Acceptance: tenant A enqueues 10,000 jobs, then tenant B one of the same
//  class; B's job is dispatched within the next two decisions.
static void
test_tenant_flood_does_not_starve (void **state)
{
    (void) state;
    nq_sched_t *s = nq_sched_new (NULL);
    s_job_t *a = s_jobs (10000);
    s_job_t b = {.id = -1};
    for (int i = 0; i < 10000; i++)
        assert_int_equal (nq_sched_push (s, &a[i].entry, "chat/m", NQ_CLASS_INTERACTIVE, "A", 1, 0), 0);
    //  Some of A's jobs are already going out when B arrives.
    for (int i = 0; i < 37; i++)
        assert_int_equal (s_pop (s)->id, i);
    assert_int_equal (nq_sched_push (s, &b.entry, "chat/m", NQ_CLASS_INTERACTIVE, "B", 1, 0), 0);
    int seen_b_at = -1;
    for (int i = 0; i < 2 && seen_b_at < 0; i++)
        if (s_pop (s)->id == -1)
            seen_b_at = i;
    assert_true (seen_b_at >= 0);
    //  A's FIFO order was kept around B.
    assert_int_equal (s_pop (s)->id, seen_b_at == 0 ? 37 : 38);
    nq_sched_destroy (&s);
    free (a);
}

//  Acceptance: with all three classes backlogged, 1,000 consecutive
//  dispatches split within ±5 % of the configured weights.
static void
test_class_shares (void **state)
{
    (void) state;
    nq_sched_config_t config;
    nq_sched_config_defaults (&config);
    config.weight[NQ_CLASS_INTERACTIVE] = 60;
    config.weight[NQ_CLASS_STANDARD] = 30;
    config.weight[NQ_CLASS_BULK] = 10;
    nq_sched_t *s = nq_sched_new (&config);
    s_job_t *jobs = s_jobs (6000);
    static const char *keys[] = {NULL, "chat/m", "reflect/m", "embed/e"};
    for (int i = 0; i < 6000; i++) {
        nq_class_t c = (nq_class_t) (i % 3 + 1);
        jobs[i].klass = c;
        assert_int_equal (nq_sched_push (s, &jobs[i].entry, keys[c], c, i % 2 ? "t1" : "t2", 1, 0), 0);
    }
    int count[4] = {0, 0, 0, 0};
    for (int i = 0; i < 1000; i++) {
        nq_class_t c;
        const char *key;
        s_job_t *j = (s_job_t *) nq_sched_pop (s, NULL, NULL, &key, &c);
        assert_non_null (j);
        assert_int_equal (c, j->klass);
        assert_string_equal (key, keys[c]);
        count[c]++;
    }
    int expect[4] = {0, 600, 300, 100};
    for (int c = 1; c < 4; c++)
        if (abs (count[c] - expect[c]) > expect[c] / 20)
            fail_msg ("class %s got %d of 1000, expected %d ±5%%", nq_class_name ((nq_class_t) c), count[c], expect[c]);
    nq_sched_destroy (&s);
    free (jobs);
}

//  Unused share flows to the others, and an idle class earns no burst.
static void
test_work_conserving_and_rejoin (void **state)
{
    (void) state;
    nq_sched_t *s = nq_sched_new (NULL);    //  70 / 20 / 10
    s_job_t *bulk = s_jobs (3000);
    s_job_t *chat = s_jobs (100);
    for (int i = 0; i < 3000; i++)
        nq_sched_push (s, &bulk[i].entry, "embed/e", NQ_CLASS_BULK, "batch", 1, 0);
    //  Only bulk is backlogged: every dispatch goes to it.
    for (int i = 0; i < 1000; i++)
        assert_int_equal (s_pop (s)->id, i);
    //  Interactive arrives after being idle for 1,000 dispatches.
    for (int i = 0; i < 100; i++) {
        chat[i].id = 10000 + i;
        nq_sched_push (s, &chat[i].entry, "chat/m", NQ_CLASS_INTERACTIVE, "u", 1, 0);
    }
    int chat_n = 0, bulk_n = 0;
    for (int i = 0; i < 80; i++) {
        if (s_pop (s)->id >= 10000)
            chat_n++;
        else
            bulk_n++;
    }
    //  70:10 → 7/8 of dispatches are interactive, and bulk is not shut out
    //  by a catch-up burst.
    assert_true (chat_n >= 65 && chat_n <= 75);
    assert_true (bulk_n >= 5);
    nq_sched_destroy (&s);
    free (bulk);
    free (chat);
}

static int
s_only_embed (void *arg, const char *key)
{
    (*(int *) arg)++;
    return strncmp (key, "embed/", 6) == 0;
}

static int
s_nothing (void *arg, const char *key)
{
    (void) arg;
    (void) key;
    return 0;
}

static void
test_eligibility (void **state)
{
    (void) state;
    nq_sched_t *s = nq_sched_new (NULL);
    s_job_t *jobs = s_jobs (4);
    nq_sched_push (s, &jobs[0].entry, "chat/m", NQ_CLASS_INTERACTIVE, "u", 1, 0);
    nq_sched_push (s, &jobs[1].entry, "chat/m", NQ_CLASS_INTERACTIVE, "u", 1, 0);
    nq_sched_push (s, &jobs[2].entry, "embed/e", NQ_CLASS_BULK, "u", 1, 0);
    nq_sched_push (s, &jobs[3].entry, "embed/e", NQ_CLASS_BULK, "u", 1, 0);
    assert_null (nq_sched_pop (s, s_nothing, NULL, NULL, NULL));
    int calls = 0;
    //  Only an embed slot is free: bulk is served though interactive is ahead.
    assert_int_equal (((s_job_t *) nq_sched_pop (s, s_only_embed, &calls, NULL, NULL))->id, 2);
    assert_int_equal (((s_job_t *) nq_sched_pop (s, s_only_embed, &calls, NULL, NULL))->id, 3);
    assert_null (nq_sched_pop (s, s_only_embed, &calls, NULL, NULL));
    assert_true (calls >= 3);
    //  Held back, interactive lost no place: it is served next.
    assert_int_equal (s_pop (s)->id, 0);
    nq_sched_destroy (&s);
    free (jobs);
}

static void
test_queues_take_turns (void **state)
{
    (void) state;
    nq_sched_t *s = nq_sched_new (NULL);
    s_job_t *jobs = s_jobs (20);
    for (int i = 0; i < 20; i++)
        nq_sched_push (s, &jobs[i].entry, i < 10 ? "chat/x" : "chat/y", NQ_CLASS_INTERACTIVE, "u", 1, 0);
    const char *prev = NULL;
    char prev_buf[32] = "";
    for (int i = 0; i < 20; i++) {
        const char *key;
        assert_non_null (nq_sched_pop (s, NULL, NULL, &key, NULL));
        if (prev)
            assert_string_not_equal (key, prev_buf);
        snprintf (prev_buf, sizeof prev_buf, "%s", key);
        prev = prev_buf;
    }
    nq_sched_destroy (&s);
    free (jobs);
}

static void
test_remove_and_push_front (void **state)
{
    (void) state;
    nq_sched_t *s = nq_sched_new (NULL);
    s_job_t *jobs = s_jobs (4);
    for (int i = 0; i < 4; i++)
        nq_sched_push (s, &jobs[i].entry, "chat/m", NQ_CLASS_STANDARD, "u", 1, 0);
    assert_int_equal (nq_sched_remove (s, &jobs[1].entry), 0);
    assert_int_equal (nq_sched_remove (s, &jobs[1].entry), NQ_ENOT_FOUND);
    assert_int_equal (nq_sched_tenant_size (s, "chat/m", NQ_CLASS_STANDARD, "u"), 3);
    s_job_t *j = s_pop (s);
    assert_int_equal (j->id, 0);
    //  Dispatch failed: the job goes back to the head of its tenant's FIFO.
    assert_int_equal (nq_sched_push_front (s, &j->entry, "chat/m", NQ_CLASS_STANDARD, "u", 1, 0), 0);
    assert_int_equal (s_pop (s)->id, 0);
    assert_int_equal (s_pop (s)->id, 2);
    assert_int_equal (nq_sched_remove (s, &jobs[3].entry), 0);
    assert_int_equal (nq_sched_size (s), 0);
    assert_int_equal (nq_sched_class_size (s, NQ_CLASS_STANDARD), 0);
    assert_null (s_pop (s));
    nq_sched_destroy (&s);
    free (jobs);
}

static void
test_pause_resume (void **state)
{
    (void) state;
    nq_sched_t *s = nq_sched_new (NULL);
    s_job_t *jobs = s_jobs (2);
    assert_int_equal (nq_sched_pause (s, "chat/m", 1), 0);
    assert_true (nq_sched_is_paused (s, "chat/m"));
    nq_sched_push (s, &jobs[0].entry, "chat/m", NQ_CLASS_INTERACTIVE, "u", 1, 0);
    nq_sched_push (s, &jobs[1].entry, "chat/n", NQ_CLASS_INTERACTIVE, "u", 1, 0);
    assert_int_equal (s_pop (s)->id, 1);
    assert_null (s_pop (s));    //  the paused queue keeps its job
    assert_int_equal (nq_sched_size (s), 1);
    nq_sched_pause (s, "chat/m", 0);
    assert_false (nq_sched_is_paused (s, "chat/m"));
    assert_int_equal (s_pop (s)->id, 0);
    nq_sched_destroy (&s);
    free (jobs);
}

//  Deficit round robin shares cost, not job counts: a tenant of 4-cost jobs
//  gets a quarter as many dispatches as a tenant of 1-cost jobs.
static void
test_drr_cost (void **state)
{
    (void) state;
    nq_sched_config_t config;
    nq_sched_config_defaults (&config);
    config.quantum = 2;
    nq_sched_t *s = nq_sched_new (&config);
    s_job_t *jobs = s_jobs (400);
    for (int i = 0; i < 200; i++) {
        snprintf (jobs[i].tenant, sizeof jobs[i].tenant, "heavy");
        nq_sched_push (s, &jobs[i].entry, "embed/e", NQ_CLASS_BULK, "heavy", 4, 0);
    }
    for (int i = 200; i < 400; i++) {
        snprintf (jobs[i].tenant, sizeof jobs[i].tenant, "light");
        nq_sched_push (s, &jobs[i].entry, "embed/e", NQ_CLASS_BULK, "light", 1, 0);
    }
    int heavy_cost = 0, light_cost = 0;
    for (int i = 0; i < 100; i++) {
        s_job_t *j = s_pop (s);
        if (strcmp (j->tenant, "heavy") == 0)
            heavy_cost += 4;
        else
            light_cost += 1;
    }
    assert_true (abs (heavy_cost - light_cost) <= 8);
    nq_sched_destroy (&s);
    free (jobs);
}

typedef struct {
    int queues;
    size_t depth;
    uint64_t oldest;
} s_visit_t;

static void
s_visit (void *arg, const char *key, nq_class_t klass, size_t depth, uint64_t oldest, int paused)
{
    s_visit_t *v = arg;
    (void) paused;
    v->queues++;
    if (strcmp (key, "chat/m") == 0 && klass == NQ_CLASS_INTERACTIVE) {
        v->depth = depth;
        v->oldest = oldest;
    }
}

static void
test_visit_reports_depth_and_oldest (void **state)
{
    (void) state;
    nq_sched_t *s = nq_sched_new (NULL);
    s_job_t *jobs = s_jobs (4);
    nq_sched_push (s, &jobs[0].entry, "chat/m", NQ_CLASS_INTERACTIVE, "a", 1, 500);
    nq_sched_push (s, &jobs[1].entry, "chat/m", NQ_CLASS_INTERACTIVE, "b", 1, 300);
    nq_sched_push (s, &jobs[2].entry, "chat/m", NQ_CLASS_INTERACTIVE, "a", 1, 900);
    nq_sched_push (s, &jobs[3].entry, "embed/e", NQ_CLASS_BULK, "a", 1, 100);
    s_visit_t v = {0, 0, 0};
    nq_sched_visit (s, s_visit, &v);
    assert_int_equal (v.queues, 2);
    assert_int_equal (v.depth, 3);
    assert_int_equal (v.oldest, 300);
    nq_sched_destroy (&s);    //  destroying with jobs queued unlinks them
    assert_null (jobs[0].entry.tenant);
    free (jobs);
}

static void
test_bad_config_and_allocation_failures (void **state)
{
    (void) state;
    nq_sched_config_t config;
    nq_sched_config_defaults (&config);
    config.weight[NQ_CLASS_BULK] = 0;
    assert_null (nq_sched_new (&config));
    nq_sched_config_defaults (&config);
    config.quantum = 0;
    assert_null (nq_sched_new (&config));
    //  Each allocation of a push can fail; the scheduler stays consistent.
    nq_sched_t *s = nq_sched_new (NULL);
    s_job_t *jobs = s_jobs (1);
    int pushed = 0;
    for (long n = 1; n < 50 && !pushed; n++) {
        nq_alloc_fail_after (n, 0);
        int rc = nq_sched_push (s, &jobs[0].entry, "chat/new", NQ_CLASS_STANDARD, "tenant", 1, 0);
        nq_alloc_fail_after (0, 0);
        if (rc == 0)
            pushed = 1;
        else {
            assert_int_equal (rc, NQ_ENOMEM);
            assert_int_equal (nq_sched_size (s), 0);
            assert_null (s_pop (s));
        }
    }
    assert_true (pushed);
    assert_int_equal (s_pop (s)->id, 0);
    nq_sched_destroy (&s);
    free (jobs);
}

static void
test_class_names (void **state)
{
    (void) state;
    assert_string_equal (nq_class_name (NQ_CLASS_BULK), "bulk");
    assert_int_equal (nq_class_parse ("interactive"), NQ_CLASS_INTERACTIVE);
    assert_int_equal (nq_class_parse ("standard"), NQ_CLASS_STANDARD);
    assert_int_equal (nq_class_parse ("urgent"), -1);
    assert_int_equal (nq_class_parse (NULL), -1);
}

NQ_TEST_MAIN (cmocka_unit_test (test_fifo_per_tenant), cmocka_unit_test (test_tenant_flood_does_not_starve),
              cmocka_unit_test (test_class_shares), cmocka_unit_test (test_work_conserving_and_rejoin),
              cmocka_unit_test (test_eligibility), cmocka_unit_test (test_queues_take_turns),
              cmocka_unit_test (test_remove_and_push_front), cmocka_unit_test (test_pause_resume),
              cmocka_unit_test (test_drr_cost), cmocka_unit_test (test_visit_reports_depth_and_oldest),
              cmocka_unit_test (test_bad_config_and_allocation_failures), cmocka_unit_test (test_class_names))
