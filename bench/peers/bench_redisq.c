/*  bench_redisq.c — the Redis reliable-queue peer of the broker benchmark:
    the pattern under Sidekiq, RQ and Celery's Redis transport, with replies.

    A job is one list entry "REPLY_LIST|PAYLOAD" (64-byte payload). The
    producer LPUSHes it onto bench:queue. A worker BLMOVEs it (right → left)
    onto its own processing list bench:processing:ID, LPUSHes the payload onto
    REPLY_LIST, then LREMs the entry from its processing list (the ack: a
    worker that dies holds its job in that list, where a reaper finds it).
    The worker pipelines the reply, the ack and its next BLMOVE into one
    write, the cheapest correct order. Clients pop their reply list.

      bench_redisq worker HOST PORT ID
          runs until it is signalled.
      bench_redisq run HOST PORT w1-sync TOTAL
          one producer: LPUSH, wait for its reply, LPUSH the next; a second
          connection collects the results (BRPOP, then RPOP with a count to
          drain); timed until the last result is in.
      bench_redisq run HOST PORT w1-pipe TOTAL WINDOW
          the same with LPUSHes pipelined, at most WINDOW jobs open.
      bench_redisq run HOST PORT w2 TOTAL CLIENTS
          CLIENTS threads in a closed loop: LPUSH and BRPOP sent in one
          write, the round trip sampled.
    Results: one line (bench_stats.h). */
#include "peers/bench_stats.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_QUEUE "bench:queue"
#define S_DRAIN 1024    //  RPOP count when draining a reply list

static const char *s_host;
static int s_port;

static redisContext *
s_connect (void)
{
    redisContext *c = redisConnect (s_host, s_port);
    if (!c || c->err) {
        fprintf (stderr, "bench_redisq: cannot connect to %s:%d: %s\n", s_host, s_port,
                 c ? c->errstr : "no memory");
        exit (1);
    }
    return c;
}

static redisReply *
s_get (redisContext *c)
{
    void *reply = NULL;
    if (redisGetReply (c, &reply) != REDIS_OK || !reply) {
        fprintf (stderr, "bench_redisq: %s\n", c->errstr[0] ? c->errstr : "no reply");
        exit (1);
    }
    redisReply *r = reply;
    if (r->type == REDIS_REPLY_ERROR) {
        fprintf (stderr, "bench_redisq: redis: %s\n", r->str);
        exit (1);
    }
    return r;
}

static void
s_get_discard (redisContext *c)
{
    freeReplyObject (s_get (c));
}

//  ---- worker ------------------------------------------------------------------

static int
s_worker (const char *id)
{
    redisContext *c = s_connect ();
    char processing[64];
    snprintf (processing, sizeof processing, "bench:processing:%s", id);
    redisAppendCommand (c, "BLMOVE %s %s RIGHT LEFT 0", S_QUEUE, processing);
    for (;;) {
        redisReply *job = s_get (c);
        if (job->type != REDIS_REPLY_STRING) {
            fprintf (stderr, "bench_redisq: BLMOVE answered type %d\n", job->type);
            exit (1);
        }
        const char *bar = memchr (job->str, '|', job->len);
        if (!bar) {
            fprintf (stderr, "bench_redisq: an entry without a reply list\n");
            exit (1);
        }
        size_t list_len = (size_t)(bar - job->str);
        redisAppendCommand (c, "LPUSH %b %b", job->str, list_len, bar + 1, job->len - list_len - 1);
        redisAppendCommand (c, "LREM %s 1 %b", processing, job->str, job->len);
        redisAppendCommand (c, "BLMOVE %s %s RIGHT LEFT 0", S_QUEUE, processing);
        freeReplyObject (job);
        s_get_discard (c);    //  LPUSH
        s_get_discard (c);    //  LREM
    }
    return 0;
}

//  ---- w1: one producer, one collector ------------------------------------------

typedef struct {
    long total, window;
    int pipelined;
    char reply_list[64];
    atomic_long collected;
    pthread_mutex_t lock;
    pthread_cond_t moved;
    uint64_t finished_ns;
} s_w1_t;

static void *
s_collector (void *arg)
{
    s_w1_t *w = arg;
    redisContext *c = s_connect ();
    long got = 0;
    while (got < w->total) {
        redisReply *r = redisCommand (c, "BRPOP %s 0", w->reply_list);
        if (!r || r->type != REDIS_REPLY_ARRAY) {
            fprintf (stderr, "bench_redisq: BRPOP failed\n");
            exit (1);
        }
        freeReplyObject (r);
        got++;
        //  Drain what else is there in one request.
        r = redisCommand (c, "RPOP %s %d", w->reply_list, S_DRAIN);
        if (r && r->type == REDIS_REPLY_ARRAY)
            got += (long)r->elements;
        freeReplyObject (r);
        pthread_mutex_lock (&w->lock);
        atomic_store (&w->collected, got);
        pthread_cond_signal (&w->moved);
        pthread_mutex_unlock (&w->lock);
    }
    w->finished_ns = nq_bench_now_ns ();
    redisFree (c);
    return NULL;
}

static void
s_w1 (long total, long window, int pipelined)
{
    s_w1_t w = {.total = total, .window = window, .pipelined = pipelined};
    snprintf (w.reply_list, sizeof w.reply_list, "bench:reply:%d", (int)getpid ());
    pthread_mutex_init (&w.lock, NULL);
    pthread_cond_init (&w.moved, NULL);
    redisContext *c = s_connect ();
    pthread_t collector;
    pthread_create (&collector, NULL, s_collector, &w);
    char entry[128];
    size_t prefix = (size_t)snprintf (entry, sizeof entry, "%s|", w.reply_list);
    uint64_t t0 = nq_bench_now_ns ();
    long sent = 0;
    while (sent < total) {
        long batch = 0;
        if (pipelined) {
            pthread_mutex_lock (&w.lock);
            while (sent - atomic_load (&w.collected) >= window)
                pthread_cond_wait (&w.moved, &w.lock);
            pthread_mutex_unlock (&w.lock);
            long room = window - (sent - atomic_load (&w.collected));
            while (batch < room && sent < total) {
                nq_bench_payload (entry + prefix, (uint64_t)sent);
                redisAppendCommand (c, "LPUSH %s %b", S_QUEUE, entry, prefix + NQ_BENCH_PAYLOAD);
                sent++;
                batch++;
            }
        }
        else {
            nq_bench_payload (entry + prefix, (uint64_t)sent);
            redisAppendCommand (c, "LPUSH %s %b", S_QUEUE, entry, prefix + NQ_BENCH_PAYLOAD);
            sent++;
            batch = 1;
        }
        while (batch--)
            s_get_discard (c);
    }
    pthread_join (collector, NULL);
    nq_bench_report ("redis", pipelined ? "w1-pipe" : "w1-sync", (uint64_t)total, 0, w.finished_ns - t0,
                     NULL);
    redisFree (c);
}

//  ---- w2: closed-loop clients ---------------------------------------------------

static void
s_client (nq_bench_client_t *cl)
{
    redisContext *c = s_connect ();
    char reply_list[64], entry[128];
    snprintf (reply_list, sizeof reply_list, "bench:reply:%d:%d", (int)getpid (), cl->index);
    size_t prefix = (size_t)snprintf (entry, sizeof entry, "%s|", reply_list);
    nq_bench_client_start (cl);
    for (long i = 0; i < cl->total; i++) {
        nq_bench_payload (entry + prefix, (uint64_t)i);
        uint64_t t0 = nq_bench_now_ns ();
        redisAppendCommand (c, "LPUSH %s %b", S_QUEUE, entry, prefix + NQ_BENCH_PAYLOAD);
        redisAppendCommand (c, "BRPOP %s 0", reply_list);
        s_get_discard (c);
        redisReply *r = s_get (c);
        if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
            memcmp (r->element[1]->str, entry + prefix, NQ_BENCH_PAYLOAD) != 0) {
            fprintf (stderr, "bench_redisq: a wrong answer\n");
            exit (1);
        }
        freeReplyObject (r);
        nq_bench_lat_add (&cl->lat, nq_bench_now_ns () - t0);
    }
    cl->finished_ns = nq_bench_now_ns ();
    redisFree (c);
}

static void
s_w2 (long total, long clients)
{
    nq_bench_closed_loop ("redis", "w2", clients, total, s_client, NULL);
}

int
main (int argc, char **argv)
{
    if (argc >= 5) {
        s_host = argv[2];
        s_port = (int)nq_bench_count (argv[3], "PORT");
        if (strcmp (argv[1], "worker") == 0 && argc == 5)
            return s_worker (argv[4]);
        if (strcmp (argv[1], "run") == 0 && argc >= 6) {
            long total = nq_bench_count (argv[5], "TOTAL");
            if (strcmp (argv[4], "w1-sync") == 0 && argc == 6) {
                s_w1 (total, total, 0);
                return 0;
            }
            if (strcmp (argv[4], "w1-pipe") == 0 && argc == 7) {
                s_w1 (total, nq_bench_count (argv[6], "WINDOW"), 1);
                return 0;
            }
            if (strcmp (argv[4], "w2") == 0 && argc == 7) {
                s_w2 (total, nq_bench_count (argv[6], "CLIENTS"));
                return 0;
            }
        }
    }
    fprintf (stderr,
             "usage: bench_redisq worker HOST PORT ID\n"
             "       bench_redisq run HOST PORT w1-sync TOTAL | w1-pipe TOTAL WINDOW | w2 TOTAL CLIENTS\n");
    return 2;
}
