/*  bench_zmq_floor.c — the floor ZeroMQ itself sets under the broker
    benchmark: the same message hops as novaq with no broker logic at all.

      bench_zmq_floor proxy FRONT BACK WORKERS
          a ROUTER on FRONT (clients) and a ROUTER on BACK (echo workers);
          once WORKERS workers said hello it forwards each client message
          to the next worker in turn and each answer back to its client.
      bench_zmq_floor echo BACK
          a DEALER echo worker: says hello, then sends back what it gets.
      bench_zmq_floor clients FRONT TOTAL CLIENTS
          CLIENTS threads, each a DEALER in a closed loop (send 64 bytes,
          wait for the answer) until TOTAL round trips are done between
          them: the 4-hop shape (client → proxy → worker → proxy → client).
      bench_zmq_floor echo-server BIND
          a ROUTER that sends back what it gets (one hop).
      bench_zmq_floor sync ENDPOINT TOTAL
          one DEALER, one synchronous round trip at a time.

    The servers run until they are signalled; the clients print one result
    line (bench_stats.h). */
#include "peers/bench_stats.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define S_MAX_WORKERS 64
#define S_MAX_PARTS 8

static void
s_die (const char *what)
{
    fprintf (stderr, "bench_zmq_floor: %s: %s\n", what, zmq_strerror (zmq_errno ()));
    exit (1);
}

static void *
s_socket (void *ctx, int type, const char *endpoint, int bind)
{
    void *sock = zmq_socket (ctx, type);
    int zero = 0, hwm = 100000;
    zmq_setsockopt (sock, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt (sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt (sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    if ((bind ? zmq_bind (sock, endpoint) : zmq_connect (sock, endpoint)) != 0)
        s_die (endpoint);
    return sock;
}

//  Receives one multipart message into parts; returns the count, 0 when
//  nothing is waiting (flags ZMQ_DONTWAIT).
static size_t
s_recv (void *sock, zmq_msg_t *parts, int flags)
{
    size_t n = 0;
    int more = 1;
    while (more && n < S_MAX_PARTS) {
        zmq_msg_init (&parts[n]);
        if (zmq_msg_recv (&parts[n], sock, n ? 0 : flags) < 0) {
            zmq_msg_close (&parts[n]);
            if (n == 0 && zmq_errno () == EAGAIN)
                return 0;
            s_die ("recv");
        }
        more = zmq_msg_more (&parts[n]);
        n++;
    }
    return n;
}

//  Sends parts[from..n) (consuming them), after an optional routing frame.
static void
s_send (void *sock, const zmq_msg_t *route, zmq_msg_t *parts, size_t from, size_t n)
{
    if (route) {
        zmq_msg_t copy;
        zmq_msg_init (&copy);
        zmq_msg_copy (&copy, (zmq_msg_t *)route);
        if (zmq_msg_send (&copy, sock, ZMQ_SNDMORE) < 0)
            s_die ("send");
    }
    for (size_t i = from; i < n; i++)
        if (zmq_msg_send (&parts[i], sock, i + 1 < n ? ZMQ_SNDMORE : 0) < 0)
            s_die ("send");
}

static void
s_close_parts (zmq_msg_t *parts, size_t from, size_t n)
{
    for (size_t i = from; i < n; i++)
        zmq_msg_close (&parts[i]);
}

//  ---- proxy -----------------------------------------------------------------

static int
s_proxy (const char *front_ep, const char *back_ep, long want)
{
    void *ctx = zmq_ctx_new ();
    void *front = s_socket (ctx, ZMQ_ROUTER, front_ep, 1);
    void *back = s_socket (ctx, ZMQ_ROUTER, back_ep, 1);
    zmq_msg_t workers[S_MAX_WORKERS];
    long nworkers = 0, next = 0;
    zmq_msg_t parts[S_MAX_PARTS];
    for (;;) {
        zmq_pollitem_t items[2] = {{back, 0, ZMQ_POLLIN, 0}, {front, 0, ZMQ_POLLIN, 0}};
        //  Clients wait until every worker is known.
        if (zmq_poll (items, nworkers >= want ? 2 : 1, -1) < 0)
            s_die ("poll");
        size_t n;
        //  Drain every ready message per wake-up, as the broker does.
        while ((n = s_recv (back, parts, ZMQ_DONTWAIT)) > 0) {
            if (n == 2 && zmq_msg_size (&parts[1]) == 5 &&
                memcmp (zmq_msg_data (&parts[1]), "HELLO", 5) == 0) {
                if (nworkers < S_MAX_WORKERS) {
                    zmq_msg_init (&workers[nworkers]);
                    zmq_msg_copy (&workers[nworkers++], &parts[0]);
                }
                s_close_parts (parts, 0, n);
                continue;
            }
            //  [worker][client][payload] → [client][payload]
            s_send (front, NULL, parts, 1, n);
            zmq_msg_close (&parts[0]);
        }
        if (nworkers < want)
            continue;
        while ((n = s_recv (front, parts, ZMQ_DONTWAIT)) > 0) {
            //  [client][payload] → [worker][client][payload]
            s_send (back, &workers[next], parts, 0, n);
            next = (next + 1) % nworkers;
        }
    }
    return 0;
}

//  ---- echo worker and one-hop echo server ------------------------------------

static int
s_echo (const char *back_ep)
{
    void *ctx = zmq_ctx_new ();
    void *sock = s_socket (ctx, ZMQ_DEALER, back_ep, 0);
    if (zmq_send (sock, "HELLO", 5, 0) < 0)
        s_die ("send");
    zmq_msg_t parts[S_MAX_PARTS];
    for (;;) {
        size_t n = s_recv (sock, parts, 0);
        s_send (sock, NULL, parts, 0, n);
    }
    return 0;
}

static int
s_echo_server (const char *bind_ep)
{
    void *ctx = zmq_ctx_new ();
    void *sock = s_socket (ctx, ZMQ_ROUTER, bind_ep, 1);
    zmq_msg_t parts[S_MAX_PARTS];
    for (;;) {
        size_t n = s_recv (sock, parts, 0);
        s_send (sock, NULL, parts, 0, n);
    }
    return 0;
}

//  ---- clients -----------------------------------------------------------------

typedef struct {
    void *ctx;
    const char *endpoint;
} s_target_t;

static void
s_closed_loop (nq_bench_client_t *c)
{
    const s_target_t *target = c->arg;
    void *sock = s_socket (target->ctx, ZMQ_DEALER, target->endpoint, 0);
    char payload[NQ_BENCH_PAYLOAD + 1], answer[NQ_BENCH_PAYLOAD + 16];
    //  One untimed round trip so the connection is up before the clock starts.
    nq_bench_payload (payload, 0);
    if (zmq_send (sock, payload, NQ_BENCH_PAYLOAD, 0) < 0 || zmq_recv (sock, answer, sizeof answer, 0) < 0)
        s_die ("warm-up");
    nq_bench_client_start (c);
    for (long i = 0; i < c->total; i++) {
        nq_bench_payload (payload, (uint64_t)i);
        uint64_t t0 = nq_bench_now_ns ();
        if (zmq_send (sock, payload, NQ_BENCH_PAYLOAD, 0) < 0)
            s_die ("send");
        int got = zmq_recv (sock, answer, sizeof answer, 0);
        if (got != NQ_BENCH_PAYLOAD || memcmp (answer, payload, NQ_BENCH_PAYLOAD) != 0) {
            fprintf (stderr, "bench_zmq_floor: a wrong answer (%d bytes)\n", got);
            exit (1);
        }
        nq_bench_lat_add (&c->lat, nq_bench_now_ns () - t0);
    }
    c->finished_ns = nq_bench_now_ns ();
    zmq_close (sock);
}

static int
s_clients (const char *endpoint, long total, long clients, const char *workload)
{
    s_target_t target = {zmq_ctx_new (), endpoint};
    nq_bench_closed_loop ("zmq", workload, clients, total, s_closed_loop, &target);
    zmq_ctx_term (target.ctx);
    return 0;
}

int
main (int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp (mode, "proxy") == 0 && argc == 5)
        return s_proxy (argv[2], argv[3], nq_bench_count (argv[4], "WORKERS"));
    if (strcmp (mode, "echo") == 0 && argc == 3)
        return s_echo (argv[2]);
    if (strcmp (mode, "echo-server") == 0 && argc == 3)
        return s_echo_server (argv[2]);
    if (strcmp (mode, "clients") == 0 && argc == 5)
        return s_clients (argv[2], nq_bench_count (argv[3], "TOTAL"), nq_bench_count (argv[4], "CLIENTS"),
                          "floor-4hop");
    if (strcmp (mode, "sync") == 0 && argc == 4)
        return s_clients (argv[2], nq_bench_count (argv[3], "TOTAL"), 1, "floor-1hop");
    fprintf (stderr,
             "usage: bench_zmq_floor proxy FRONT BACK WORKERS | echo BACK | clients FRONT TOTAL CLIENTS\n"
             "       bench_zmq_floor echo-server BIND | sync ENDPOINT TOTAL\n");
    return 2;
}
