/*  registry.c — workers, slot groups and placement (see registry.h). */
#include "broker/registry.h"

#include "common/alloc.h"
#include "common/errors.h"

#include <assert.h>
#include <czmq.h>
#include <stdio.h>
#include <string.h>

struct nq_registry_t {
    zhashx_t *workers;    //  hex id → nq_bworker_t
    uint64_t dispatches;
    nq_dispatch_mode_t mode;
};

static const char *const s_dispatch_names[NQ_DISPATCH__COUNT] = {"affinity", "round_robin", "least_busy"};

const char *
nq_dispatch_name (nq_dispatch_mode_t mode)
{
    return mode >= 0 && mode < NQ_DISPATCH__COUNT ? s_dispatch_names[mode] : "unknown";
}

int
nq_dispatch_parse (const char *name)
{
    for (int i = 0; name && i < NQ_DISPATCH__COUNT; i++)
        if (strcmp (name, s_dispatch_names[i]) == 0)
            return i;
    return -1;
}

static void
s_hex_id (const void *identity, size_t size, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *p = identity;
    size_t n = 0;
    for (size_t i = 0; i < size && n + 2 < cap; i++) {
        out[n++] = hex[p[i] >> 4];
        out[n++] = hex[p[i] & 15];
    }
    out[n] = '\0';
}

static void
s_strv_free (char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        nq_free (v[i]);
    nq_free (v);
}

static char **
s_strv_copy (const char *const *v, size_t n)
{
    if (n == 0)
        return NULL;
    char **copy = nq_calloc (n, sizeof *copy);
    if (!copy)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!(copy[i] = nq_strdup (v[i] ? v[i] : ""))) {
            s_strv_free (copy, n);
            return NULL;
        }
    return copy;
}

static void
s_worker_free (nq_bworker_t *w)
{
    for (size_t i = 0; i < w->ngroups; i++) {
        nq_free (w->groups[i].instance);
        s_strv_free (w->groups[i].models, w->groups[i].nmodels);
        s_strv_free (w->groups[i].warm, w->groups[i].nwarm);
    }
    nq_free (w->groups);
    nq_bytes_clear (&w->identity);
    nq_free (w);
}

void
nq_bworker_destroy (nq_bworker_t **worker_p)
{
    assert (worker_p);
    if (*worker_p)
        s_worker_free (*worker_p);
    *worker_p = NULL;
}

nq_registry_t *
nq_registry_new (void)
{
    nq_registry_t *self = nq_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->workers = zhashx_new ();
    if (!self->workers) {
        nq_free (self);
        return NULL;
    }
    return self;
}

void
nq_registry_destroy (nq_registry_t **self_p)
{
    assert (self_p);
    nq_registry_t *self = *self_p;
    if (!self)
        return;
    for (nq_bworker_t *w = zhashx_first (self->workers); w; w = zhashx_next (self->workers))
        s_worker_free (w);
    zhashx_destroy (&self->workers);
    nq_free (self);
    *self_p = NULL;
}

nq_bworker_t *
nq_registry_add (nq_registry_t *self, const void *identity, size_t identity_size, const char *name,
                 const nq_slot_group_desc_t *groups, size_t ngroups, uint64_t heartbeat_ms, uint32_t liveness,
                 uint64_t now_ms)
{
    assert (self && identity);
    char id[64];
    s_hex_id (identity, identity_size, id, sizeof id);
    if (zhashx_lookup (self->workers, id))
        return NULL;
    nq_bworker_t *w = nq_calloc (1, sizeof *w);
    if (!w)
        return NULL;
    memcpy (w->id, id, sizeof w->id);
    snprintf (w->name, sizeof w->name, "%s", name && *name ? name : id);
    w->heartbeat_ms = heartbeat_ms;
    w->liveness = liveness;
    w->last_seen_ms = now_ms;
    if (nq_bytes_set (&w->identity, identity, identity_size))
        goto fail;
    if (ngroups && !(w->groups = nq_calloc (ngroups, sizeof *w->groups)))
        goto fail;
    w->ngroups = ngroups;
    for (size_t i = 0; i < ngroups; i++) {
        nq_slot_group_t *g = &w->groups[i];
        g->kinds = groups[i].kinds;
        g->capacity = groups[i].capacity;
        g->nmodels = groups[i].nmodels;
        g->nwarm = groups[i].nwarm;
        g->instance = nq_strdup (groups[i].instance ? groups[i].instance : "");
        g->models = s_strv_copy (groups[i].models, groups[i].nmodels);
        g->warm = s_strv_copy (groups[i].warm, groups[i].nwarm);
        if (!g->instance || (g->nmodels && !g->models) || (g->nwarm && !g->warm)) {
            //  Keep what was copied consistent with the counts for s_worker_free.
            if (!g->models)
                g->nmodels = 0;
            if (!g->warm)
                g->nwarm = 0;
            goto fail;
        }
    }
    if (zhashx_insert (self->workers, id, w) != 0)
        goto fail;
    return w;
fail:
    s_worker_free (w);
    return NULL;
}

nq_bworker_t *
nq_registry_find (const nq_registry_t *self, const void *identity, size_t identity_size)
{
    char id[64];
    s_hex_id (identity, identity_size, id, sizeof id);
    nq_bworker_t *w = zhashx_lookup (self->workers, id);
    //  The printable id is cut at 31 bytes: confirm the whole identity.
    if (w && (w->identity.size != identity_size || memcmp (w->identity.data, identity, identity_size) != 0))
        return NULL;
    return w;
}

nq_bworker_t *
nq_registry_find_named (nq_registry_t *self, const char *text)
{
    for (nq_bworker_t *w = zhashx_first (self->workers); w; w = zhashx_next (self->workers))
        if (strcmp (w->id, text) == 0 || strcmp (w->name, text) == 0)
            return w;
    return NULL;
}

void
nq_registry_remove (nq_registry_t *self, nq_bworker_t *worker)
{
    zhashx_delete (self->workers, worker->id);
}

int
nq_registry_group (const nq_bworker_t *worker, const char *instance, nq_kind_t kind)
{
    for (size_t i = 0; i < worker->ngroups; i++)
        if (strcmp (worker->groups[i].instance, instance) == 0
            && (kind == NQ_KIND_NONE || (worker->groups[i].kinds & (1u << kind))))
            return (int) i;
    return -1;
}

//  Replaces the list *v of *n strings with a copy of src; unchanged on no memory.
static int
s_strv_replace (char ***v, size_t *n, const char *const *src, size_t nsrc)
{
    char **copy = s_strv_copy (src, nsrc);
    if (nsrc && !copy)
        return NQ_ENOMEM;
    s_strv_free (*v, *n);
    *v = copy;
    *n = nsrc;
    return 0;
}

int
nq_registry_set_warm (nq_slot_group_t *group, const char *const *warm, size_t nwarm)
{
    int rc = s_strv_replace (&group->warm, &group->nwarm, warm, nwarm);
    if (rc == 0)
        group->warm_reported = 1;
    return rc;
}

int
nq_registry_set_models (nq_slot_group_t *group, const char *const *models, size_t nmodels)
{
    return s_strv_replace (&group->models, &group->nmodels, models, nmodels);
}

int
nq_slot_group_serves (const nq_slot_group_t *g, nq_kind_t kind, const char *model)
{
    if (!(g->kinds & (1u << kind)))
        return 0;
    if (g->nmodels == 0)
        return 1;
    for (size_t i = 0; i < g->nmodels; i++)
        if (strcmp (g->models[i], model) == 0)
            return 1;
    return 0;
}

int
nq_slot_group_is_warm (const nq_slot_group_t *g, const char *model)
{
    for (size_t i = 0; i < g->nwarm; i++)
        if (strcmp (g->warm[i], model) == 0)
            return 1;
    return 0;
}

int
nq_registry_healthy (const nq_registry_t *self, nq_kind_t kind, const char *model)
{
    zhashx_t *workers = self->workers;
    for (nq_bworker_t *w = zhashx_first (workers); w; w = zhashx_next (workers)) {
        if (w->draining)
            continue;
        for (size_t i = 0; i < w->ngroups; i++)
            if (w->groups[i].capacity > 0 && nq_slot_group_serves (&w->groups[i], kind, model))
                return 1;
    }
    return 0;
}

int
nq_registry_can_serve (const nq_registry_t *self, nq_kind_t kind, const char *model)
{
    zhashx_t *workers = self->workers;
    for (nq_bworker_t *w = zhashx_first (workers); w; w = zhashx_next (workers)) {
        if (w->draining)
            continue;
        for (size_t i = 0; i < w->ngroups; i++) {
            const nq_slot_group_t *g = &w->groups[i];
            if (g->in_flight < g->capacity && nq_slot_group_serves (g, kind, model))
                return 1;
        }
    }
    return 0;
}

void
nq_registry_warmth (const nq_registry_t *self, nq_kind_t kind, const char *model, int *warm_free, int *warm_home,
                    int *empty_free)
{
    *warm_free = *warm_home = *empty_free = 0;
    zhashx_t *workers = self->workers;
    for (nq_bworker_t *w = zhashx_first (workers); w; w = zhashx_next (workers)) {
        if (w->draining)
            continue;
        for (size_t i = 0; i < w->ngroups; i++) {
            const nq_slot_group_t *g = &w->groups[i];
            if (g->capacity == 0 || !nq_slot_group_serves (g, kind, model))
                continue;
            int free_slot = g->in_flight < g->capacity;
            if (free_slot && g->nwarm == 0)
                *empty_free = 1;
            if (!nq_slot_group_is_warm (g, model))
                continue;
            *warm_home = 1;
            if (free_slot)
                *warm_free = 1;
        }
    }
}

int
nq_registry_assume_warm (nq_bworker_t *worker, int group, const char *model)
{
    const char *instance = worker->groups[group].instance;
    for (size_t i = 0; i < worker->ngroups; i++) {
        nq_slot_group_t *g = &worker->groups[i];
        if (!g->warm_reported || strcmp (g->instance, instance) != 0 || nq_slot_group_is_warm (g, model))
            continue;
        char **grown = nq_realloc (g->warm, (g->nwarm + 1) * sizeof *grown);
        char *copy = grown ? nq_strdup (model) : NULL;
        if (grown)
            g->warm = grown;
        if (!copy)
            return NQ_ENOMEM;
        g->warm[g->nwarm++] = copy;
    }
    return 0;
}

nq_dispatch_mode_t
nq_registry_dispatch (const nq_registry_t *self)
{
    return self->mode;
}

void
nq_registry_set_dispatch (nq_registry_t *self, nq_dispatch_mode_t mode)
{
    assert (mode >= 0 && mode < NQ_DISPATCH__COUNT);
    self->mode = mode;
}

//  A free group that may take the job, with what placement compares.
typedef struct {
    int elsewhere;    //  not on the instance to avoid
    int warm;
    int empty;        //  nothing loaded: a load there evicts no other model
    double load;
    uint64_t last;
} s_rank_t;

//  1 when candidate a beats b under mode. Earlier keys dominate later ones;
//  the longest idle (smallest dispatch counter) breaks every tie.
static int
s_better (nq_dispatch_mode_t mode, const s_rank_t *a, const s_rank_t *b)
{
    if (a->elsewhere != b->elsewhere)
        return a->elsewhere > b->elsewhere;
    if (mode == NQ_DISPATCH_AFFINITY && a->warm != b->warm)
        return a->warm > b->warm;
    if (mode == NQ_DISPATCH_AFFINITY && a->empty != b->empty)
        return a->empty > b->empty;
    if (mode != NQ_DISPATCH_ROUND_ROBIN && a->load != b->load)
        return a->load < b->load;
    return a->last < b->last;
}

int
nq_registry_place (nq_registry_t *self, nq_kind_t kind, const char *model, const char *avoid,
                   nq_bworker_t **worker_p, int *group_p)
{
    nq_bworker_t *best_w = NULL;
    int best_g = -1;
    s_rank_t best = {0, 0, 0, 0.0, 0};
    for (nq_bworker_t *w = zhashx_first (self->workers); w; w = zhashx_next (self->workers)) {
        if (w->draining)
            continue;
        for (size_t i = 0; i < w->ngroups; i++) {
            nq_slot_group_t *g = &w->groups[i];
            if (g->in_flight >= g->capacity || !nq_slot_group_serves (g, kind, model))
                continue;
            s_rank_t r = {!avoid || strcmp (g->instance, avoid) != 0, nq_slot_group_is_warm (g, model), g->nwarm == 0,
                          (double) g->in_flight / (double) g->capacity, g->last_dispatch};
            if (!best_w || s_better (self->mode, &r, &best)) {
                best_w = w;
                best_g = (int) i;
                best = r;
            }
        }
    }
    if (!best_w)
        return 0;
    *worker_p = best_w;
    *group_p = best_g;
    return 1;
}

void
nq_registry_lease (nq_registry_t *self, nq_bworker_t *worker, int group)
{
    nq_slot_group_t *g = &worker->groups[group];
    g->in_flight++;
    g->last_dispatch = ++self->dispatches;
    worker->in_flight++;
}

void
nq_registry_release (nq_registry_t *self, nq_bworker_t *worker, int group)
{
    (void) self;
    nq_slot_group_t *g = &worker->groups[group];
    assert (g->in_flight > 0 && worker->in_flight > 0);
    g->in_flight--;
    worker->in_flight--;
    worker->jobs_done++;
}

nq_bworker_t *
nq_registry_first (nq_registry_t *self)
{
    return zhashx_first (self->workers);
}

nq_bworker_t *
nq_registry_next (nq_registry_t *self)
{
    return zhashx_next (self->workers);
}

size_t
nq_registry_size (const nq_registry_t *self)
{
    return zhashx_size (self->workers);
}
