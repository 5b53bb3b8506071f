/*  test_mailbox.c — the two-lane MPSC mailbox: lane priority, the
    empty→non-empty wake-up signal, snapshot/consume accounting, and several
    producer threads against one consumer with nothing lost, duplicated or
    reordered per producer. */
#include "nqtest.h"

#include "actors/mailbox.h"
#include "common/alloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static nq_mail_t *
s_msg (uint32_t type, uint64_t v)
{
    nq_mail_t *m = nq_mail_new (type, &v, sizeof v);
    assert_non_null (m);
    return m;
}

static uint64_t
s_val (const nq_mail_t *m)
{
    uint64_t v;
    memcpy (&v, m->data, sizeof v);
    return v;
}

static void
test_lanes_and_wakeups (void **state)
{
    (void)state;
    nq_mailbox_t mb;
    nq_mailbox_init (&mb);
    assert_null (nq_mailbox_pop (&mb));
    //  Only the first push after empty asks for a wake-up.
    assert_int_equal (nq_mailbox_push (&mb, s_msg (1, 10), NQ_LANE_NORMAL), 1);
    assert_int_equal (nq_mailbox_push (&mb, s_msg (1, 11), NQ_LANE_NORMAL), 0);
    assert_int_equal (nq_mailbox_push (&mb, s_msg (2, 20), NQ_LANE_SYSTEM), 0);
    assert_int_equal (nq_mailbox_push (&mb, s_msg (1, 12), NQ_LANE_NORMAL), 0);
    assert_int_equal (nq_mailbox_push (&mb, s_msg (2, 21), NQ_LANE_SYSTEM), 0);
    assert_int_equal (nq_mailbox_pending (&mb), 5);
    //  System lane first, each lane in order.
    uint64_t want[] = {20, 21, 10};
    for (int i = 0; i < 3; i++) {
        nq_mail_t *m = nq_mailbox_pop (&mb);
        assert_non_null (m);
        assert_int_equal (s_val (m), want[i]);
        nq_mail_destroy (&m);
        assert_null (m);
    }
    //  Consumed three of five: two remain, so the consumer re-arms itself and
    //  producers still do not wake it.
    assert_int_equal (nq_mailbox_consumed (&mb, 3), 2);
    assert_int_equal (nq_mailbox_push (&mb, s_msg (1, 13), NQ_LANE_NORMAL), 0);
    for (uint64_t v = 11; v <= 13; v++) {
        nq_mail_t *m = nq_mailbox_pop (&mb);
        assert_int_equal (s_val (m), v);
        nq_mail_destroy (&m);
    }
    assert_int_equal (nq_mailbox_consumed (&mb, 3), 0);
    //  Empty again: the next push asks for a wake-up again.
    assert_int_equal (nq_mailbox_push (&mb, s_msg (1, 14), NQ_LANE_SYSTEM), 1);
    assert_int_equal (nq_mailbox_push (&mb, s_msg (1, 15), NQ_LANE_NORMAL), 0);
    assert_int_equal (nq_mailbox_fini (&mb), 2);    //  frees what is left
}

static void
test_message_alloc (void **state)
{
    (void)state;
    nq_mail_t *m = nq_mail_new (7, NULL, 0);
    assert_non_null (m);
    assert_int_equal (m->type, 7);
    assert_int_equal (m->size, 0);
    assert_int_equal (m->flags, 0);
    assert_null (m->from);
    nq_mail_destroy (&m);
    nq_mail_destroy (&m);    //  accepts NULL
    nq_alloc_fail_after (1, 0);
    assert_null (nq_mail_new (1, "x", 1));
    m = nq_mail_new (1, "abc", 3);
    assert_non_null (m);
    assert_memory_equal (m->data, "abc", 3);
    nq_mail_destroy (&m);
}

#define PRODUCERS 4
#define PER_PRODUCER 100000

typedef struct {
    nq_mailbox_t *mb;
    uint32_t id;
    _Atomic int *wakeups;
} prod_t;

static void *
s_producer (void *arg)
{
    prod_t *p = arg;
    for (uint64_t i = 0; i < PER_PRODUCER; i++) {
        nq_mail_t *m = nq_mail_new (p->id, &i, sizeof i);
        if (!m)
            abort ();
        //  Every 97th on the system lane: per-lane order is still per producer.
        if (nq_mailbox_push (p->mb, m, i % 97 == 0 ? NQ_LANE_SYSTEM : NQ_LANE_NORMAL))
            atomic_fetch_add (p->wakeups, 1);
    }
    return NULL;
}

static void
test_producers_against_one_consumer (void **state)
{
    (void)state;
    nq_mailbox_t mb;
    nq_mailbox_init (&mb);
    _Atomic int wakeups = 0;
    pthread_t th[PRODUCERS];
    prod_t p[PRODUCERS];
    for (uint32_t i = 0; i < PRODUCERS; i++) {
        p[i] = (prod_t){.mb = &mb, .id = i, .wakeups = &wakeups};
        assert_int_equal (pthread_create (&th[i], NULL, s_producer, &p[i]), 0);
    }
    //  The consumer works like an actor: snapshot, pop that many, consume.
    uint64_t next_sys[PRODUCERS] = {0}, next_norm[PRODUCERS] = {0}, per[PRODUCERS] = {0}, got = 0, errors = 0;
    int activations = 0;
    while (got < (uint64_t)PRODUCERS * PER_PRODUCER) {
        size_t k = nq_mailbox_pending (&mb);
        if (k == 0)
            continue;
        if (k > 64)
            k = 64;
        for (size_t i = 0; i < k; i++) {
            nq_mail_t *m = nq_mailbox_pop (&mb);
            assert_non_null (m);    //  counted messages are always reachable
            uint64_t v = s_val (m);
            uint64_t *next = v % 97 == 0 ? next_sys : next_norm;
            //  Per producer and lane, values arrive in increasing order.
            if (v < next[m->type])
                errors++;
            next[m->type] = v + 1;
            per[m->type]++;
            nq_mail_destroy (&m);
            got++;
        }
        nq_mailbox_consumed (&mb, k);
        activations++;
    }
    for (int i = 0; i < PRODUCERS; i++)
        pthread_join (th[i], NULL);
    assert_int_equal (errors, 0);
    assert_int_equal (got, (uint64_t)PRODUCERS * PER_PRODUCER);
    assert_int_equal (nq_mailbox_pending (&mb), 0);
    assert_null (nq_mailbox_pop (&mb));
    assert_true (atomic_load (&wakeups) >= 1);
    assert_true (atomic_load (&wakeups) <= activations + 1);    //  one per empty→non-empty, at most
    for (int i = 0; i < PRODUCERS; i++) {
        assert_int_equal (per[i], PER_PRODUCER);          //  nothing lost or duplicated
        assert_int_equal (next_norm[i], PER_PRODUCER);    //  99999 travels on the normal lane
    }
    assert_int_equal (nq_mailbox_fini (&mb), 0);
}

NQ_TEST_MAIN (cmocka_unit_test (test_lanes_and_wakeups), cmocka_unit_test (test_message_alloc),
              cmocka_unit_test (test_producers_against_one_consumer))
