/*  instance.h — one Ollama instance as a worker serves it.

    An instance is what a NOVAQ_OLLAMA entry (common/ollama_spec.h) becomes
    once the global defaults are applied: a name and base URL, how many
    chat, embed and reflect actors it gets, the client timeouts, its circuit
    breaker, and what the probe learnt of it — the models it serves (from
    `models=` or /api/tags) and the models loaded now (/api/ps).

    Threads: the link, the probe and the slot actors of an instance may run
    on different loops, so the breaker (a pure, not thread-safe state
    machine) and the model lists sit behind one mutex here; every function
    is thread-safe. The instance is owned by the worker and outlives every
    actor of its tree, so a restarted actor finds the breaker as it was.

    Changes the link must hear of — a breaker transition, new models, new
    warm models — call the notify hook (on the thread that caused them,
    with the mutex held: the hook must only post a message). */
#ifndef NQ_INSTANCE_H
#define NQ_INSTANCE_H

#include "actors/actor.h"
#include "actors/breaker.h"
#include "actors/ollama.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/ollama_spec.h"
#include "common/protocol.h"

#include <stddef.h>
#include <stdint.h>

typedef struct nq_instance_t nq_instance_t;

/*  The global defaults (NOVAQ_OLLAMA_*, NOVAQ_EMBED_BATCH, NOVAQ_BREAKER_*). */
typedef struct {
    unsigned slots, embed, reflect;
    uint64_t connect_timeout_ms, first_byte_timeout_ms, idle_timeout_ms, total_timeout_ms;
    uint64_t probe_ms;
    unsigned embed_batch;
    unsigned breaker_failures;
    uint64_t breaker_open_ms, breaker_open_max_ms;
} nq_instance_defaults_t;

/*  Reads the defaults from a loaded configuration. */
void nq_instance_defaults_from_config (nq_instance_defaults_t *defaults, const nq_config_t *config);

typedef void (nq_instance_notify_fn) (void *arg, nq_instance_t *instance);

/*  An Ollama instance from spec and defaults (both copied); its breaker
    reads clock (borrowed, must outlive it). NULL on no memory. */
nq_instance_t *nq_instance_new (const nq_ollama_spec_t *spec, const nq_instance_defaults_t *defaults,
                                nq_clock_t *clock);
/*  The echo pseudo-instance: no URL, no breaker (every call allowed,
    permits = slots), serving models (NULL/0: any model) with slots actors
    of each kind. NULL on no memory. */
nq_instance_t *nq_instance_new_echo (const char *name, const char *const *models, size_t nmodels,
                                     unsigned slots);
void nq_instance_destroy (nq_instance_t **self_p);

/*  The hook for changes (see above); set before any actor runs. */
void nq_instance_set_notify (nq_instance_t *self, nq_instance_notify_fn *fn, void *arg);

const char *nq_instance_name (const nq_instance_t *self);
/*  NULL for the echo pseudo-instance. */
const char *nq_instance_url (const nq_instance_t *self);
int nq_instance_is_echo (const nq_instance_t *self);
/*  Actors of kind at start. */
unsigned nq_instance_slots (const nq_instance_t *self, nq_kind_t kind);
uint64_t nq_instance_probe_ms (const nq_instance_t *self);
unsigned nq_instance_embed_batch (const nq_instance_t *self);
/*  The client options of this instance (base_url and timeouts); the
    strings stay owned by the instance. */
void nq_instance_ollama_options (const nq_instance_t *self, nq_ollama_options_t *options);
/*  On owner's loop: a client of this instance (its options) on that loop,
    every libuv handle it makes owned by owner (nq_actor_hook_own). The
    caller owns the client and ends it with nq_ollama_close before owner
    has stopped. NULL on no memory. */
nq_ollama_t *nq_instance_ollama_new (const nq_instance_t *self, nq_actor_t *owner);
/*  1 when its models came from `models=` (no /api/tags discovery). */
int nq_instance_models_configured (const nq_instance_t *self);

/*  The breaker, under the instance's mutex. allow: 0 or
    NQ_EUPSTREAM_UNAVAILABLE (*retry_after_ms may be NULL); permits: how many
    of slots may take work now. The echo instance always allows and permits
    every slot. Transitions are logged as `breaker_transition` (instance,
    from, to, cause) and notified. */
int nq_instance_allow (nq_instance_t *self, uint64_t *retry_after_ms);
void nq_instance_record (nq_instance_t *self, const nq_call_result_t *result);
unsigned nq_instance_permits (nq_instance_t *self, unsigned slots);
nq_breaker_state_t nq_instance_state (nq_instance_t *self);

/*  What the probe learnt. set_models replaces the served models (copied)
    and marks them known; set_warm the loaded ones. Each returns 1 when the
    list changed (and notifies), 0 when it is the same, NQ_ENOMEM. set_warm
    notifies (a new warm version) even when unchanged, so the link sends the
    broker the truth after every probe. */
int nq_instance_set_models (nq_instance_t *self, const char *const *models, size_t n);
int nq_instance_set_warm (nq_instance_t *self, const char *const *warm, size_t n);

/*  A snapshot for a READY or CREDIT: *known (0 while the models are not
    known yet: the instance can take no job), *any (the echo instance
    without a model list), the models and warm lists copied into msg's
    memory (NULL, 0 when empty), and the version of both lists (it grows on
    every change). Returns 0 or NQ_ENOMEM. */
typedef struct {
    int known, any;
    const char **models;
    size_t nmodels;
    const char **warm;
    size_t nwarm;
    uint64_t models_version, warm_version;
} nq_instance_view_t;
int nq_instance_view (nq_instance_t *self, nq_msg_t *msg, nq_instance_view_t *view);

/*  1 once the instance has models to serve: configured, or /api/tags
    answered with at least one (the echo instance: always). Until then its
    groups offer no slot. */
int nq_instance_models_known (nq_instance_t *self);

/*  1 when the instance may serve model (known and listed, or any). */
int nq_instance_serves (nq_instance_t *self, const char *model);

#endif
