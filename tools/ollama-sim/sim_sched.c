/*  sched.c — slots, pending queue, loads and eviction. See sim_sched.h.

    A ticket sits in at most one list at a time: the pending queue, a
    runner's slot waiters, or the notify list (granted, callback not yet run).
    A runner's refs count every ticket attached to it, waiting or running, so
    a runner marked for unloading lives until its last request ends. */
#include "sim_sched.h"

#include <assert.h>
#include <string.h>

#include "common/alloc.h"
#include "common/clock.h"
#include "common/errors.h"
#include "common/log.h"
#include "sim_text.h"

typedef struct s_runner_t s_runner_t;

typedef struct {
    nq_sim_ticket_t *head, *tail;
    size_t count;
} s_list_t;

typedef enum { T_PENDING = 0, T_WAITING, T_NOTIFY, T_GRANTED } s_tstate_t;

struct nq_sim_ticket_t {
    const nq_sim_model_t *model;
    int num_ctx;
    int64_t keep_alive_ms;
    int want_slot;
    int has_slot;
    nq_sim_granted_fn *granted;
    void *arg;
    s_runner_t *runner;
    s_tstate_t state;
    s_list_t *list;
    nq_sim_ticket_t *prev, *next;
    uint64_t submit_us, grant_us;
};

typedef enum { R_LOADING = 0, R_READY } s_rstate_t;

struct s_runner_t {
    nq_sim_sched_t *sched;
    const nq_sim_model_t *model;
    int num_ctx;
    int slots;
    int active;
    int refs;
    s_rstate_t state;
    int expiring;
    int swap;      //  its load evicted another model
    int reload;    //  its load replaced the same model
    int64_t keep_alive_ms;
    uint64_t last_used_ms;
    uint64_t expires_wall_ms;
    uv_timer_t timer;
    s_list_t waiters;
    s_runner_t *next;
};

struct nq_sim_sched_t {
    uv_loop_t *loop;
    nq_sim_sched_opts_t opts;
    nq_sim_stats_t *stats;
    nq_sim_faults_t *faults;
    uv_timer_t kick;
    int kicked;
    s_list_t pending;
    s_list_t notify;
    s_runner_t *runners;
    int loaded;    //  runners loading or ready
    s_runner_t *loading;
    int evicted_for_load;
    int reload_for_load;
    int stopping;
    int handles_open;
    nq_sim_sched_stopped_fn *stopped;
    void *stopped_arg;
};

#define S_DEFAULT_NUM_CTX 2048

static void s_kick (nq_sim_sched_t *self);

static uint64_t
s_now_us (void)
{
    return uv_hrtime () / 1000;
}

static void
s_list_push (s_list_t *list, nq_sim_ticket_t *t)
{
    t->list = list;
    t->next = NULL;
    t->prev = list->tail;
    if (list->tail)
        list->tail->next = t;
    else
        list->head = t;
    list->tail = t;
    list->count++;
}

static void
s_list_remove (nq_sim_ticket_t *t)
{
    s_list_t *list = t->list;
    if (!list)
        return;
    if (t->prev)
        t->prev->next = t->next;
    else
        list->head = t->next;
    if (t->next)
        t->next->prev = t->prev;
    else
        list->tail = t->prev;
    list->count--;
    t->list = NULL;
    t->prev = t->next = NULL;
}

//  --------------------------------------------------------------------------
//  Runners

static void
s_handle_closed (uv_handle_t *handle)
{
    nq_sim_sched_t *self = handle->data;
    if (--self->handles_open == 0 && self->stopping && self->stopped) {
        nq_sim_sched_stopped_fn *fn = self->stopped;
        self->stopped = NULL;
        fn (self->stopped_arg);
    }
}

static void
s_runner_closed (uv_handle_t *handle)
{
    s_runner_t *r = handle->data;
    nq_sim_sched_t *self = r->sched;
    nq_free (r);
    if (--self->handles_open == 0 && self->stopping && self->stopped) {
        nq_sim_sched_stopped_fn *fn = self->stopped;
        self->stopped = NULL;
        fn (self->stopped_arg);
    }
}

static s_runner_t *
s_find (nq_sim_sched_t *self, const nq_sim_model_t *model)
{
    for (s_runner_t *r = self->runners; r; r = r->next)
        if (r->model == model)
            return r;
    return NULL;
}

static void
s_unload (nq_sim_sched_t *self, s_runner_t *r)
{
    assert (r->refs == 0);
    s_runner_t **at = &self->runners;
    while (*at != r)
        at = &(*at)->next;
    *at = r->next;
    self->loaded--;
    if (self->loading == r)
        self->loading = NULL;
    if (r->state == R_READY)
        self->stats->unloads++;
    NQ_LOG_INFO ("sim_model_unloaded", NQ_LS ("model", r->model->name));
    uv_timer_stop (&r->timer);
    uv_close ((uv_handle_t *)&r->timer, s_runner_closed);
    s_kick (self);
}

static void
s_expire_cb (uv_timer_t *timer)
{
    s_runner_t *r = timer->data;
    if (r->refs == 0)
        s_unload (r->sched, r);
}

//  The runner has no request any more: unload now or after its keep-alive.
static void
s_idle (nq_sim_sched_t *self, s_runner_t *r)
{
    if (r->state != R_READY)
        return;
    if (r->expiring || r->keep_alive_ms == 0) {
        s_unload (self, r);
        return;
    }
    if (r->keep_alive_ms > 0) {
        r->expires_wall_ms = nq_clock_wall_ms (nq_clock_system ()) + (uint64_t)r->keep_alive_ms;
        uv_timer_start (&r->timer, s_expire_cb, (uint64_t)r->keep_alive_ms, 0);
    }
}

static void
s_take_slot (nq_sim_sched_t *self, s_runner_t *r, nq_sim_ticket_t *t)
{
    r->active++;
    t->has_slot = 1;
    nq_sim_model_stats_t *ms = &self->stats->model[r->model->index];
    ms->active++;
    ms->requests++;
    if (ms->active > ms->max_active)
        ms->max_active = ms->active;
    self->stats->active++;
    if (self->stats->active > self->stats->max_active)
        self->stats->max_active = self->stats->active;
}

static void
s_grant (nq_sim_sched_t *self, nq_sim_ticket_t *t)
{
    t->state = T_NOTIFY;
    t->grant_us = s_now_us ();
    s_list_push (&self->notify, t);
    s_kick (self);
}

static void
s_attach (nq_sim_sched_t *self, s_runner_t *r, nq_sim_ticket_t *t)
{
    r->refs++;
    t->runner = r;
    if (t->keep_alive_ms != INT64_MIN)
        r->keep_alive_ms = t->keep_alive_ms;
    uv_timer_stop (&r->timer);
    r->last_used_ms = uv_now (self->loop);
    if (!t->want_slot) {
        s_grant (self, t);
        return;
    }
    if (r->active < r->slots) {
        s_take_slot (self, r, t);
        s_grant (self, t);
        return;
    }
    t->state = T_WAITING;
    s_list_push (&r->waiters, t);
}

static void s_process (nq_sim_sched_t *self);

static void
s_load_done (uv_timer_t *timer)
{
    s_runner_t *r = timer->data;
    nq_sim_sched_t *self = r->sched;
    r->state = R_READY;
    self->loading = NULL;
    self->stats->loads++;
    self->stats->model[r->model->index].loads++;
    if (r->swap)
        self->stats->swaps++;
    if (r->reload)
        self->stats->reloads++;
    NQ_LOG_INFO ("sim_model_loaded", NQ_LS ("model", r->model->name), NQ_LI ("num_ctx", r->num_ctx),
                 NQ_LB ("swap", r->swap));
    s_process (self);
    if (r->refs == 0)
        s_idle (self, r);
}

static int
s_start_load (nq_sim_sched_t *self, nq_sim_ticket_t *t)
{
    s_runner_t *r = nq_calloc (1, sizeof *r);
    if (!r)
        return NQ_ENOMEM;
    r->sched = self;
    r->model = t->model;
    r->num_ctx = t->num_ctx;
    r->slots = t->model->kind == NQ_SIM_KIND_EMBED ? 1 : self->opts.num_parallel;
    r->state = R_LOADING;
    r->keep_alive_ms = self->opts.keep_alive_ms;
    r->swap = self->evicted_for_load;
    r->reload = self->reload_for_load;
    self->evicted_for_load = self->reload_for_load = 0;
    uv_timer_init (self->loop, &r->timer);
    r->timer.data = r;
    self->handles_open++;
    r->next = self->runners;
    self->runners = r;
    self->loaded++;
    self->loading = r;
    double ms = (double)(t->model->load_ms + self->faults->slow_load_ms) / self->opts.speed;
    NQ_LOG_INFO ("sim_model_loading", NQ_LS ("model", r->model->name), NQ_LD ("delay_ms", ms));
    uv_timer_start (&r->timer, s_load_done, (uint64_t)ms, 0);
    return 0;
}

//  Serves the pending queue in order, as far as it can go now.
static void
s_process (nq_sim_sched_t *self)
{
    nq_sim_ticket_t *t;
    while (!self->stopping && (t = self->pending.head) != NULL) {
        s_runner_t *r = s_find (self, t->model);
        if (r && r->state == R_READY && !r->expiring && r->num_ctx == t->num_ctx) {
            s_list_remove (t);
            self->stats->queue_depth--;
            s_attach (self, r, t);
            continue;
        }
        if (self->loading)
            return;    //  one load at a time; the head waits for it
        if (r) {
            //  loaded with other options, or on its way out: reload once idle
            if (r->num_ctx != t->num_ctx)
                self->reload_for_load = 1;
            r->expiring = 1;
            if (r->refs > 0)
                return;
            s_unload (self, r);
            continue;
        }
        if (self->loaded >= self->opts.max_loaded) {
            s_runner_t *victim = NULL, *busy = NULL;
            for (s_runner_t *c = self->runners; c; c = c->next) {
                if (c->state != R_READY)
                    continue;
                if (c->refs == 0 && (!victim || c->last_used_ms < victim->last_used_ms))
                    victim = c;
                if (c->refs > 0 && !c->expiring && (!busy || c->last_used_ms < busy->last_used_ms))
                    busy = c;
            }
            if (victim) {
                self->evicted_for_load = 1;
                s_unload (self, victim);
                continue;
            }
            if (busy) {
                busy->expiring = 1;
                self->evicted_for_load = 1;
            }
            return;
        }
        if (s_start_load (self, t) != 0)
            return;
        return;
    }
}

static void
s_kick_cb (uv_timer_t *timer)
{
    nq_sim_sched_t *self = timer->data;
    self->kicked = 0;
    s_process (self);
    nq_sim_ticket_t *t;
    while ((t = self->notify.head) != NULL) {
        s_list_remove (t);
        t->state = T_GRANTED;
        t->granted (t->arg, t);
    }
}

static void
s_kick (nq_sim_sched_t *self)
{
    if (self->kicked || self->stopping)
        return;
    self->kicked = 1;
    uv_timer_start (&self->kick, s_kick_cb, 0, 0);
}

//  --------------------------------------------------------------------------
//  Public

nq_sim_sched_t *
nq_sim_sched_new (uv_loop_t *loop, const nq_sim_sched_opts_t *opts, nq_sim_stats_t *stats,
                  nq_sim_faults_t *faults)
{
    assert (loop && opts && stats && faults);
    nq_sim_sched_t *self = nq_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->loop = loop;
    self->opts = *opts;
    if (self->opts.num_parallel < 1)
        self->opts.num_parallel = 1;
    if (self->opts.max_loaded < 1)
        self->opts.max_loaded = 1;
    if (self->opts.speed <= 0)
        self->opts.speed = 1;
    self->stats = stats;
    self->faults = faults;
    uv_timer_init (loop, &self->kick);
    self->kick.data = self;
    self->handles_open = 1;
    return self;
}

int
nq_sim_sched_submit (nq_sim_sched_t *self, const nq_sim_model_t *model, int num_ctx, int64_t keep_alive_ms,
                     int want_slot, nq_sim_granted_fn *granted, void *arg, nq_sim_ticket_t **ticket_p)
{
    assert (self && model && granted && ticket_p);
    if (self->stopping)
        return NQ_ECLOSED;
    //  like Ollama's scheduler goroutine, the queue drains as requests come:
    //  a burst for a loaded model never counts against max_queue
    s_process (self);
    if ((int)self->pending.count >= self->opts.max_queue)
        return NQ_EOVERLOADED;
    nq_sim_ticket_t *t = nq_calloc (1, sizeof *t);
    if (!t)
        return NQ_ENOMEM;
    t->model = model;
    t->num_ctx = num_ctx > 0 ? num_ctx : S_DEFAULT_NUM_CTX;
    t->keep_alive_ms = keep_alive_ms;
    t->want_slot = want_slot;
    t->granted = granted;
    t->arg = arg;
    t->state = T_PENDING;
    t->submit_us = s_now_us ();
    s_list_push (&self->pending, t);
    self->stats->queue_depth++;
    if (self->stats->queue_depth > self->stats->max_queue_depth)
        self->stats->max_queue_depth = self->stats->queue_depth;
    *ticket_p = t;
    s_process (self);
    s_kick (self);
    return 0;
}

uint64_t
nq_sim_ticket_wait_us (const nq_sim_ticket_t *t)
{
    assert (t);
    return t->grant_us ? t->grant_us - t->submit_us : 0;
}

int
nq_sim_ticket_granted (const nq_sim_ticket_t *t)
{
    assert (t);
    return t->state == T_GRANTED;
}

void
nq_sim_sched_release (nq_sim_sched_t *self, nq_sim_ticket_t **ticket_p)
{
    assert (self && ticket_p);
    nq_sim_ticket_t *t = *ticket_p;
    if (!t)
        return;
    *ticket_p = NULL;
    if (t->state == T_PENDING)
        self->stats->queue_depth--;
    s_list_remove (t);
    s_runner_t *r = t->runner;
    if (r) {
        if (t->has_slot) {
            r->active--;
            self->stats->model[r->model->index].active--;
            self->stats->active--;
        }
        r->refs--;
        r->last_used_ms = uv_now (self->loop);
        nq_sim_ticket_t *w;
        while (r->active < r->slots && (w = r->waiters.head) != NULL) {
            s_list_remove (w);
            s_take_slot (self, r, w);
            s_grant (self, w);
        }
        if (r->refs == 0)
            s_idle (self, r);
    }
    nq_free (t);
    s_kick (self);
}

void
nq_sim_sched_expire (nq_sim_sched_t *self, const nq_sim_model_t *model)
{
    assert (self && model);
    s_runner_t *r = s_find (self, model);
    if (!r || r->state != R_READY)
        return;
    r->expiring = 1;
    if (r->refs == 0)
        s_unload (self, r);
}

void
nq_sim_sched_ps (nq_sim_sched_t *self, json_t *array)
{
    assert (self && array);
    uint64_t now_wall = nq_clock_wall_ms (nq_clock_system ());
    for (s_runner_t *r = self->runners; r; r = r->next) {
        if (r->state != R_READY)
            continue;
        const nq_sim_model_t *m = r->model;
        char expires[64];
        uint64_t exp_ms;
        if (r->keep_alive_ms < 0)
            exp_ms = 10000000000000ULL;    //  Ollama shows a date centuries away
        else if (r->refs == 0 && uv_is_active ((uv_handle_t *)&r->timer))
            exp_ms = r->expires_wall_ms;
        else
            exp_ms = now_wall + (uint64_t)r->keep_alive_ms;
        nq_sim_rfc3339 (exp_ms * 1000000ULL, expires, sizeof expires);
        json_t *details = json_pack ("{s:s, s:s, s:s, s:[s], s:s, s:s}", "parent_model", "", "format", "gguf",
                                     "family", m->family, "families", m->family, "parameter_size",
                                     m->parameter_size, "quantization_level", m->quantization);
        json_array_append_new (array,
                               json_pack ("{s:s, s:s, s:I, s:s, s:o, s:s, s:I, s:i}", "name", m->name,
                                          "model", m->name, "size", (json_int_t)m->size, "digest", m->digest,
                                          "details", details, "expires_at", expires, "size_vram",
                                          (json_int_t)m->size, "context_length", r->num_ctx));
    }
}

void
nq_sim_sched_stop (nq_sim_sched_t *self, nq_sim_sched_stopped_fn *stopped, void *arg)
{
    assert (self);
    if (self->stopping)
        return;
    self->stopping = 1;
    self->stopped = stopped;
    self->stopped_arg = arg;
    uv_timer_stop (&self->kick);
    uv_close ((uv_handle_t *)&self->kick, s_handle_closed);
    while (self->runners) {
        s_runner_t *r = self->runners;
        self->runners = r->next;
        uv_timer_stop (&r->timer);
        uv_close ((uv_handle_t *)&r->timer, s_runner_closed);
    }
}

void
nq_sim_sched_destroy (nq_sim_sched_t **self_p)
{
    assert (self_p);
    nq_sim_sched_t *self = *self_p;
    if (!self)
        return;
    assert (self->handles_open == 0);
    nq_sim_ticket_t *t;
    while ((t = self->pending.head) != NULL) {
        s_list_remove (t);
        nq_free (t);
    }
    while ((t = self->notify.head) != NULL) {
        s_list_remove (t);
        nq_free (t);
    }
    nq_free (self);
    *self_p = NULL;
}
