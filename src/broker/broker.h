/*  broker.h — the broker process: NQP/1 on two ROUTER sockets, one libuv
    loop, the engine behind them.

    Clients (libnovaq, the CLI, front ends) connect DEALER sockets to the
    frontend; workers connect to the backend. Every message is decoded with
    the protocol's limits; a malformed one is answered with ERROR (a client)
    or DISCONNECT (a worker) and the broker goes on serving everyone else.
    Decoded requests become engine calls (engine.h); the engine's answers
    are encoded here and sent. `novaq broker` runs one; `novaq serve` runs
    one beside a worker in the same process. */
#ifndef NQ_BROKER_H
#define NQ_BROKER_H

#include "broker/engine.h"
#include "common/config.h"

#include <uv.h>

typedef struct nq_broker_t nq_broker_t;

/*  Refuses a configuration that asks for a journal this version lacks
    (NOVAQ_DATABASE_URL): prints why, naming the command, and returns
    NQ_ECONFIG; 0 when the in-memory journal is what was asked for. Never
    fall back silently to a journal that loses jobs. */
int nq_broker_check_journal (const nq_config_t *config, const char *command);

/*  Creates a broker on loop with the settings of config (read now, not
    kept) and a ZeroMQ context (not owned). It binds its endpoints in
    nq_broker_start. NULL on no memory. */
nq_broker_t *nq_broker_new (uv_loop_t *loop, void *zmq_ctx, const nq_config_t *config);

/*  Binds the frontend and backend and starts serving. Returns 0, or
    NQ_EIO with the reason logged (an endpoint in use, say). */
int nq_broker_start (nq_broker_t *self);

/*  Stops serving: tells workers BYE, closes sockets and handles; done runs
    once everything is closed (then nq_broker_destroy may be called). */
typedef void (nq_broker_done_fn) (void *arg);
void nq_broker_stop (nq_broker_t *self, nq_broker_done_fn *done, void *arg);
void nq_broker_destroy (nq_broker_t **self_p);

nq_engine_t *nq_broker_engine (nq_broker_t *self);

/*  Binds the backend to one more endpoint (after start): `novaq serve` adds
    an inproc:// endpoint for its own worker. Returns 0 or NQ_EIO (logged). */
int nq_broker_bind_backend (nq_broker_t *self, const char *endpoint);

/*  `novaq broker [--config FILE]`: runs a broker until SIGINT or SIGTERM. */
int nq_broker_main (int argc, char **argv);

#endif
