/*  registry.h — the workers the broker knows and the slots they offer.

    A worker announces slot groups in READY: for each Ollama instance (or
    echo pool) the kinds it serves, the models (none listed: any model), the
    models it has loaded (warm), and how many slots it offers now (its
    credit). A job of (kind, model) may go to a group that serves both and
    has a free slot; among those, the dispatch mode chooses (NOVAQ_DISPATCH):
    - affinity (the default): a group with the model warm (no model swap),
      then the least loaded group, then the one that waited longest;
    - round_robin: the group that waited longest, ignoring warmth and load
      (the groups take turns);
    - least_busy: the fewest jobs in flight relative to capacity, then the
      one that waited longest, ignoring warmth.
    Whatever the mode, a job can be steered away from one instance (a retry
    after a failure there): groups on other instances come first, and that
    instance is used only when no other has a free slot.
    Workers that are draining or dead take nothing.
    Not thread-safe: the broker's loop owns it. */
#ifndef NQ_REGISTRY_H
#define NQ_REGISTRY_H

#include "broker/job.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *instance;
    unsigned kinds;             //  bit (1 << nq_kind_t)
    char **models;              //  served; none: any model
    size_t nmodels;
    char **warm;                //  loaded now
    size_t nwarm;
    uint32_t capacity;          //  slots offered now (credit)
    uint32_t in_flight;         //  jobs leased to this group
    uint64_t last_dispatch;     //  registry dispatch counter at its last job
    int warm_reported;          //  the worker reports loaded models (CREDIT warm)
} nq_slot_group_t;

typedef struct nq_bworker_t {
    nq_bytes_t identity;        //  its ZeroMQ peer identity
    char id[64];                //  printable id (hex of the identity)
    char name[128];             //  the worker_id it gave in READY
    nq_slot_group_t *groups;
    size_t ngroups;
    uint64_t heartbeat_ms;      //  negotiated interval
    uint32_t liveness;          //  intervals of silence before it is dead
    uint64_t last_seen_ms;
    uint64_t generation;        //  invalidates its earlier timers
    int draining;
    int gone;                   //  removed from the registry; freed when unreferenced
    uint32_t timer_refs;        //  timers that still name it
    uint32_t in_flight;
    uint64_t jobs_done;
    struct nq_bjob_t *leases;   //  jobs leased to it (linked through lease_next)
} nq_bworker_t;

/*  The description of one slot group, as READY carries it. */
typedef struct {
    const char *instance;
    unsigned kinds;
    const char *const *models;
    size_t nmodels;
    const char *const *warm;
    size_t nwarm;
    uint32_t capacity;
} nq_slot_group_desc_t;

/*  How a job's slot group is chosen among the free ones (see above). */
typedef enum {
    NQ_DISPATCH_AFFINITY = 0,
    NQ_DISPATCH_ROUND_ROBIN,
    NQ_DISPATCH_LEAST_BUSY,
    NQ_DISPATCH__COUNT
} nq_dispatch_mode_t;

/*  "affinity", "round_robin", "least_busy"; and back (-1 when unknown). */
const char *nq_dispatch_name (nq_dispatch_mode_t mode);
int nq_dispatch_parse (const char *name);

typedef struct nq_registry_t nq_registry_t;

/*  A registry placing in affinity mode. */
nq_registry_t *nq_registry_new (void);
/*  Destroys the registry and every worker in it. */
void nq_registry_destroy (nq_registry_t **self_p);

/*  Adds a worker with its groups (all copied). Returns the worker, or NULL
    on no memory or when a worker of that identity exists already. */
nq_bworker_t *nq_registry_add (nq_registry_t *self, const void *identity, size_t identity_size, const char *name,
                               const nq_slot_group_desc_t *groups, size_t ngroups, uint64_t heartbeat_ms,
                               uint32_t liveness, uint64_t now_ms);
nq_bworker_t *nq_registry_find (const nq_registry_t *self, const void *identity, size_t identity_size);
/*  The worker whose printable id or name is text, or NULL. */
nq_bworker_t *nq_registry_find_named (nq_registry_t *self, const char *text);
/*  Unlinks a worker (its leases must have been handled); the caller frees
    it with nq_bworker_destroy once nothing refers to it. */
void nq_registry_remove (nq_registry_t *self, nq_bworker_t *worker);
void nq_bworker_destroy (nq_bworker_t **worker_p);

/*  The group of worker for instance that serves kind (NQ_KIND_NONE: any
    kind), or -1. */
int nq_registry_group (const nq_bworker_t *worker, const char *instance, nq_kind_t kind);
/*  Replaces a group's warm models (copied). 0 or NQ_ENOMEM. */
int nq_registry_set_warm (nq_slot_group_t *group, const char *const *warm, size_t nwarm);
/*  Replaces a group's served models (copied; none: any model). 0 or NQ_ENOMEM. */
int nq_registry_set_models (nq_slot_group_t *group, const char *const *models, size_t nmodels);

/*  1 when some non-draining worker offers slots (capacity > 0, busy or not)
    for (kind, model): the model has a healthy home. */
int nq_registry_healthy (const nq_registry_t *self, nq_kind_t kind, const char *model);
/*  1 when some live, non-draining worker has a free slot for (kind, model). */
int nq_registry_can_serve (const nq_registry_t *self, nq_kind_t kind, const char *model);
/*  The dispatch mode, and changing it (it applies to the next placement). */
nq_dispatch_mode_t nq_registry_dispatch (const nq_registry_t *self);
void nq_registry_set_dispatch (nq_registry_t *self, nq_dispatch_mode_t mode);
/*  For affinity placement, of the live, non-draining groups serving (kind,
    model): *warm_free is 1 when one with a free slot has model warm;
    *warm_home is 1 when one offering slots (busy or not) has it warm — a
    place the job can wait for; *empty_free is 1 when one with a free slot
    has no model loaded at all (a load there evicts nothing). */
void nq_registry_warmth (const nq_registry_t *self, nq_kind_t kind, const char *model, int *warm_free,
                         int *warm_home, int *empty_free);
/*  After a dispatch of model to (worker, group): that instance is loading or
    holds the model now, so every group of worker on the same instance counts
    it warm until the worker's next warm list (CREDIT) says otherwise. Only
    groups whose worker reports warm lists (warm_reported) are touched.
    0 or NQ_ENOMEM. */
int nq_registry_assume_warm (nq_bworker_t *worker, int group, const char *model);
/*  Chooses the best free slot for (kind, model) by the dispatch mode. avoid
    (may be NULL) names an instance to use only when no group elsewhere has
    a free slot. Returns 1 and sets *worker_p and *group_p, or 0 when none
    is free. */
int nq_registry_place (nq_registry_t *self, nq_kind_t kind, const char *model, const char *avoid,
                       nq_bworker_t **worker_p, int *group_p);
/*  Counts a dispatch to (worker, group) / the end of one. */
void nq_registry_lease (nq_registry_t *self, nq_bworker_t *worker, int group);
void nq_registry_release (nq_registry_t *self, nq_bworker_t *worker, int group);

/*  Iteration: first/next worker (NULL at the end). Do not add or remove
    workers while iterating. */
nq_bworker_t *nq_registry_first (nq_registry_t *self);
nq_bworker_t *nq_registry_next (nq_registry_t *self);
size_t nq_registry_size (const nq_registry_t *self);

/*  1 when group serves (kind, model) (ignoring capacity). */
int nq_slot_group_serves (const nq_slot_group_t *group, nq_kind_t kind, const char *model);
int nq_slot_group_is_warm (const nq_slot_group_t *group, const char *model);

#endif
