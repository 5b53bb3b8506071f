/*  worker.h — a worker process: actors under supervisors, connected to the
    broker.

    The supervision tree of an Ollama worker (one_for_all at the root, so a
    restarted link is followed by slot actors that register with it again):

        root (one_for_all)
          ├─ link              the broker connection (link.h)
          ├─ inst-NAME         one supervisor per instance (one_for_one)
          │    ├─ probe        /api/tags, /api/ps; the half-open probe
          │    ├─ chat         pool: one chat actor per Ollama slot
          │    ├─ embed        pool of embedding actors
          │    └─ reflect      pool of reflection actors
          └─ inst-…

    An echo worker (`--echo`) has the link and three pools of echo slot
    actors (echo-chat, echo-embed, echo-reflect) for one pseudo-instance.
    Pools grow and shrink when the broker forwards SCALE (novaq scale). A
    root supervisor that gives up ends the process with status 1; the broker
    then requeues what the worker held. */
#ifndef NQ_WORKER_H
#define NQ_WORKER_H

#include "actors/instance.h"

#include <stdint.h>

typedef struct {
    int echo;                     //  echo slot actors (no Ollama)
    const char *ollama;           //  not echo: the instances (NOVAQ_OLLAMA's text)
    nq_instance_defaults_t defaults;    //  not echo: NOVAQ_OLLAMA_* and breaker settings
    const char *endpoint;         //  the broker's backend
    const char *worker_id;        //  NULL: host-pid
    const char *instance;         //  echo: the slot groups' instance name (default "echo")
    const char *models;           //  echo: comma-separated models served; NULL: any
    unsigned slots;               //  echo: slot actors per kind at start (default 4)
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

/*  `novaq worker [--echo [--slots N] …]` */
int nq_worker_main (int argc, char **argv);

#endif
