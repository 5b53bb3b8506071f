/*  worker.c — the worker's supervision tree (see worker.h). */
#include "actors/worker.h"

#include "actors/link.h"
#include "actors/runtime.h"
#include "actors/supervisor.h"
#include "actors/worker_int.h"
#include "common/alloc.h"
#include "common/errors.h"
#include "common/log.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct nq_worker_t {
    nq_wctx_t ctx;
    nq_runtime_t *rt;
    nq_actor_t *root;
    nq_echo_arg_t echo[NQ_WORKER_KINDS];
    nq_supervisor_opts_t pools[NQ_WORKER_KINDS];
    char pool_ids[NQ_WORKER_KINDS][32];
    nq_child_spec_t children[NQ_WORKER_KINDS];
};

void
nq_worker_pool_id (nq_kind_t kind, char *buf, size_t cap)
{
    snprintf (buf, cap, "echo-%s", nq_kind_name (kind));
}

static int
s_pool_start (nq_runtime_t *rt, nq_actor_t *parent, void *arg, nq_actor_t **child_p)
{
    return nq_supervisor_start (rt, arg, parent, child_p);
}

nq_worker_t *
nq_worker_start (const nq_worker_opts_t *opts, void *zmq_ctx, void (*on_drained) (void *arg), void *arg)
{
    nq_worker_t *self = nq_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    nq_wctx_t *ctx = &self->ctx;
    ctx->zmq_ctx = zmq_ctx;
    snprintf (ctx->endpoint, sizeof ctx->endpoint, "%s", opts->endpoint);
    if (opts->worker_id)
        snprintf (ctx->worker_id, sizeof ctx->worker_id, "%s", opts->worker_id);
    else {
        char host[64] = "worker";
        gethostname (host, sizeof host - 1);
        snprintf (ctx->worker_id, sizeof ctx->worker_id, "%s-%d", host, (int) getpid ());
    }
    snprintf (ctx->instance, sizeof ctx->instance, "%s", opts->instance ? opts->instance : "echo");
    if (opts->models) {
        snprintf (ctx->models_buf, sizeof ctx->models_buf, "%s", opts->models);
        char *save = NULL;
        for (char *m = strtok_r (ctx->models_buf, ",", &save); m && ctx->nmodels < 16; m = strtok_r (NULL, ",", &save))
            if (*m)
                ctx->models[ctx->nmodels++] = m;
    }
    unsigned slots = opts->slots ? opts->slots : 4;
    for (int k = 1; k < NQ_WORKER_KINDS; k++)
        ctx->slots[k] = slots;
    ctx->heartbeat_ms = opts->heartbeat_ms ? opts->heartbeat_ms : 1000;
    ctx->liveness = opts->liveness ? opts->liveness : 3;
    ctx->drain_timeout_ms = opts->drain_timeout_ms ? opts->drain_timeout_ms : 30000;
    ctx->on_drained = on_drained;
    ctx->on_drained_arg = arg;

    nq_runtime_opts_t ropts;
    nq_runtime_opts_default (&ropts);
    self->rt = nq_runtime_new (&ropts);
    if (!self->rt || nq_runtime_start (self->rt) != 0)
        goto fail;

    //  Root children: the link first, then a pool per kind.
    size_t n = 0;
    self->children[n++] = (nq_child_spec_t){"link", nq_link_start, ctx, NQ_RESTART_PERMANENT, 5000};
    for (int k = 1; k < NQ_WORKER_KINDS; k++) {
        self->echo[k] = (nq_echo_arg_t){ctx, (nq_kind_t) k};
        nq_supervisor_opts_t *p = &self->pools[k];
        nq_supervisor_opts_default (p);
        nq_worker_pool_id ((nq_kind_t) k, self->pool_ids[k], sizeof self->pool_ids[k]);
        p->name = self->pool_ids[k];
        p->strategy = NQ_SUP_POOL;
        p->pool_child = (nq_child_spec_t){self->pool_ids[k], nq_echo_start, &self->echo[k], NQ_RESTART_PERMANENT,
                                          ctx->drain_timeout_ms + 1000};
        p->pool_size = ctx->slots[k];
        self->children[n++] = (nq_child_spec_t){self->pool_ids[k], s_pool_start, p, NQ_RESTART_PERMANENT,
                                                ctx->drain_timeout_ms + 2000};
    }
    nq_supervisor_opts_t root;
    nq_supervisor_opts_default (&root);
    root.name = "worker";
    root.strategy = NQ_SUP_ONE_FOR_ALL;
    root.children = self->children;
    root.nchildren = n;
    int rc = nq_supervisor_start (self->rt, &root, NULL, &self->root);
    if (rc) {
        NQ_LOG_ERROR ("worker_start_failed", NQ_LS ("error", nq_strerror (rc)));
        goto fail;
    }
    atomic_store (&ctx->root, self->root);
    NQ_LOG_INFO ("worker_started", NQ_LS ("worker_id", ctx->worker_id), NQ_LS ("broker", ctx->endpoint),
                 NQ_LU ("slots_per_kind", slots), NQ_LS ("instance", ctx->instance));
    return self;
fail:
    nq_worker_destroy (&self);
    return NULL;
}

int
nq_worker_drain (nq_worker_t *self)
{
    nq_actor_t *link = atomic_load (&self->ctx.link);
    return link ? nq_actor_send (link, NQ_LINK_DRAIN, NULL, 0) : NQ_ECLOSED;
}

int
nq_worker_destroy (nq_worker_t **self_p)
{
    nq_worker_t *self = *self_p;
    if (!self)
        return 0;
    atomic_store (&self->ctx.root, NULL);
    if (self->root)
        nq_actor_unref (&self->root);
    int rc = nq_runtime_destroy (&self->rt);
    nq_free (self);
    *self_p = NULL;
    return rc;
}
