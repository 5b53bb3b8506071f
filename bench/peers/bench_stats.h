/*  bench_stats.h — what every broker-benchmark driver shares: a monotonic
    clock in nanoseconds, the 64-byte payload, latency samples with their
    percentiles, and the one result line bench/broker-bench parses.

    A driver times its whole run (first submission to last result) and,
    for closed-loop workloads, each job's round trip. It then prints

      result system=S workload=W jobs=N errors=E seconds=T jobs_per_s=R \
             p50_us=A p99_us=B p999_us=C

    on stdout (the percentiles are 0 when no latency was sampled). */
#ifndef NQ_BENCH_STATS_H
#define NQ_BENCH_STATS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

//  Every job carries exactly this many payload bytes.
#define NQ_BENCH_PAYLOAD 64

typedef struct {
    uint64_t *ns;    //  one round trip per job, nanoseconds
    size_t count, cap;
} nq_bench_lat_t;

/*  Monotonic time in nanoseconds. */
uint64_t nq_bench_now_ns (void);

/*  Fills out (NQ_BENCH_PAYLOAD bytes plus a terminating NUL, so at least
    NQ_BENCH_PAYLOAD + 1 bytes) with printable text that starts with seq. */
void nq_bench_payload (char *out, uint64_t seq);

/*  Makes room for cap samples; exits the program when memory is short. */
void nq_bench_lat_init (nq_bench_lat_t *self, size_t cap);
void nq_bench_lat_fini (nq_bench_lat_t *self);
void nq_bench_lat_add (nq_bench_lat_t *self, uint64_t ns);
/*  Appends every sample of other to self (threads merge their samples). */
void nq_bench_lat_merge (nq_bench_lat_t *self, const nq_bench_lat_t *other);

/*  Sorts the samples and prints the result line (see above). */
void nq_bench_report (const char *system, const char *workload, uint64_t jobs, uint64_t errors,
                      uint64_t elapsed_ns, nq_bench_lat_t *lat);

/*  One closed-loop client thread of nq_bench_closed_loop. */
typedef struct {
    int index;             //  0 .. clients - 1
    long total;            //  jobs it runs
    void *arg;             //  the driver's argument, shared
    nq_bench_lat_t lat;    //  one round trip per job
    uint64_t started_ns, finished_ns;
    pthread_barrier_t *start;    //  private: every client starts together
} nq_bench_client_t;

/*  Runs clients threads of fn over total jobs (split evenly), joins them,
    merges their samples and prints the result line, timed from the first
    start to the last finish. fn connects, calls nq_bench_client_start
    (untimed set-up before it), runs its c->total jobs adding a sample each,
    and sets c->finished_ns. */
void nq_bench_closed_loop (const char *system, const char *workload, long clients, long total,
                           void (*fn) (nq_bench_client_t *c), void *arg);
/*  Waits until every client is ready, then starts c's clock. */
void nq_bench_client_start (nq_bench_client_t *c);

/*  Parses a positive count argument, or exits with a usage error naming what. */
long nq_bench_count (const char *text, const char *what);

#endif
