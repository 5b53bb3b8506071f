/*  worker_int.h — what the actors of one worker process share (private to
    src/actors/worker*.c, link.c, slot.c, echo.c, probe.c and infer*.c). */
#ifndef NQ_WORKER_INT_H
#define NQ_WORKER_INT_H

#include "actors/actor.h"
#include "actors/instance.h"
#include "common/protocol.h"

#include <stdatomic.h>
#include <stdint.h>

#define NQ_WORKER_KINDS 4    //  indexed by nq_kind_t (0 unused)

typedef struct {
    void *zmq_ctx;
    char endpoint[256];
    char worker_id[128];
    int echo;                       //  echo slot actors instead of Ollama inference actors
    nq_instance_t **instances;      //  one slot group per (instance, kind); owned by the worker
    size_t ninstances;
    uint64_t heartbeat_ms;
    uint32_t liveness;
    uint64_t drain_timeout_ms;
    _Atomic (nq_actor_t *) link;    //  the running link (set by its init)
    _Atomic (nq_actor_t *) root;    //  the root supervisor, once started
    void (*on_drained) (void *arg);
    void *on_drained_arg;
} nq_wctx_t;

/*  A reference to the pool supervisor of (instance index, kind), or NULL
    (any thread; the caller unrefs it). */
nq_actor_t *nq_worker_pool (nq_wctx_t *ctx, size_t instance, nq_kind_t kind);

/*  What every slot actor is started with: the worker, its instance (index
    into ctx->instances) and its kind. */
typedef struct {
    nq_wctx_t *ctx;
    size_t inst;
    nq_kind_t kind;
} nq_slot_arg_t;

/*  Supervisor child start functions of the slot actors (arg: an
    nq_slot_arg_t) and of an instance's probe (arg: an nq_slot_arg_t whose
    kind is unused). */
int nq_echo_start (nq_runtime_t *rt, nq_actor_t *parent, void *arg, nq_actor_t **child_p);
int nq_infer_start (nq_runtime_t *rt, nq_actor_t *parent, void *arg, nq_actor_t **child_p);
int nq_probe_start (nq_runtime_t *rt, nq_actor_t *parent, void *arg, nq_actor_t **child_p);

#endif
