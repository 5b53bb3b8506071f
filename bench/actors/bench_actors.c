/*  bench_actors.c — message throughput of the actor runtime.

    Two cases side by side in one run, each repeated and reported as the
    median: a producer actor and a consumer actor on the same loop ("within
    a loop"), and on two loops ("across loops"). The producer keeps a window
    of messages in flight (the consumer acknowledges every ACK_EVERY), so
    mailboxes stay bounded; it sends in bursts and re-arms itself with a
    message, as a real actor would. Only the data messages are counted.

    Usage: bench_actors [MESSAGES [RUNS]]   (default 5000000, 5) */
#include "actors/actor.h"
#include "actors/runtime.h"
#include "common/clock.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { T_KICK = 1, T_MORE, T_DATA, T_ACK };
#define WINDOW 65536
#define ACK_EVERY 4096
#define BURST 1024

typedef struct {
    uint64_t total;
    uint64_t sent, acked;
    uint64_t received;
    nq_actor_t *peer;
    int more_pending;
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    int done;
} bench_t;

static int
s_producer (nq_actor_t *self, nq_mail_t *msg)
{
    bench_t *b = nq_actor_state (self);
    if (msg->type == T_ACK) {
        uint64_t n;
        memcpy (&n, msg->data, sizeof n);
        b->acked = n;
    }
    if (msg->type == T_MORE)
        b->more_pending = 0;
    for (int i = 0; i < BURST && b->sent < b->total && b->sent - b->acked < WINDOW; i++, b->sent++)
        if (nq_actor_send (b->peer, T_DATA, &b->sent, sizeof b->sent) != 0)
            return -1;
    if (b->sent < b->total && b->sent - b->acked < WINDOW && !b->more_pending) {
        b->more_pending = 1;
        return nq_actor_send (self, T_MORE, NULL, 0);
    }
    return 0;
}

typedef struct {
    bench_t *b;
    nq_actor_t *producer;
} consumer_t;

static int
s_consumer (nq_actor_t *self, nq_mail_t *msg)
{
    consumer_t *c = nq_actor_state (self);
    bench_t *b = c->b;
    if (msg->type != T_DATA)
        return 0;
    b->received++;
    if (b->received % ACK_EVERY == 0)
        nq_actor_send (c->producer, T_ACK, &b->received, sizeof b->received);
    if (b->received == b->total) {
        pthread_mutex_lock (&b->mutex);
        b->done = 1;
        pthread_cond_signal (&b->cond);
        pthread_mutex_unlock (&b->mutex);
    }
    return 0;
}

static int
s_init (nq_actor_t *self, void *arg)
{
    nq_actor_set_state (self, arg);
    return 0;
}

//  One run: messages per second.
static double
s_run (uint64_t total, int across)
{
    nq_runtime_opts_t opts;
    nq_runtime_opts_default (&opts);
    opts.loops = 2;
    nq_runtime_t *rt = nq_runtime_new (&opts);
    if (!rt || nq_runtime_start (rt) != 0)
        exit (1);
    bench_t b = {.total = total};
    pthread_mutex_init (&b.mutex, NULL);
    pthread_cond_init (&b.cond, NULL);
    consumer_t c = {.b = &b};
    nq_actor_def_t pdef = {.name = "producer", .init = s_init, .handle = s_producer};
    nq_actor_def_t cdef = {.name = "consumer", .init = s_init, .handle = s_consumer};
    nq_actor_t *prod, *cons;
    nq_spawn_opts_t cso = {.loop = across ? 1 : 0}, pso = {.loop = 0};
    if (nq_actor_spawn (rt, &cdef, &c, &cso, &cons) != 0 || nq_actor_spawn (rt, &pdef, &b, &pso, &prod) != 0)
        exit (1);
    b.peer = cons;
    c.producer = prod;
    nq_clock_t *clock = nq_clock_system ();
    uint64_t t0 = nq_clock_now_us (clock);
    nq_actor_send (prod, T_KICK, NULL, 0);
    pthread_mutex_lock (&b.mutex);
    while (!b.done)
        pthread_cond_wait (&b.cond, &b.mutex);
    pthread_mutex_unlock (&b.mutex);
    uint64_t t1 = nq_clock_now_us (clock);
    nq_actor_unref (&prod);
    nq_actor_unref (&cons);
    if (nq_runtime_destroy (&rt) != 0)
        exit (1);
    pthread_cond_destroy (&b.cond);
    pthread_mutex_destroy (&b.mutex);
    return (double)total * 1e6 / (double)(t1 - t0);
}

static int
s_cmp (const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int
main (int argc, char **argv)
{
    uint64_t total = argc > 1 ? strtoull (argv[1], NULL, 10) : 5000000;
    int runs = argc > 2 ? atoi (argv[2]) : 5;
    if (runs < 1 || runs > 99 || total == 0)
        return 2;
    const char *names[2] = {"within_loop", "across_loops"};
    double med[2];
    for (int across = 0; across < 2; across++) {
        double r[99];
        //  Interleave nothing: each case runs back to back on an idle loop pair.
        for (int i = 0; i < runs; i++)
            r[i] = s_run (total, across);
        qsort (r, (size_t)runs, sizeof r[0], s_cmp);
        med[across] = r[runs / 2];
        printf ("%-13s messages=%llu runs=%d median=%.0f/s min=%.0f/s max=%.0f/s\n", names[across],
                (unsigned long long)total, runs, med[across], r[0], r[runs - 1]);
    }
    printf ("aims: within_loop > 5000000/s %s; across_loops > 1000000/s %s\n",
            med[0] > 5e6 ? "met" : "NOT met", med[1] > 1e6 ? "met" : "NOT met");
    return 0;
}
