/*  bench_broker.c — the novaq side of the broker benchmark (issue 5): drives
    a running `novaq broker` and its echo workers through libnovaq with 64-byte
    chat prompts (stream off) and prints one result line (bench_stats.h).

      bench_broker ENDPOINT w1-sync TOTAL
          one producer: submit, wait for ACCEPTED, submit the next; results
          arrive meanwhile; timed until the last result is in.
      bench_broker ENDPOINT w1-pipe TOTAL WINDOW
          one producer keeps WINDOW submissions open (a submission is open
          until its result is in); timed until the last result is in.
      bench_broker ENDPOINT w2 TOTAL CLIENTS
          CLIENTS threads, each with its own loop and client, closed loop
          (submit, wait for the result, submit the next) until TOTAL jobs
          are done between them; each job's round trip is sampled.

    Any error (overloaded, timeout …) is counted and printed; the run still
    reports, and bench/broker-bench refuses a run with errors. */
#include "novaq.h"
#include "peers/bench_stats.h"

#include "common/errors.h"

#include <czmq.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define S_TIMEOUT_MS 60000

typedef struct {
    uv_loop_t loop;
    nq_client_t *client;
    long total, sent, done, errors, window, open;
    int wait_accept;    //  w1-sync: the next submission waits for ACCEPTED
    uint64_t started_ns, finished_ns, submitted_ns;
    nq_bench_lat_t lat;
    int sample;
    char payload[NQ_BENCH_PAYLOAD + 1];
} s_run_t;

static void s_submit (s_run_t *r);

static void
s_finished_one (s_run_t *r)
{
    r->done++;
    r->open--;
    if (r->done == r->total) {
        r->finished_ns = nq_bench_now_ns ();
        uv_stop (&r->loop);
    }
}

static void
s_on_accepted (void *arg, nq_call_t *call, const char *job_id, bool duplicate)
{
    s_run_t *r = arg;
    (void)call, (void)job_id, (void)duplicate;
    if (r->wait_accept)
        s_submit (r);
}

static void
s_on_result (void *arg, nq_call_t *call, const nq_result_t *result)
{
    s_run_t *r = arg;
    (void)call, (void)result;
    if (r->sample)
        nq_bench_lat_add (&r->lat, nq_bench_now_ns () - r->submitted_ns);
    s_finished_one (r);
    if (!r->wait_accept)
        s_submit (r);
}

static void
s_on_error (void *arg, nq_call_t *call, int code, const char *message, uint64_t retry_after_ms)
{
    s_run_t *r = arg;
    (void)retry_after_ms;
    if (r->errors++ < 5)
        fprintf (stderr, "bench_broker: %s: %s\n", nq_error_wire (code), message ? message : "");
    s_finished_one (r);
    //  One at a time, the chain moves on at ACCEPTED: only a refused
    //  submission (no job id yet) has to restart it.
    if (!r->wait_accept || !nq_call_job_id (call)[0])
        s_submit (r);
}

static const nq_call_fn_t s_fn = {s_on_accepted, NULL, s_on_result, s_on_error, NULL};

//  Submits while the mode allows it: one at a time, or up to the window.
static void
s_submit (s_run_t *r)
{
    while (r->sent < r->total && r->open < r->window) {
        nq_bench_payload (r->payload, (uint64_t)r->sent);
        nq_chat_message_t msg = {NQ_ROLE_USER, r->payload};
        nq_job_t job;
        memset (&job, 0, sizeof job);
        job.kind = NQ_KIND_CHAT;
        job.model = "echo";
        job.tenant = "bench";
        job.payload.chat.messages = &msg;
        job.payload.chat.messages_count = 1;
        job.payload.chat.stream = false;
        r->submitted_ns = nq_bench_now_ns ();
        if (!nq_client_submit (r->client, &job, S_TIMEOUT_MS, &s_fn, r)) {
            fprintf (stderr, "bench_broker: a submission could not be sent\n");
            exit (1);
        }
        r->sent++;
        r->open++;
        if (r->wait_accept)
            return;
    }
}

static void
s_run_init (s_run_t *r, void *ctx, const char *endpoint, long total, long window)
{
    memset (r, 0, sizeof *r);
    uv_loop_init (&r->loop);
    r->total = total;
    r->window = window;
    r->client = nq_client_new (&r->loop, ctx, endpoint);
    if (!r->client) {
        fprintf (stderr, "bench_broker: cannot connect to %s\n", endpoint);
        exit (1);
    }
}

static void
s_run_fini (s_run_t *r)
{
    nq_client_close (r->client, NULL, NULL);
    uv_run (&r->loop, UV_RUN_DEFAULT);
    uv_loop_close (&r->loop);
}

static void
s_on_pong (void *arg, nq_call_t *call, const nq_raw_t *data)
{
    (void)call, (void)data;
    uv_stop (&((s_run_t *)arg)->loop);
}

static void
s_on_ping_error (void *arg, nq_call_t *call, int code, const char *message, uint64_t retry_after_ms)
{
    (void)arg, (void)call, (void)retry_after_ms;
    fprintf (stderr, "bench_broker: the broker does not answer a ping: %s: %s\n", nq_error_wire (code),
             message ? message : "");
    exit (1);
}

//  One untimed ping, so the connection is up before the clock starts (the
//  peers' clients connect before their clocks start too).
static void
s_run_connect (s_run_t *r)
{
    static const nq_call_fn_t fn = {NULL, NULL, NULL, s_on_ping_error, s_on_pong};
    if (!nq_client_ping (r->client, 10000, &fn, r)) {
        fprintf (stderr, "bench_broker: cannot send a ping\n");
        exit (1);
    }
    uv_run (&r->loop, UV_RUN_DEFAULT);
}

static void
s_run_loop (s_run_t *r)
{
    r->started_ns = nq_bench_now_ns ();
    s_submit (r);
    uv_run (&r->loop, UV_RUN_DEFAULT);
}

//  ---- w2: closed-loop clients, one thread each ----------------------------

static pthread_barrier_t s_barrier;

static void *
s_w2_thread (void *arg)
{
    s_run_t *r = arg;
    s_run_connect (r);
    pthread_barrier_wait (&s_barrier);
    s_run_loop (r);
    return NULL;
}

static void
s_w2 (void *ctx, const char *endpoint, long total, long clients)
{
    s_run_t *runs = calloc ((size_t)clients, sizeof *runs);
    pthread_t *threads = calloc ((size_t)clients, sizeof *threads);
    if (!runs || !threads)
        exit (1);
    pthread_barrier_init (&s_barrier, NULL, (unsigned)clients);
    for (long i = 0; i < clients; i++) {
        long share = total / clients + (i < total % clients);
        s_run_init (&runs[i], ctx, endpoint, share, 1);
        runs[i].sample = 1;
        nq_bench_lat_init (&runs[i].lat, (size_t)share);
    }
    for (long i = 0; i < clients; i++)
        pthread_create (&threads[i], NULL, s_w2_thread, &runs[i]);
    nq_bench_lat_t lat;
    nq_bench_lat_init (&lat, (size_t)total);
    uint64_t first = UINT64_MAX, last = 0, errors = 0;
    for (long i = 0; i < clients; i++) {
        pthread_join (threads[i], NULL);
        first = runs[i].started_ns < first ? runs[i].started_ns : first;
        last = runs[i].finished_ns > last ? runs[i].finished_ns : last;
        errors += (uint64_t)runs[i].errors;
        nq_bench_lat_merge (&lat, &runs[i].lat);
        nq_bench_lat_fini (&runs[i].lat);
        s_run_fini (&runs[i]);
    }
    nq_bench_report ("novaq", "w2", (uint64_t)total, errors, last - first, &lat);
    nq_bench_lat_fini (&lat);
    pthread_barrier_destroy (&s_barrier);
    free (runs);
    free (threads);
}

int
main (int argc, char **argv)
{
    if (argc < 4 || (strcmp (argv[2], "w1-sync") != 0 && argc != 5)) {
        fprintf (stderr, "usage: bench_broker ENDPOINT w1-sync TOTAL\n"
                         "       bench_broker ENDPOINT w1-pipe TOTAL WINDOW\n"
                         "       bench_broker ENDPOINT w2 TOTAL CLIENTS\n");
        return 2;
    }
    zsys_handler_set (NULL);
    const char *endpoint = argv[1], *mode = argv[2];
    long total = nq_bench_count (argv[3], "TOTAL");
    void *ctx = zmq_ctx_new ();
    if (strcmp (mode, "w2") == 0)
        s_w2 (ctx, endpoint, total, nq_bench_count (argv[4], "CLIENTS"));
    else if (strcmp (mode, "w1-sync") == 0 || strcmp (mode, "w1-pipe") == 0) {
        int sync = strcmp (mode, "w1-sync") == 0;
        s_run_t r;
        s_run_init (&r, ctx, endpoint, total, sync ? total : nq_bench_count (argv[4], "WINDOW"));
        r.wait_accept = sync;
        s_run_connect (&r);
        s_run_loop (&r);
        nq_bench_report ("novaq", mode, (uint64_t)total, (uint64_t)r.errors, r.finished_ns - r.started_ns,
                         NULL);
        s_run_fini (&r);
    }
    else {
        fprintf (stderr, "bench_broker: unknown workload '%s'\n", mode);
        return 2;
    }
    zmq_ctx_term (ctx);
    return 0;
}
