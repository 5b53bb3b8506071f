/*  instance.c — an Ollama instance: settings, breaker, models (see instance.h). */
#include "actors/instance.h"

#include "common/alloc.h"
#include "common/errors.h"
#include "common/log.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    char **v;
    size_t n;
} s_list_t;

struct nq_instance_t {
    char name[64];
    char url[512];
    int echo;
    unsigned slots[4];    //  by nq_kind_t
    nq_ollama_options_t ollama;
    uint64_t probe_ms;
    unsigned embed_batch;
    pthread_mutex_t mutex;
    nq_breaker_t *breaker;    //  NULL for echo
    int models_configured;
    int known, any;
    s_list_t models, warm;
    uint64_t models_version, warm_version;
    nq_instance_notify_fn *notify;
    void *notify_arg;
};

void
nq_instance_defaults_from_config (nq_instance_defaults_t *d, const nq_config_t *config)
{
    assert (d && config);
    d->slots = (unsigned)nq_config_int (config, NQ_CFG_OLLAMA_SLOTS);
    d->embed = (unsigned)nq_config_int (config, NQ_CFG_OLLAMA_EMBED_SLOTS);
    d->reflect = (unsigned)nq_config_int (config, NQ_CFG_OLLAMA_REFLECT_SLOTS);
    d->connect_timeout_ms = (uint64_t)nq_config_int (config, NQ_CFG_OLLAMA_CONNECT_TIMEOUT);
    d->first_byte_timeout_ms = (uint64_t)nq_config_int (config, NQ_CFG_OLLAMA_FIRST_BYTE_TIMEOUT);
    d->idle_timeout_ms = (uint64_t)nq_config_int (config, NQ_CFG_OLLAMA_IDLE_TIMEOUT);
    d->total_timeout_ms = (uint64_t)nq_config_int (config, NQ_CFG_OLLAMA_TOTAL_TIMEOUT);
    d->probe_ms = (uint64_t)nq_config_int (config, NQ_CFG_OLLAMA_PROBE);
    d->embed_batch = (unsigned)nq_config_int (config, NQ_CFG_EMBED_BATCH);
    d->breaker_failures = (unsigned)nq_config_int (config, NQ_CFG_BREAKER_FAILURES);
    d->breaker_open_ms = (uint64_t)nq_config_int (config, NQ_CFG_BREAKER_OPEN);
    d->breaker_open_max_ms = (uint64_t)nq_config_int (config, NQ_CFG_BREAKER_OPEN_MAX);
}

static void
s_list_clear (s_list_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        nq_free (l->v[i]);
    nq_free (l->v);
    l->v = NULL;
    l->n = 0;
}

static int
s_list_equal (const s_list_t *l, const char *const *v, size_t n)
{
    if (l->n != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp (l->v[i], v[i]) != 0)
            return 0;
    return 1;
}

static int
s_list_set (s_list_t *l, const char *const *v, size_t n)
{
    s_list_t copy = {NULL, 0};
    if (n && !(copy.v = nq_calloc (n, sizeof *copy.v)))
        return NQ_ENOMEM;
    for (; copy.n < n; copy.n++)
        if (!(copy.v[copy.n] = nq_strdup (v[copy.n]))) {
            s_list_clear (&copy);
            return NQ_ENOMEM;
        }
    s_list_clear (l);
    *l = copy;
    return 0;
}

static void
s_transition (nq_breaker_t *breaker, nq_breaker_state_t from, nq_breaker_state_t to, const char *cause,
              void *arg)
{
    nq_instance_t *self = arg;
    (void)breaker;
    NQ_LOG_WARN ("breaker_transition", NQ_LS ("instance", self->name),
                 NQ_LS ("from", nq_breaker_state_name (from)), NQ_LS ("to", nq_breaker_state_name (to)),
                 NQ_LS ("cause", cause));
    if (self->notify)
        self->notify (self->notify_arg, self);
}

static nq_instance_t *
s_new (const char *name)
{
    nq_instance_t *self = nq_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    snprintf (self->name, sizeof self->name, "%s", name);
    pthread_mutex_init (&self->mutex, NULL);
    return self;
}

nq_instance_t *
nq_instance_new (const nq_ollama_spec_t *spec, const nq_instance_defaults_t *d, nq_clock_t *clock)
{
    assert (spec && d && clock);
    nq_instance_t *self = s_new (spec->name);
    if (!self)
        return NULL;
    snprintf (self->url, sizeof self->url, "%s", spec->url);
    self->slots[NQ_KIND_CHAT] = spec->slots >= 0 ? (unsigned)spec->slots : d->slots;
    self->slots[NQ_KIND_EMBED] = spec->embed >= 0 ? (unsigned)spec->embed : d->embed;
    self->slots[NQ_KIND_REFLECT] = spec->reflect >= 0 ? (unsigned)spec->reflect : d->reflect;
    self->ollama = (nq_ollama_options_t){
        .base_url = self->url,
        .connect_timeout_ms =
            spec->connect_timeout_ms >= 0 ? (uint64_t)spec->connect_timeout_ms : d->connect_timeout_ms,
        .first_byte_timeout_ms = spec->first_byte_timeout_ms >= 0 ? (uint64_t)spec->first_byte_timeout_ms
                                                                  : d->first_byte_timeout_ms,
        .idle_timeout_ms = spec->idle_timeout_ms >= 0 ? (uint64_t)spec->idle_timeout_ms : d->idle_timeout_ms,
        .total_timeout_ms =
            spec->total_timeout_ms >= 0 ? (uint64_t)spec->total_timeout_ms : d->total_timeout_ms,
    };
    self->probe_ms = d->probe_ms;
    self->embed_batch = d->embed_batch ? d->embed_batch : 64;
    nq_breaker_opts_t bo;
    nq_breaker_opts_default (&bo);
    bo.name = self->name;
    bo.consecutive_failures = d->breaker_failures;
    bo.open_wait.min_ms = d->breaker_open_ms;
    bo.open_wait.max_ms =
        d->breaker_open_max_ms > d->breaker_open_ms ? d->breaker_open_max_ms : d->breaker_open_ms;
    bo.on_transition = s_transition;
    bo.transition_arg = self;
    self->breaker = nq_breaker_new (&bo, clock);
    if (!self->breaker)
        goto fail;
    if (spec->models_set) {
        self->models_configured = 1;
        if (nq_instance_set_models (self, spec->models, spec->nmodels) < 0)
            goto fail;
    }
    return self;
fail:
    nq_instance_destroy (&self);
    return NULL;
}

nq_instance_t *
nq_instance_new_echo (const char *name, const char *const *models, size_t nmodels, unsigned slots)
{
    nq_instance_t *self = s_new (name);
    if (!self)
        return NULL;
    self->echo = 1;
    self->models_configured = 1;
    self->slots[NQ_KIND_CHAT] = self->slots[NQ_KIND_EMBED] = self->slots[NQ_KIND_REFLECT] = slots;
    self->known = 1;
    self->any = nmodels == 0;
    if (nmodels && s_list_set (&self->models, models, nmodels) != 0)
        nq_instance_destroy (&self);
    return self;
}

void
nq_instance_destroy (nq_instance_t **self_p)
{
    assert (self_p);
    nq_instance_t *self = *self_p;
    if (!self)
        return;
    nq_breaker_destroy (&self->breaker);
    s_list_clear (&self->models);
    s_list_clear (&self->warm);
    pthread_mutex_destroy (&self->mutex);
    nq_free (self);
    *self_p = NULL;
}

void
nq_instance_set_notify (nq_instance_t *self, nq_instance_notify_fn *fn, void *arg)
{
    pthread_mutex_lock (&self->mutex);
    self->notify = fn;
    self->notify_arg = arg;
    pthread_mutex_unlock (&self->mutex);
}

const char *
nq_instance_name (const nq_instance_t *self)
{
    return self->name;
}

const char *
nq_instance_url (const nq_instance_t *self)
{
    return self->echo ? NULL : self->url;
}

int
nq_instance_is_echo (const nq_instance_t *self)
{
    return self->echo;
}

unsigned
nq_instance_slots (const nq_instance_t *self, nq_kind_t kind)
{
    return (unsigned)kind < 4 ? self->slots[kind] : 0;
}

uint64_t
nq_instance_probe_ms (const nq_instance_t *self)
{
    return self->probe_ms;
}

unsigned
nq_instance_embed_batch (const nq_instance_t *self)
{
    return self->embed_batch;
}

void
nq_instance_ollama_options (const nq_instance_t *self, nq_ollama_options_t *options)
{
    *options = self->ollama;
}

nq_ollama_t *
nq_instance_ollama_new (const nq_instance_t *self, nq_actor_t *owner)
{
    assert (self && owner);
    nq_ollama_t *ollama = nq_ollama_new (nq_actor_uv_loop (owner), &self->ollama);
    if (ollama)
        nq_ollama_set_owner (ollama, nq_actor_hook_own, nq_actor_hook_close, owner);
    return ollama;
}

int
nq_instance_models_configured (const nq_instance_t *self)
{
    return self->models_configured;
}

int
nq_instance_allow (nq_instance_t *self, uint64_t *retry_after_ms)
{
    if (!self->breaker)
        return 0;
    pthread_mutex_lock (&self->mutex);
    int rc = nq_breaker_allow (self->breaker, retry_after_ms);
    pthread_mutex_unlock (&self->mutex);
    return rc;
}

void
nq_instance_record (nq_instance_t *self, const nq_call_result_t *result)
{
    if (!self->breaker)
        return;
    pthread_mutex_lock (&self->mutex);
    nq_breaker_record (self->breaker, result);
    pthread_mutex_unlock (&self->mutex);
}

unsigned
nq_instance_permits (nq_instance_t *self, unsigned slots)
{
    if (!self->breaker || slots == 0)
        return slots;
    pthread_mutex_lock (&self->mutex);
    unsigned n = nq_breaker_permits (self->breaker, slots);
    pthread_mutex_unlock (&self->mutex);
    return n;
}

nq_breaker_state_t
nq_instance_state (nq_instance_t *self)
{
    if (!self->breaker)
        return NQ_BREAKER_CLOSED;
    pthread_mutex_lock (&self->mutex);
    nq_breaker_state_t s = nq_breaker_state (self->breaker);
    pthread_mutex_unlock (&self->mutex);
    return s;
}

static int
s_set (nq_instance_t *self, s_list_t *list, uint64_t *version, const char *const *v, size_t n, int mark_known,
       int always)
{
    pthread_mutex_lock (&self->mutex);
    int rc = 0;
    if (always && s_list_equal (list, v, n)) {
        //  Unchanged, but announced again (see nq_instance_set_warm).
        (*version)++;
        if (self->notify)
            self->notify (self->notify_arg, self);
    }
    else if (!s_list_equal (list, v, n) || (mark_known && !self->known)) {
        rc = s_list_set (list, v, n);
        if (rc == 0) {
            if (mark_known)
                self->known = 1;
            (*version)++;
            rc = 1;
            if (self->notify)
                self->notify (self->notify_arg, self);
        }
    }
    pthread_mutex_unlock (&self->mutex);
    return rc;
}

int
nq_instance_set_models (nq_instance_t *self, const char *const *models, size_t n)
{
    return s_set (self, &self->models, &self->models_version, models, n, 1, 0);
}

int
nq_instance_set_warm (nq_instance_t *self, const char *const *warm, size_t n)
{
    //  Every probe's answer is sent on, changed or not: the broker counts a
    //  model warm where it just dispatched it, and the truth corrects that.
    return s_set (self, &self->warm, &self->warm_version, warm, n, 0, 1);
}

static int
s_copy (nq_msg_t *msg, const s_list_t *l, const char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (l->n == 0)
        return 0;
    const char **v = nq_msg_alloc (msg, l->n * sizeof *v);
    if (!v)
        return NQ_ENOMEM;
    for (size_t i = 0; i < l->n; i++)
        if (!(v[i] = nq_msg_strndup (msg, l->v[i], strlen (l->v[i]))))
            return NQ_ENOMEM;
    *out = v;
    *n = l->n;
    return 0;
}

int
nq_instance_view (nq_instance_t *self, nq_msg_t *msg, nq_instance_view_t *view)
{
    pthread_mutex_lock (&self->mutex);
    view->known = self->known;
    view->any = self->any;
    view->models_version = self->models_version;
    view->warm_version = self->warm_version;
    int rc = s_copy (msg, &self->models, &view->models, &view->nmodels);
    if (rc == 0)
        rc = s_copy (msg, &self->warm, &view->warm, &view->nwarm);
    pthread_mutex_unlock (&self->mutex);
    return rc;
}

int
nq_instance_serves (nq_instance_t *self, const char *model)
{
    pthread_mutex_lock (&self->mutex);
    int yes = self->any;
    for (size_t i = 0; !yes && model && i < self->models.n; i++)
        yes = strcmp (self->models.v[i], model) == 0;
    pthread_mutex_unlock (&self->mutex);
    return yes;
}

int
nq_instance_models_known (nq_instance_t *self)
{
    pthread_mutex_lock (&self->mutex);
    int known = self->known && (self->any || self->models.n > 0);
    pthread_mutex_unlock (&self->mutex);
    return known;
}
