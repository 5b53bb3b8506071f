/*  bench_stats.c — clock, payload, percentiles and the result line of the
    broker-benchmark drivers (see bench_stats.h). */
#include "bench_stats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t
nq_bench_now_ns (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
nq_bench_payload (char *out, uint64_t seq)
{
    int n = snprintf (out, NQ_BENCH_PAYLOAD + 1, "%016llx ", (unsigned long long)seq);
    for (int i = n; i < NQ_BENCH_PAYLOAD; i++)
        out[i] = (char)('a' + i % 26);
    out[NQ_BENCH_PAYLOAD] = '\0';
}

void
nq_bench_lat_init (nq_bench_lat_t *self, size_t cap)
{
    self->count = 0;
    self->cap = cap ? cap : 1;
    self->ns = malloc (self->cap * sizeof *self->ns);
    if (!self->ns) {
        fprintf (stderr, "bench: out of memory for %zu latency samples\n", cap);
        exit (1);
    }
}

void
nq_bench_lat_fini (nq_bench_lat_t *self)
{
    free (self->ns);
    self->ns = NULL;
    self->count = self->cap = 0;
}

void
nq_bench_lat_add (nq_bench_lat_t *self, uint64_t ns)
{
    if (self->count == self->cap) {
        size_t cap = self->cap * 2;
        uint64_t *ns_grown = realloc (self->ns, cap * sizeof *self->ns);
        if (!ns_grown) {
            fprintf (stderr, "bench: out of memory for %zu latency samples\n", cap);
            exit (1);
        }
        self->ns = ns_grown;
        self->cap = cap;
    }
    self->ns[self->count++] = ns;
}

void
nq_bench_lat_merge (nq_bench_lat_t *self, const nq_bench_lat_t *other)
{
    for (size_t i = 0; i < other->count; i++)
        nq_bench_lat_add (self, other->ns[i]);
}

static int
s_cmp (const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

//  The sample at or below which per_mille of the samples lie (nearest rank).
static double
s_pct_us (const nq_bench_lat_t *lat, unsigned per_mille)
{
    if (!lat || lat->count == 0)
        return 0;
    size_t rank = (lat->count * per_mille + 999) / 1000;
    size_t i = rank ? rank - 1 : 0;
    return (double)lat->ns[i] / 1000.0;
}

void
nq_bench_report (const char *system, const char *workload, uint64_t jobs, uint64_t errors,
                 uint64_t elapsed_ns, nq_bench_lat_t *lat)
{
    if (lat && lat->count)
        qsort (lat->ns, lat->count, sizeof *lat->ns, s_cmp);
    double secs = (double)elapsed_ns / 1e9;
    printf ("result system=%s workload=%s jobs=%llu errors=%llu seconds=%.3f jobs_per_s=%.0f p50_us=%.1f "
            "p99_us=%.1f p999_us=%.1f\n",
            system, workload, (unsigned long long)jobs, (unsigned long long)errors, secs,
            secs > 0 ? (double)jobs / secs : 0.0, s_pct_us (lat, 500), s_pct_us (lat, 990),
            s_pct_us (lat, 999));
    fflush (stdout);
}

long
nq_bench_count (const char *text, const char *what)
{
    char *end;
    errno = 0;
    long v = strtol (text, &end, 10);
    if (errno || *end || v <= 0) {
        fprintf (stderr, "bench: %s must be a positive number, not '%s'\n", what, text);
        exit (2);
    }
    return v;
}

void
nq_bench_client_start (nq_bench_client_t *c)
{
    pthread_barrier_wait (c->start);
    c->started_ns = nq_bench_now_ns ();
}

typedef struct {
    nq_bench_client_t client;
    void (*fn) (nq_bench_client_t *c);
} s_thread_t;

static void *
s_thread (void *arg)
{
    s_thread_t *t = arg;
    t->fn (&t->client);
    return NULL;
}

void
nq_bench_closed_loop (const char *system, const char *workload, long clients, long total,
                      void (*fn) (nq_bench_client_t *c), void *arg)
{
    s_thread_t *ts = calloc ((size_t)clients, sizeof *ts);
    pthread_t *threads = calloc ((size_t)clients, sizeof *threads);
    pthread_barrier_t start;
    if (!ts || !threads || pthread_barrier_init (&start, NULL, (unsigned)clients) != 0) {
        fprintf (stderr, "bench: cannot start %ld clients\n", clients);
        exit (1);
    }
    for (long i = 0; i < clients; i++) {
        nq_bench_client_t *c = &ts[i].client;
        *c = (nq_bench_client_t){
            .index = (int)i, .total = total / clients + (i < total % clients), .arg = arg, .start = &start};
        nq_bench_lat_init (&c->lat, (size_t)c->total);
        ts[i].fn = fn;
        pthread_create (&threads[i], NULL, s_thread, &ts[i]);
    }
    nq_bench_lat_t lat;
    nq_bench_lat_init (&lat, (size_t)total);
    uint64_t first = UINT64_MAX, last = 0;
    for (long i = 0; i < clients; i++) {
        pthread_join (threads[i], NULL);
        const nq_bench_client_t *c = &ts[i].client;
        first = c->started_ns < first ? c->started_ns : first;
        last = c->finished_ns > last ? c->finished_ns : last;
        nq_bench_lat_merge (&lat, &c->lat);
        nq_bench_lat_fini (&ts[i].client.lat);
    }
    nq_bench_report (system, workload, (uint64_t)total, 0, last - first, &lat);
    nq_bench_lat_fini (&lat);
    pthread_barrier_destroy (&start);
    free (ts);
    free (threads);
}
