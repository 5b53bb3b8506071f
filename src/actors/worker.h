/*  worker.h — a worker process: actors under supervisors, connected to the
    broker.

    The supervision tree (one_for_all at the root, so a restarted link is
    followed by slot actors that register with it again):

        root (one_for_all)
          ├─ link           the broker connection (link.h)
          ├─ echo-chat      pool supervisor of chat slot actors
          ├─ echo-embed     pool supervisor of embed slot actors
          └─ echo-reflect   pool supervisor of reflect slot actors

    Pools grow and shrink when the broker forwards SCALE (novaq scale). A
    root supervisor that gives up ends the process with status 1; the broker
    then requeues what the worker held. `novaq worker --echo` runs one. */
#ifndef NQ_WORKER_H
#define NQ_WORKER_H

#include <stdint.h>

typedef struct {
    const char *endpoint;         //  the broker's backend
    const char *worker_id;        //  NULL: host-pid
    const char *instance;         //  slot groups' instance name (default "echo")
    const char *models;           //  comma-separated models served; NULL: any
    unsigned slots;               //  slot actors per kind at start (default 4)
    uint64_t heartbeat_ms;        //  proposed to the broker
    uint32_t liveness;
    uint64_t drain_timeout_ms;    //  SIGTERM: how long running jobs may take
} nq_worker_opts_t;

typedef struct nq_worker_t nq_worker_t;

/*  Starts the runtime and the supervision tree. NULL on failure (logged). */
nq_worker_t *nq_worker_start (const nq_worker_opts_t *opts, void *zmq_ctx, void (*on_drained) (void *arg),
                              void *arg);
/*  Begins a graceful stop: no new work, running jobs finish (up to the drain
    timeout), then BYE; on_drained runs when it is over. Any thread. */
int nq_worker_drain (nq_worker_t *self);
/*  Stops every actor and frees the worker; 0, or NQ_EINTERNAL when a loop
    leaked a handle. */
int nq_worker_destroy (nq_worker_t **self_p);

/*  `novaq worker --echo [--slots N] …` */
int nq_worker_main (int argc, char **argv);

#endif
