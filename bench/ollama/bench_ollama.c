/*  bench_ollama.c — the Ollama client's own cost: keeps CONCURRENCY
    streamed chats in flight against an ollama-sim on 127.0.0.1:PORT until
    TOTAL have completed, on one libuv loop, and prints one line: wall time,
    chats and chunks per second, this process's CPU time per chat and per
    chunk, connections made.
    Usage: bench_ollama PORT CONCURRENCY TOTAL */
#include "actors/ollama.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <uv.h>

typedef struct {
    nq_ollama_t *client;
    json_t *msgs;
    int started, completed, failed, total;
    long chunks;
} s_bench_t;

static void s_start (s_bench_t *b);

static void
s_chunk (void *arg, nq_ollama_req_t *req, const char *text, size_t len)
{
    (void)req;
    (void)text;
    (void)len;
    ((s_bench_t *)arg)->chunks++;
}

static void
s_done (void *arg, nq_ollama_req_t *req, const nq_ollama_result_t *result)
{
    (void)req;
    (void)result;
    s_bench_t *b = arg;
    b->completed++;
    s_start (b);
}

static void
s_error (void *arg, nq_ollama_req_t *req, const nq_ollama_error_t *error)
{
    (void)req;
    s_bench_t *b = arg;
    if (b->failed++ < 3)
        fprintf (stderr, "bench_ollama: %s\n", error->message);
    s_start (b);
}

static void
s_start (s_bench_t *b)
{
    if (b->started >= b->total)
        return;
    nq_ollama_params_t p = {.model = "mistral:instruct", .messages = b->msgs};
    nq_ollama_handler_t h = {.chunk = s_chunk, .done = s_done, .error = s_error, .arg = b};
    if (nq_ollama_chat (b->client, &p, &h, NULL) == 0)
        b->started++;
}

static double
s_cpu_s (void)
{
    struct rusage ru;
    getrusage (RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
           ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
}

int
main (int argc, char **argv)
{
    if (argc != 4) {
        fprintf (stderr, "usage: bench_ollama PORT CONCURRENCY TOTAL\n");
        return 2;
    }
    char url[64];
    snprintf (url, sizeof url, "http://127.0.0.1:%d", atoi (argv[1]));
    int concurrency = atoi (argv[2]);
    uv_loop_t loop;
    uv_loop_init (&loop);
    nq_ollama_options_t o = {.base_url = url};
    s_bench_t b = {.client = nq_ollama_new (&loop, &o), .total = atoi (argv[3])};
    b.msgs =
        json_pack ("[{s:s, s:s}]", "role", "user", "content", "Summarise the plot of a long novel, please.");
    //  Warm the model first so the load is not measured.
    s_bench_t warm = b;
    warm.total = 1;
    s_start (&warm);
    uv_run (&loop, UV_RUN_DEFAULT);
    double cpu0 = s_cpu_s ();
    uint64_t t0 = uv_hrtime ();
    for (int i = 0; i < concurrency; i++)
        s_start (&b);
    uv_run (&loop, UV_RUN_DEFAULT);
    double wall = (double)(uv_hrtime () - t0) / 1e9;
    double cpu = s_cpu_s () - cpu0;
    nq_ollama_stats_t st;
    nq_ollama_stats (b.client, &st);
    printf ("ollama_client concurrency=%d chats=%d failed=%d wall_ms=%.0f chats_per_s=%.0f chunks_per_s=%.0f "
            "cpu_us_per_chat=%.0f cpu_us_per_chunk=%.2f connections=%llu\n",
            concurrency, b.completed, b.failed, wall * 1e3, b.completed / wall, b.chunks / wall,
            cpu * 1e6 / (b.completed ? b.completed : 1), cpu * 1e6 / (double)(b.chunks ? b.chunks : 1),
            (unsigned long long)st.connections);
    nq_ollama_close (b.client, NULL, NULL);
    uv_run (&loop, UV_RUN_DEFAULT);
    json_decref (b.msgs);
    return uv_loop_close (&loop) == 0 && b.failed == 0 ? 0 : 1;
}
