/*  bench_gearman.c — the gearmand peer of the broker benchmark: foreground
    jobs with their results returned, 64-byte workloads, an "echo" function.

      bench_gearman worker HOST PORT
          one worker: registers "echo" and answers each job with its
          workload; runs until it is signalled.
      bench_gearman run HOST PORT w1-sync TOTAL
          one client, gearman_client_do per job: gearman's foreground job
          answers with the result, so each job's whole round trip is awaited
          (gearman has no "accepted, result later" for a foreground job).
      bench_gearman run HOST PORT w1-pipe TOTAL WINDOW
          one client: WINDOW tasks added (gearman_client_add_task), then
          gearman_client_run_tasks until every one has completed, repeated;
          timed until the last result is in.
      bench_gearman run HOST PORT w2 TOTAL CLIENTS
          CLIENTS threads, each its own client, gearman_client_do in a closed
          loop, the round trip sampled.
    Results: one line (bench_stats.h). */
#include "peers/bench_stats.h"

#include <libgearman/gearman.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_host;
static in_port_t s_port;

static void
s_check (gearman_return_t rc, const char *what)
{
    if (rc != GEARMAN_SUCCESS) {
        fprintf (stderr, "bench_gearman: %s: %s\n", what, gearman_strerror (rc));
        exit (1);
    }
}

static gearman_client_st *
s_client_new (void)
{
    gearman_client_st *c = gearman_client_create (NULL);
    if (!c) {
        fprintf (stderr, "bench_gearman: no memory for a client\n");
        exit (1);
    }
    s_check (gearman_client_add_server (c, s_host, s_port), "add_server");
    return c;
}

//  ---- worker ------------------------------------------------------------------

static void *
s_echo (gearman_job_st *job, void *context, size_t *result_size, gearman_return_t *ret_ptr)
{
    (void)context;
    size_t size = gearman_job_workload_size (job);
    void *out = malloc (size ? size : 1);    //  freed by libgearman
    if (!out) {
        *ret_ptr = GEARMAN_WORK_FAIL;
        return NULL;
    }
    memcpy (out, gearman_job_workload (job), size);
    *result_size = size;
    *ret_ptr = GEARMAN_SUCCESS;
    return out;
}

static int
s_worker (void)
{
    gearman_worker_st *w = gearman_worker_create (NULL);
    if (!w)
        return 1;
    s_check (gearman_worker_add_server (w, s_host, s_port), "add_server");
    s_check (gearman_worker_add_function (w, "echo", 0, s_echo, NULL), "add_function");
    for (;;)
        s_check (gearman_worker_work (w), "work");
    return 0;
}

//  ---- one job, synchronously ---------------------------------------------------

static void
s_do (gearman_client_st *c, uint64_t seq)
{
    char payload[NQ_BENCH_PAYLOAD + 1];
    nq_bench_payload (payload, seq);
    size_t size = 0;
    gearman_return_t rc;
    void *result = gearman_client_do (c, "echo", NULL, payload, NQ_BENCH_PAYLOAD, &size, &rc);
    s_check (rc, "do");
    if (size != NQ_BENCH_PAYLOAD || memcmp (result, payload, size) != 0) {
        fprintf (stderr, "bench_gearman: a wrong answer (%zu bytes)\n", size);
        exit (1);
    }
    free (result);
}

//  ---- w1 ----------------------------------------------------------------------------

static long s_completed;

static gearman_return_t
s_complete (gearman_task_st *task)
{
    if (gearman_task_data_size (task) != NQ_BENCH_PAYLOAD ||
        memcmp (gearman_task_data (task), gearman_task_context (task), NQ_BENCH_PAYLOAD) != 0) {
        fprintf (stderr, "bench_gearman: a wrong answer\n");
        exit (1);
    }
    s_completed++;
    return GEARMAN_SUCCESS;
}

static void
s_w1 (long total, long window, int pipelined)
{
    gearman_client_st *c = s_client_new ();
    //  A task refers to its workload until it is sent: one buffer per task.
    char (*payloads)[NQ_BENCH_PAYLOAD + 1] = malloc ((size_t)window * sizeof *payloads);
    if (!payloads)
        exit (1);
    gearman_client_set_complete_fn (c, s_complete);
    s_do (c, 0);    //  untimed: the connection is up before the clock starts
    uint64_t t0 = nq_bench_now_ns ();
    long sent = 0;
    while (sent < total) {
        if (!pipelined) {
            s_do (c, (uint64_t)sent++);
            continue;
        }
        long batch = 0;
        for (; batch < window && sent < total; batch++, sent++) {
            gearman_return_t rc;
            nq_bench_payload (payloads[batch], (uint64_t)sent);
            gearman_client_add_task (c, NULL, payloads[batch], "echo", NULL, payloads[batch],
                                     NQ_BENCH_PAYLOAD, &rc);
            s_check (rc, "add_task");
        }
        s_check (gearman_client_run_tasks (c), "run_tasks");
        gearman_client_task_free_all (c);
    }
    uint64_t elapsed = nq_bench_now_ns () - t0;
    if (pipelined && s_completed != total) {
        fprintf (stderr, "bench_gearman: %ld of %ld tasks completed\n", s_completed, total);
        exit (1);
    }
    nq_bench_report ("gearman", pipelined ? "w1-pipe" : "w1-sync", (uint64_t)total, 0, elapsed, NULL);
    free (payloads);
    gearman_client_free (c);
}

//  ---- w2 ------------------------------------------------------------------------------

static void
s_w2_client (nq_bench_client_t *t)
{
    gearman_client_st *c = s_client_new ();
    s_do (c, 0);    //  untimed: the connection is up before the clock starts
    nq_bench_client_start (t);
    for (long i = 0; i < t->total; i++) {
        uint64_t t0 = nq_bench_now_ns ();
        s_do (c, (uint64_t)i);
        nq_bench_lat_add (&t->lat, nq_bench_now_ns () - t0);
    }
    t->finished_ns = nq_bench_now_ns ();
    gearman_client_free (c);
}

static void
s_w2 (long total, long clients)
{
    nq_bench_closed_loop ("gearman", "w2", clients, total, s_w2_client, NULL);
}

int
main (int argc, char **argv)
{
    if (argc >= 4) {
        s_host = argv[2];
        s_port = (in_port_t)nq_bench_count (argv[3], "PORT");
        if (strcmp (argv[1], "worker") == 0 && argc == 4)
            return s_worker ();
        if (strcmp (argv[1], "run") == 0 && argc >= 6) {
            long total = nq_bench_count (argv[5], "TOTAL");
            if (strcmp (argv[4], "w1-sync") == 0 && argc == 6) {
                s_w1 (total, 1, 0);
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
             "usage: bench_gearman worker HOST PORT\n"
             "       bench_gearman run HOST PORT w1-sync TOTAL | w1-pipe TOTAL WINDOW | w2 TOTAL CLIENTS\n");
    return 2;
}
