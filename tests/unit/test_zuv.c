/*  test_zuv.c — ZeroMQ sockets on a libuv loop: nothing lost to the edge-
    triggered descriptor, order kept, bounded queue, part limit, ROUTER
    routing errors, and every handle closed at the end. */
#include "nqtest.h"

#include "common/errors.h"
#include "common/zuv.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>
#include <zmq.h>

typedef struct {
    uv_loop_t loop;
    void *ctx;
    void *router, *dealer;
    nq_zuv_t *zr, *zd;
    uv_timer_t watchdog;
    int timed_out;
    long expect;      //  messages the dealer expects back
    long received;    //  messages back at the dealer
    long in_order;    //  of which in sequence
    long router_got;
    int closed;
    int echo;         //  the router echoes what it receives
} s_fix_t;

static void
s_router_recv (void *arg, nq_zuv_t *zuv, zmq_msg_t *parts, size_t count)
{
    s_fix_t *f = arg;
    f->router_got++;
    if (!f->echo)
        return;
    //  parts: identity, body — send the body back to that identity.
    assert_int_equal (count, 2);
    nq_zpart_t body = {zmq_msg_data (&parts[1]), zmq_msg_size (&parts[1])};
    assert_int_equal (nq_zuv_send_to (zuv, zmq_msg_data (&parts[0]), zmq_msg_size (&parts[0]), &body, 1), 0);
}

static void
s_closed (void *arg, nq_zuv_t *zuv)
{
    (void) zuv;
    ((s_fix_t *) arg)->closed++;
}

static void
s_watchdog (uv_timer_t *t)
{
    //  A bound so a hang fails the test instead of blocking CI; not a timing assertion.
    s_fix_t *f = t->data;
    f->timed_out = 1;
    uv_stop (&f->loop);
}

static void
s_dealer_recv (void *arg, nq_zuv_t *zuv, zmq_msg_t *parts, size_t count)
{
    s_fix_t *f = arg;
    (void) zuv;
    assert_int_equal (count, 1);
    long seq = -1;
    char buf[32];
    size_t n = zmq_msg_size (&parts[0]) < sizeof buf - 1 ? zmq_msg_size (&parts[0]) : sizeof buf - 1;
    memcpy (buf, zmq_msg_data (&parts[0]), n);
    buf[n] = '\0';
    sscanf (buf, "%ld", &seq);
    if (seq == f->received)
        f->in_order++;
    f->received++;
    if (f->received == f->expect)
        uv_stop (&f->loop);
}

static void
s_setup_fix (s_fix_t *f, const char *endpoint, int with_dealer_zuv)
{
    memset (f, 0, sizeof *f);
    assert_int_equal (uv_loop_init (&f->loop), 0);
    f->ctx = zmq_ctx_new ();
    f->router = zmq_socket (f->ctx, ZMQ_ROUTER);
    int one = 1;
    zmq_setsockopt (f->router, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    assert_int_equal (zmq_bind (f->router, endpoint), 0);
    f->zr = nq_zuv_new (&f->loop, f->router, NULL, s_router_recv, f);
    assert_non_null (f->zr);
    if (with_dealer_zuv) {
        f->dealer = zmq_socket (f->ctx, ZMQ_DEALER);
        assert_int_equal (zmq_connect (f->dealer, endpoint), 0);
        f->zd = nq_zuv_new (&f->loop, f->dealer, NULL, s_dealer_recv, f);
        assert_non_null (f->zd);
    }
    uv_timer_init (&f->loop, &f->watchdog);
    f->watchdog.data = f;
    uv_timer_start (&f->watchdog, s_watchdog, 60000, 0);
}

static void
s_teardown_fix (s_fix_t *f)
{
    int expected_closes = 0;
    if (f->zr) {
        nq_zuv_close (f->zr, s_closed);
        expected_closes++;
    }
    if (f->zd) {
        nq_zuv_close (f->zd, s_closed);
        expected_closes++;
    }
    uv_close ((uv_handle_t *) &f->watchdog, NULL);
    uv_run (&f->loop, UV_RUN_DEFAULT);
    assert_int_equal (f->closed, expected_closes);
    //  Every handle was closed: the loop closes cleanly.
    assert_int_equal (uv_loop_close (&f->loop), 0);
    int zero = 0;
    if (f->dealer) {
        zmq_setsockopt (f->dealer, ZMQ_LINGER, &zero, sizeof zero);
        zmq_close (f->dealer);
    }
    zmq_setsockopt (f->router, ZMQ_LINGER, &zero, sizeof zero);
    zmq_close (f->router);
    zmq_ctx_term (f->ctx);
}

//  50,000 messages out and echoed back on one loop: all arrive, in order.
static void
test_echo_many_in_order (void **state)
{
    (void) state;
    s_fix_t f;
    s_setup_fix (&f, "inproc://zuv-echo", 1);
    f.echo = 1;
    f.expect = 50000;
    for (long i = 0; i < f.expect; i++) {
        char buf[32];
        int n = snprintf (buf, sizeof buf, "%ld", i);
        nq_zpart_t part = {buf, (size_t) n};
        assert_int_equal (nq_zuv_send (f.zd, &part, 1), 0);
    }
    uv_run (&f.loop, UV_RUN_DEFAULT);
    assert_false (f.timed_out);
    assert_int_equal (f.received, f.expect);
    assert_int_equal (f.in_order, f.expect);
    nq_zuv_stats_t st;
    nq_zuv_stats (f.zr, &st);
    assert_int_equal (st.received, f.expect);
    assert_int_equal (st.sent, f.expect);
    s_teardown_fix (&f);
}

typedef struct {
    void *ctx;
    const char *endpoint;
    long count;
} s_sender_t;

static void *
s_sender_thread (void *arg)
{
    s_sender_t *s = arg;
    void *dealer = zmq_socket (s->ctx, ZMQ_DEALER);
    zmq_connect (dealer, s->endpoint);
    for (long i = 0; i < s->count; i++) {
        //  Bursts and pauses, so the loop sees both backlogs and idle edges.
        zmq_send (dealer, "x", 1, 0);
        if (i % 997 == 0) {
            struct timespec ts = {0, 200000};
            nanosleep (&ts, NULL);
        }
    }
    int linger = 5000;
    zmq_setsockopt (dealer, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close (dealer);
    return NULL;
}

static void
s_check_done (uv_timer_t *t)
{
    s_fix_t *f = t->data;
    if (f->router_got == f->expect)
        uv_stop (&f->loop);
}

//  Messages from other threads (blocking senders) are never stranded by a
//  consumed edge: every one of them is received.
static void
test_nothing_lost_from_other_threads (void **state)
{
    (void) state;
    s_fix_t f;
    s_setup_fix (&f, "inproc://zuv-threads", 0);
    f.expect = 3 * 20000;
    s_sender_t senders[3];
    pthread_t threads[3];
    for (int i = 0; i < 3; i++) {
        senders[i] = (s_sender_t){f.ctx, "inproc://zuv-threads", 20000};
        pthread_create (&threads[i], NULL, s_sender_thread, &senders[i]);
    }
    uv_timer_t check;
    uv_timer_init (&f.loop, &check);
    check.data = &f;
    uv_timer_start (&check, s_check_done, 5, 5);
    uv_run (&f.loop, UV_RUN_DEFAULT);
    for (int i = 0; i < 3; i++)
        pthread_join (threads[i], NULL);
    assert_false (f.timed_out);
    assert_int_equal (f.router_got, f.expect);
    uv_close ((uv_handle_t *) &check, NULL);
    s_teardown_fix (&f);
}

//  With no peer, a DEALER cannot send: messages wait in order up to the
//  bound, then sends are refused; once a peer appears they all go, in order.
static void
test_queue_bound_and_flush (void **state)
{
    (void) state;
    s_fix_t f;
    memset (&f, 0, sizeof f);
    assert_int_equal (uv_loop_init (&f.loop), 0);
    f.ctx = zmq_ctx_new ();
    f.dealer = zmq_socket (f.ctx, ZMQ_DEALER);
    nq_zuv_options_t opts = {.budget = 16, .max_queued = 100};
    f.zd = nq_zuv_new (&f.loop, f.dealer, &opts, s_dealer_recv, &f);
    uv_timer_init (&f.loop, &f.watchdog);
    f.watchdog.data = &f;
    uv_timer_start (&f.watchdog, s_watchdog, 60000, 0);
    int refused = 0;
    for (long i = 0; i < 150; i++) {
        char buf[32];
        int n = snprintf (buf, sizeof buf, "%ld", i);
        nq_zpart_t part = {buf, (size_t) n};
        int rc = nq_zuv_send (f.zd, &part, 1);
        if (rc == NQ_EOVERLOADED)
            refused++;
        else
            assert_int_equal (rc, 0);
    }
    //  A DEALER that is connected to nothing has no pipe: nothing can go yet.
    assert_int_equal (nq_zuv_queued (f.zd), 100);
    assert_int_equal (refused, 50);
    uv_run (&f.loop, UV_RUN_NOWAIT);
    assert_int_equal (nq_zuv_queued (f.zd), 100);
    //  The peer appears; the queue drains in order and the echoes return.
    f.router = zmq_socket (f.ctx, ZMQ_ROUTER);
    assert_int_equal (zmq_bind (f.router, "inproc://zuv-late"), 0);
    assert_int_equal (zmq_connect (f.dealer, "inproc://zuv-late"), 0);
    f.zr = nq_zuv_new (&f.loop, f.router, NULL, s_router_recv, &f);
    f.echo = 1;
    f.expect = 100;
    uv_run (&f.loop, UV_RUN_DEFAULT);
    assert_false (f.timed_out);
    assert_int_equal (nq_zuv_queued (f.zd), 0);
    assert_int_equal (f.received, 100);
    assert_int_equal (f.in_order, 100);
    s_teardown_fix (&f);
}

static void
s_count_recv (void *arg, nq_zuv_t *zuv, zmq_msg_t *parts, size_t count)
{
    s_fix_t *f = arg;
    (void) zuv;
    (void) parts;
    f->router_got++;
    f->received = (long) count;
    uv_stop (&f->loop);
}

//  A message of more parts than the limit is dropped and counted; the next
//  one is delivered. A ROUTER send to an unknown peer says so.
static void
test_part_limit_and_unroutable (void **state)
{
    (void) state;
    s_fix_t f;
    s_setup_fix (&f, "inproc://zuv-parts", 0);
    nq_zuv_close (f.zr, NULL);
    f.zr = nq_zuv_new (&f.loop, f.router, NULL, s_count_recv, &f);
    void *dealer = zmq_socket (f.ctx, ZMQ_DEALER);
    zmq_connect (dealer, "inproc://zuv-parts");
    for (int i = 0; i < NQ_ZUV_MAX_PARTS + 4; i++)
        zmq_send (dealer, "p", 1, i < NQ_ZUV_MAX_PARTS + 3 ? ZMQ_SNDMORE : 0);
    zmq_send (dealer, "ok", 2, 0);
    uv_run (&f.loop, UV_RUN_DEFAULT);
    assert_false (f.timed_out);
    assert_int_equal (f.router_got, 1);
    assert_int_equal (f.received, 2);    //  identity + "ok"
    nq_zuv_stats_t st;
    nq_zuv_stats (f.zr, &st);
    assert_int_equal (st.dropped_parts, 1);
    nq_zpart_t part = {"hi", 2};
    assert_int_equal (nq_zuv_send_to (f.zr, "nobody", 6, &part, 1), NQ_ENOT_FOUND);
    nq_zuv_stats (f.zr, &st);
    assert_int_equal (st.unroutable, 1);
    //  Too many parts to send at all.
    nq_zpart_t many[NQ_ZUV_MAX_PARTS + 1];
    for (int i = 0; i <= NQ_ZUV_MAX_PARTS; i++)
        many[i] = part;
    assert_int_equal (nq_zuv_send (f.zr, many, NQ_ZUV_MAX_PARTS + 1), NQ_EINVALID);
    int zero = 0;
    zmq_setsockopt (dealer, ZMQ_LINGER, &zero, sizeof zero);
    zmq_close (dealer);
    s_teardown_fix (&f);
}

//  While receiving is off, messages wait in ZeroMQ; turning it on delivers them.
static void
test_receiving_pause (void **state)
{
    (void) state;
    s_fix_t f;
    s_setup_fix (&f, "inproc://zuv-pause", 1);
    nq_zuv_set_receiving (f.zr, 0);
    for (int i = 0; i < 10; i++) {
        nq_zpart_t part = {"m", 1};
        nq_zuv_send (f.zd, &part, 1);
    }
    for (int i = 0; i < 20; i++)
        uv_run (&f.loop, UV_RUN_NOWAIT);
    assert_int_equal (f.router_got, 0);
    nq_zuv_set_receiving (f.zr, 1);
    uv_timer_t check;
    uv_timer_init (&f.loop, &check);
    check.data = &f;
    f.expect = 10;
    uv_timer_start (&check, s_check_done, 1, 1);
    uv_run (&f.loop, UV_RUN_DEFAULT);
    assert_false (f.timed_out);
    assert_int_equal (f.router_got, 10);
    uv_close ((uv_handle_t *) &check, NULL);
    s_teardown_fix (&f);
}

NQ_TEST_MAIN (cmocka_unit_test (test_echo_many_in_order), cmocka_unit_test (test_nothing_lost_from_other_threads),
              cmocka_unit_test (test_queue_bound_and_flush), cmocka_unit_test (test_part_limit_and_unroutable),
              cmocka_unit_test (test_receiving_pause))
