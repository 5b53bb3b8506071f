/*  worker.c — the worker's supervision tree (see worker.h). */
#include "actors/worker.h"

#include "actors/link.h"
#include "actors/runtime.h"
#include "actors/supervisor.h"
#include "actors/worker_int.h"
#include "common/alloc.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/ollama_spec.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

//  The subtree of one instance: its supervisor, probe and pools (Ollama),
//  or its three pools directly under the root (echo).
typedef struct {
    char sup_id[80];
    nq_supervisor_opts_t sup;
    nq_slot_arg_t probe_arg;
    nq_slot_arg_t args[NQ_WORKER_KINDS];
    nq_supervisor_opts_t pools[NQ_WORKER_KINDS];
    char pool_ids[NQ_WORKER_KINDS][32];
    nq_child_spec_t children[NQ_WORKER_KINDS + 1];
} s_subtree_t;

struct nq_worker_t {
    nq_wctx_t ctx;
    nq_runtime_t *rt;
    nq_actor_t *root;
    s_subtree_t *trees;
    nq_child_spec_t *children;
};

static int
s_sup_start (nq_runtime_t *rt, nq_actor_t *parent, void *arg, nq_actor_t **child_p)
{
    return nq_supervisor_start (rt, arg, parent, child_p);
}

nq_actor_t *
nq_worker_pool (nq_wctx_t *ctx, size_t inst, nq_kind_t kind)
{
    nq_actor_t *root = atomic_load (&ctx->root);
    if (!root || inst >= ctx->ninstances)
        return NULL;
    char id[96];
    if (ctx->echo) {
        snprintf (id, sizeof id, "echo-%s", nq_kind_name (kind));
        return nq_supervisor_child (root, id);
    }
    snprintf (id, sizeof id, "inst-%s", nq_instance_name (ctx->instances[inst]));
    nq_actor_t *sup = nq_supervisor_child (root, id);
    if (!sup)
        return NULL;
    nq_actor_t *pool = nq_supervisor_child (sup, nq_kind_name (kind));
    nq_actor_unref (&sup);
    return pool;
}

//  An instance told the link something changed: the link recounts.
static void
s_notify (void *arg, nq_instance_t *instance)
{
    (void)instance;
    nq_wctx_t *ctx = arg;
    nq_actor_t *link = atomic_load (&ctx->link);
    if (link)
        nq_actor_send (link, NQ_LINK_REFRESH, NULL, 0);
}

static int
s_instances (nq_worker_t *self, const nq_worker_opts_t *opts)
{
    nq_wctx_t *ctx = &self->ctx;
    if (opts->echo) {
        const char *models[16];
        size_t n = 0;
        char buf[1024] = "";
        if (opts->models) {
            snprintf (buf, sizeof buf, "%s", opts->models);
            char *save = NULL;
            for (char *m = strtok_r (buf, ",", &save); m && n < 16; m = strtok_r (NULL, ",", &save))
                if (*m)
                    models[n++] = m;
        }
        if (!(ctx->instances = nq_calloc (1, sizeof *ctx->instances)))
            return NQ_ENOMEM;
        ctx->instances[0] = nq_instance_new_echo (opts->instance ? opts->instance : "echo", models, n,
                                                  opts->slots ? opts->slots : 4);
        if (!ctx->instances[0])
            return NQ_ENOMEM;
        ctx->ninstances = 1;
        return 0;
    }
    char why[512];
    nq_ollama_specs_t *specs = nq_ollama_specs_parse (opts->ollama ? opts->ollama : "", why, sizeof why);
    if (!specs) {
        NQ_LOG_ERROR ("worker_config_invalid", NQ_LS ("setting", "NOVAQ_OLLAMA"), NQ_LS ("error", why));
        return NQ_ECONFIG;
    }
    int rc = 0;
    if (!(ctx->instances = nq_calloc (specs->count, sizeof *ctx->instances)))
        rc = NQ_ENOMEM;
    for (size_t i = 0; rc == 0 && i < specs->count; i++) {
        ctx->instances[i] = nq_instance_new (&specs->specs[i], &opts->defaults, nq_runtime_clock (self->rt));
        if (!ctx->instances[i])
            rc = NQ_ENOMEM;
        else
            ctx->ninstances++;
    }
    nq_ollama_specs_destroy (&specs);
    return rc;
}

//  The pool of kind for instance inst, as a child spec named id.
static void
s_pool (nq_worker_t *self, s_subtree_t *t, size_t inst, nq_kind_t k, const char *id, nq_child_start_fn *start)
{
    nq_wctx_t *ctx = &self->ctx;
    t->args[k] = (nq_slot_arg_t){ctx, inst, k};
    nq_supervisor_opts_t *p = &t->pools[k];
    nq_supervisor_opts_default (p);
    snprintf (t->pool_ids[k], sizeof t->pool_ids[k], "%s", id);
    p->name = t->pool_ids[k];
    p->strategy = NQ_SUP_POOL;
    p->pool_child = (nq_child_spec_t){t->pool_ids[k], start, &t->args[k], NQ_RESTART_PERMANENT,
                                      ctx->drain_timeout_ms + 1000};
    p->pool_size = nq_instance_slots (ctx->instances[inst], k);
}

static size_t
s_build_tree (nq_worker_t *self)
{
    nq_wctx_t *ctx = &self->ctx;
    size_t n = 0;
    self->children[n++] = (nq_child_spec_t){"link", nq_link_start, ctx, NQ_RESTART_PERMANENT, 5000};
    for (size_t i = 0; i < ctx->ninstances; i++) {
        s_subtree_t *t = &self->trees[i];
        if (ctx->echo) {
            for (int k = 1; k < NQ_WORKER_KINDS; k++) {
                char id[32];
                snprintf (id, sizeof id, "echo-%s", nq_kind_name ((nq_kind_t)k));
                s_pool (self, t, i, (nq_kind_t)k, id, nq_echo_start);
                self->children[n++] = (nq_child_spec_t){t->pool_ids[k], s_sup_start, &t->pools[k],
                                                        NQ_RESTART_PERMANENT, ctx->drain_timeout_ms + 2000};
            }
            continue;
        }
        //  inst-NAME (one_for_one): the probe, then a pool per kind.
        size_t c = 0;
        t->probe_arg = (nq_slot_arg_t){ctx, i, NQ_KIND_NONE};
        t->children[c++] =
            (nq_child_spec_t){"probe", nq_probe_start, &t->probe_arg, NQ_RESTART_PERMANENT, 5000};
        for (int k = 1; k < NQ_WORKER_KINDS; k++) {
            s_pool (self, t, i, (nq_kind_t)k, nq_kind_name ((nq_kind_t)k), nq_infer_start);
            t->children[c++] = (nq_child_spec_t){t->pool_ids[k], s_sup_start, &t->pools[k],
                                                 NQ_RESTART_PERMANENT, ctx->drain_timeout_ms + 2000};
        }
        snprintf (t->sup_id, sizeof t->sup_id, "inst-%s", nq_instance_name (ctx->instances[i]));
        nq_supervisor_opts_default (&t->sup);
        t->sup.name = t->sup_id;
        t->sup.strategy = NQ_SUP_ONE_FOR_ONE;
        t->sup.children = t->children;
        t->sup.nchildren = c;
        //  The instance (breaker, models) is the worker's and outlives this
        //  supervisor's restarts; the supervisor lends it to its children.
        t->sup.user = ctx->instances[i];
        self->children[n++] = (nq_child_spec_t){t->sup_id, s_sup_start, &t->sup, NQ_RESTART_PERMANENT,
                                                ctx->drain_timeout_ms + 3000};
    }
    return n;
}

nq_worker_t *
nq_worker_start (const nq_worker_opts_t *opts, void *zmq_ctx, void (*on_drained) (void *arg), void *arg)
{
    nq_worker_t *self = nq_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    nq_wctx_t *ctx = &self->ctx;
    ctx->zmq_ctx = zmq_ctx;
    ctx->echo = opts->echo;
    snprintf (ctx->endpoint, sizeof ctx->endpoint, "%s", opts->endpoint);
    if (opts->worker_id)
        snprintf (ctx->worker_id, sizeof ctx->worker_id, "%s", opts->worker_id);
    else {
        char host[64] = "worker";
        gethostname (host, sizeof host - 1);
        snprintf (ctx->worker_id, sizeof ctx->worker_id, "%s-%d", host, (int)getpid ());
    }
    ctx->heartbeat_ms = opts->heartbeat_ms ? opts->heartbeat_ms : 1000;
    ctx->liveness = opts->liveness ? opts->liveness : 3;
    ctx->drain_timeout_ms = opts->drain_timeout_ms ? opts->drain_timeout_ms : 30000;
    ctx->on_drained = on_drained;
    ctx->on_drained_arg = arg;

    nq_runtime_opts_t ropts;
    nq_runtime_opts_default (&ropts);
    self->rt = nq_runtime_new (&ropts);
    if (!self->rt)
        goto fail;
    int rc = s_instances (self, opts);
    if (rc) {
        NQ_LOG_ERROR ("worker_start_failed", NQ_LS ("error", nq_strerror (rc)));
        goto fail;
    }
    for (size_t i = 0; i < ctx->ninstances; i++)
        nq_instance_set_notify (ctx->instances[i], s_notify, ctx);
    self->trees = nq_calloc (ctx->ninstances, sizeof *self->trees);
    self->children = nq_calloc (1 + ctx->ninstances * NQ_WORKER_KINDS, sizeof *self->children);
    if (!self->trees || !self->children || nq_runtime_start (self->rt) != 0)
        goto fail;

    nq_supervisor_opts_t root;
    nq_supervisor_opts_default (&root);
    root.name = "worker";
    root.strategy = NQ_SUP_ONE_FOR_ALL;
    root.children = self->children;
    root.nchildren = s_build_tree (self);
    rc = nq_supervisor_start (self->rt, &root, NULL, &self->root);
    if (rc) {
        NQ_LOG_ERROR ("worker_start_failed", NQ_LS ("error", nq_strerror (rc)));
        goto fail;
    }
    atomic_store (&ctx->root, self->root);
    for (size_t i = 0; i < ctx->ninstances; i++) {
        nq_instance_t *in = ctx->instances[i];
        NQ_LOG_INFO ("instance_started", NQ_LS ("instance", nq_instance_name (in)),
                     NQ_LS ("url", nq_instance_url (in) ? nq_instance_url (in) : "echo"),
                     NQ_LU ("chat", nq_instance_slots (in, NQ_KIND_CHAT)),
                     NQ_LU ("embed", nq_instance_slots (in, NQ_KIND_EMBED)),
                     NQ_LU ("reflect", nq_instance_slots (in, NQ_KIND_REFLECT)),
                     NQ_LB ("models_configured", nq_instance_models_configured (in)));
    }
    NQ_LOG_INFO ("worker_started", NQ_LS ("worker_id", ctx->worker_id), NQ_LS ("broker", ctx->endpoint),
                 NQ_LS ("mode", ctx->echo ? "echo" : "ollama"), NQ_LU ("instances", ctx->ninstances),
                 NQ_LS ("instance", nq_instance_name (ctx->instances[0])));
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
    int rc = self->rt ? nq_runtime_destroy (&self->rt) : 0;
    for (size_t i = 0; i < self->ctx.ninstances; i++)
        nq_instance_destroy (&self->ctx.instances[i]);
    nq_free (self->ctx.instances);
    nq_free (self->trees);
    nq_free (self->children);
    nq_free (self);
    *self_p = NULL;
    return rc;
}
