/*  worker_int.h — what the actors of one worker process share (private to
    src/actors/worker*.c, link.c and echo.c). */
#ifndef NQ_WORKER_INT_H
#define NQ_WORKER_INT_H

#include "actors/actor.h"
#include "common/protocol.h"

#include <stdatomic.h>
#include <stdint.h>

#define NQ_WORKER_KINDS 4    //  indexed by nq_kind_t (0 unused)

typedef struct {
    void *zmq_ctx;
    char endpoint[256];
    char worker_id[128];
    char instance[64];
    unsigned slots[NQ_WORKER_KINDS];    //  slot actors per kind at start (0: kind not served)
    const char *models[16];             //  models served (none: any), pointing into models_buf
    size_t nmodels;
    char models_buf[1024];
    uint64_t heartbeat_ms;
    uint32_t liveness;
    uint64_t drain_timeout_ms;
    _Atomic (nq_actor_t *) link;    //  the running link (set by its init)
    _Atomic (nq_actor_t *) root;    //  the root supervisor, once started
    void (*on_drained) (void *arg);
    void *on_drained_arg;
} nq_wctx_t;

/*  The pool supervisor's child id for kind ("echo-chat", …). */
void nq_worker_pool_id (nq_kind_t kind, char *buf, size_t cap);

/*  Supervisor child start function of an echo slot actor; arg is an
    nq_echo_arg_t. */
typedef struct {
    nq_wctx_t *ctx;
    nq_kind_t kind;
} nq_echo_arg_t;
int nq_echo_start (nq_runtime_t *rt, nq_actor_t *parent, void *arg, nq_actor_t **child_p);

#endif
