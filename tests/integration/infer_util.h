/*  infer_util.h — what the Ollama worker's integration tests share: a
    `novaq broker` and `novaq worker` processes on loopback against
    ollama-sim instances, jobs submitted through the `novaq` CLI, and the
    processes' JSON logs read back (events counted by their fields). The
    scaling, warm-first, fallback and drain tests reuse them; the fleet test
    places its own brokers with nq_it_broker_place. */
#ifndef NQ_INFER_UTIL_H
#define NQ_INFER_UTIL_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct {
    int front_port, back_port;
    char front[64], back[64];
    char log[512];
    pid_t pid;
} nq_it_broker_t;

/*  Places a broker named name without starting it: two free loopback
    ports for its frontend and backend (the endpoints in front and back)
    and its log at NAME.log in the test's directory. */
void nq_it_broker_place (nq_it_broker_t *b, const char *name);
/*  Waits until both of b's ports accept connections; 0 or -1. */
int nq_it_broker_wait (const nq_it_broker_t *b);

/*  Starts `novaq broker` (debug log, 200 ms heartbeats, fast retries) with
    extra NAME=VALUE settings (NULL-terminated, may be NULL); logs to
    NAME.log. 0, or -1 when it did not come up. */
int nq_it_broker_start (nq_it_broker_t *b, const char *name, const char *const env[]);

/*  Starts `novaq worker --worker-id NAME` serving ollama (NOVAQ_OLLAMA's
    text) with extra settings; its log path goes into log. The pid, or -1. */
pid_t nq_it_worker_start (const nq_it_broker_t *b, const char *name, const char *ollama, const char *const env[],
                          char *log, size_t cap);

/*  Starts ollama-sim on port (0: a free one, written back) with extra
    arguments (NULL-terminated); logs to NAME.log. The pid, or -1. */
pid_t nq_it_sim_start (const char *name, int *port, const char *const extra[]);

/*  Runs `novaq submit ARGS --json` against b; the result (owned) or NULL,
    with the exit status in *status (may be NULL). */
json_t *nq_it_submit (const nq_it_broker_t *b, const char *args, int *status);

/*  Runs count submissions of `novaq submit ARGS --json` at once (each
    ARGS with "%d" replaced by its index) and returns how many exited 0. */
int nq_it_submit_many (const nq_it_broker_t *b, const char *args_fmt, int count);

/*  Lines of the log at path that contain every needle (NULL-terminated). */
int nq_it_count (const char *path, ...) __attribute__ ((sentinel));
/*  Waits up to timeout_ms until nq_it_count reaches at least min; 0 or -1. */
int nq_it_wait_count (int min, int timeout_ms, const char *path, ...) __attribute__ ((sentinel));

#endif
