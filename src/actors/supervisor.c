/*  supervisor.c — OTP-style supervisors (see supervisor.h).

    The supervisor is an actor whose handler is a small state machine:
    - child exits (NQ_MSG_EXIT) decide restarts by restart type and strategy;
    - a "plan" sequences the multi-child work of one_for_all, rest_for_one,
      pool shrink and shutdown: stop a list of children one at a time in
      reverse order (each with its shutdown timer), then restart a list in
      order after the restart delay, or remove them, or exit;
    - one_for_one and pool restarts run per child on their own timers;
    - every wait is a timer message to itself, never a blocking call. */
#include "actors/supervisor.h"

#include "actors/actor_int.h"
#include "common/alloc.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/rng.h"

#include <assert.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

enum { SUP_RESIZE = 1, SUP_RESTART_TIMER, SUP_STOP_TIMER };

enum { C_RUNNING = 0, C_STOPPING, C_DOWN, C_WAITING };

enum { P_NONE = 0, P_RESTART, P_REMOVE, P_SHUTDOWN };

typedef struct {
    nq_child_spec_t spec;
    char *id;
    nq_actor_t *actor;    //  current incarnation (referenced), NULL when down
    int state;
    int removed;            //  temporary child gone, or pool child shrunk away
    int pending_failure;    //  failed while a plan was running
    unsigned attempt;       //  restarts in a row (backoff exponent)
    _Atomic uint64_t restarts;    //  read by introspection from any thread
    uint64_t started_ms;
    uint64_t restart_timer;
    uint64_t stop_timer;
} s_child_t;

#define S_MAGIC 0x5355504eu

typedef struct {
    uint32_t magic;
    nq_supervisor_opts_t opts;
    char *name;
    nq_actor_t *self;    //  not referenced (we are its state)
    nq_rng_t rng;
    pthread_mutex_t mutex;    //  guards children/nchildren and the counters for readers
    s_child_t **children;
    size_t nchildren, cap;
    uint64_t *window;    //  restart times, a ring of intensity + 1
    size_t win_len, win_pos;
    _Atomic uint64_t restarts, failed_starts;    //  read by introspection
    _Atomic int gave_up;
    unsigned pool_target;
    unsigned pool_seq;
    //  The plan in progress.
    int plan;
    s_child_t **stop_q, **start_q;
    size_t stop_n, stop_pos, start_n, start_pos;
    uint64_t plan_timer;
    s_child_t *plan_cause;
    int exit_reason;
} s_sup_t;

void
nq_supervisor_opts_default (nq_supervisor_opts_t *opts)
{
    assert (opts);
    memset (opts, 0, sizeof *opts);
    opts->name = "supervisor";
    opts->strategy = NQ_SUP_ONE_FOR_ONE;
    opts->intensity = 3;
    opts->period_ms = 5000;
    opts->restart_delay = (nq_backoff_t){.min_ms = 100, .max_ms = 10000, .factor = 2.0, .jitter = 0.2};
    opts->reset_after_ms = 30000;
}

static s_sup_t *
s_sup (nq_actor_t *actor)
{
    s_sup_t *sup = nq_actor_state (actor);
    assert (sup && sup->magic == S_MAGIC);
    return sup;
}

int
nq_supervisor_is (nq_actor_t *actor)
{
    s_sup_t *sup = actor ? nq_actor_state (actor) : NULL;
    return sup && sup->magic == S_MAGIC;
}

static uint64_t
s_now (s_sup_t *sup)
{
    return nq_clock_now_ms (nq_runtime_clock (nq_actor_runtime (sup->self)));
}

//  ---------------------------------------------------------------------
//  Children records

static void
s_child_free (s_child_t *c)
{
    if (!c)
        return;
    nq_actor_unref (&c->actor);
    nq_free (c->id);
    nq_free (c);
}

static s_child_t *
s_child_new (const nq_child_spec_t *spec, const char *id)
{
    s_child_t *c = nq_calloc (1, sizeof *c);
    if (!c)
        return NULL;
    c->spec = *spec;
    c->id = nq_strdup (id);
    if (!c->id) {
        nq_free (c);
        return NULL;
    }
    c->spec.id = c->id;
    if (!c->spec.shutdown_ms)
        c->spec.shutdown_ms = 5000;
    c->state = C_DOWN;
    return c;
}

static int
s_append (s_sup_t *sup, s_child_t *c)
{
    pthread_mutex_lock (&sup->mutex);
    if (sup->nchildren == sup->cap) {
        size_t cap = sup->cap ? sup->cap * 2 : 8;
        s_child_t **children = nq_realloc (sup->children, cap * sizeof *children);
        if (!children) {
            pthread_mutex_unlock (&sup->mutex);
            return NQ_ENOMEM;
        }
        sup->children = children;
        sup->cap = cap;
    }
    sup->children[sup->nchildren++] = c;
    pthread_mutex_unlock (&sup->mutex);
    return 0;
}

//  Frees removed children that no plan refers to any more.
static void
s_compact (s_sup_t *sup)
{
    if (sup->plan != P_NONE)
        return;
    pthread_mutex_lock (&sup->mutex);
    size_t k = 0;
    for (size_t i = 0; i < sup->nchildren; i++) {
        s_child_t *c = sup->children[i];
        if (c->removed && c->state != C_STOPPING && !c->actor)
            s_child_free (c);
        else
            sup->children[k++] = c;
    }
    sup->nchildren = k;
    pthread_mutex_unlock (&sup->mutex);
}

static s_child_t *
s_find_actor (s_sup_t *sup, nq_actor_t *actor)
{
    for (size_t i = 0; i < sup->nchildren; i++)
        if (sup->children[i]->actor == actor)
            return sup->children[i];
    return NULL;
}

static size_t
s_index (s_sup_t *sup, s_child_t *c)
{
    for (size_t i = 0; i < sup->nchildren; i++)
        if (sup->children[i] == c)
            return i;
    return SIZE_MAX;
}

static int
s_child_start (s_sup_t *sup, s_child_t *c)
{
    nq_actor_t *actor = NULL;
    int rc = c->spec.start (nq_actor_runtime (sup->self), sup->self, c->spec.arg, &actor);
    if (rc == 0 && (!actor || actor->parent != sup->self)) {
        //  An unlinked child would fail unnoticed: refuse it.
        NQ_LOG_ERROR ("child_not_linked", NQ_LS ("supervisor", sup->name), NQ_LS ("child", c->id));
        if (actor) {
            nq_actor_stop (actor, NQ_EXIT_SHUTDOWN);
            nq_actor_unref (&actor);
        }
        rc = NQ_EINVALID;
    }
    if (rc != 0) {
        NQ_LOG_WARN ("child_start_failed", NQ_LS ("supervisor", sup->name), NQ_LS ("child", c->id),
                     NQ_LS ("error", nq_strerror (rc)));
        return rc;
    }
    pthread_mutex_lock (&sup->mutex);
    c->actor = actor;
    c->state = C_RUNNING;
    pthread_mutex_unlock (&sup->mutex);
    c->started_ms = s_now (sup);
    NQ_LOG_DEBUG ("child_started", NQ_LS ("supervisor", sup->name), NQ_LS ("child", c->id),
                  NQ_LU ("actor_id", nq_actor_id (actor)));
    return 0;
}

//  ---------------------------------------------------------------------
//  Intensity and backoff

//  Records one restart; returns 1 when the intensity is exceeded.
static int
s_intensity_exceeded (s_sup_t *sup)
{
    uint64_t now = s_now (sup);
    size_t cap = sup->opts.intensity + 1;
    sup->window[sup->win_pos] = now;
    sup->win_pos = (sup->win_pos + 1) % cap;
    if (sup->win_len < cap)
        sup->win_len++;
    size_t recent = 0;
    for (size_t i = 0; i < sup->win_len; i++)
        if (now - sup->window[i] < sup->opts.period_ms)
            recent++;
    return recent > sup->opts.intensity;
}

static uint64_t
s_next_delay (s_sup_t *sup, s_child_t *c)
{
    if (c->started_ms && s_now (sup) - c->started_ms >= sup->opts.reset_after_ms)
        c->attempt = 0;
    c->attempt++;
    return nq_backoff_delay_ms (&sup->opts.restart_delay, c->attempt, &sup->rng);
}

static void s_give_up (s_sup_t *sup);
static void s_plan_next (s_sup_t *sup);

//  ---------------------------------------------------------------------
//  Plans: stop a list in order, then restart, remove or exit

static void
s_plan_begin (s_sup_t *sup, int kind, s_child_t **stop_q, size_t stop_n, s_child_t **start_q, size_t start_n)
{
    sup->plan = kind;
    nq_free (sup->stop_q);
    nq_free (sup->start_q);
    sup->stop_q = stop_q;
    sup->stop_n = stop_n;
    sup->stop_pos = 0;
    sup->start_q = start_q;
    sup->start_n = start_n;
    sup->start_pos = 0;
    sup->plan_timer = 0;
    s_plan_next (sup);
}

//  A list of the running children from index lo up, in reverse order.
static s_child_t **
s_running_reverse (s_sup_t *sup, size_t lo, size_t *n)
{
    s_child_t **list = nq_malloc ((sup->nchildren + 1) * sizeof *list);
    *n = 0;
    if (!list)
        return NULL;
    for (size_t i = sup->nchildren; i-- > lo;) {
        s_child_t *c = sup->children[i];
        if (c->state == C_RUNNING || c->state == C_STOPPING)
            list[(*n)++] = c;
    }
    return list;
}

static void
s_start_queue (s_sup_t *sup)
{
    while (sup->start_pos < sup->start_n) {
        s_child_t *c = sup->start_q[sup->start_pos];
        if (c->removed || c->state == C_RUNNING) {
            sup->start_pos++;
            continue;
        }
        if (s_child_start (sup, c) != 0) {
            sup->failed_starts++;
            if (s_intensity_exceeded (sup)) {
                s_give_up (sup);
                return;
            }
            uint64_t delay = s_next_delay (sup, c);
            sup->plan_timer = nq_actor_timer_start (sup->self, delay, 0, SUP_RESTART_TIMER);
            return;
        }
        c->restarts++;
        sup->restarts++;
        c->pending_failure = 0;
        NQ_LOG_INFO ("child_restarted", NQ_LS ("supervisor", sup->name), NQ_LS ("child", c->id),
                     NQ_LU ("restarts", atomic_load (&c->restarts)));
        sup->start_pos++;
    }
    //  Plan done.
    sup->plan = P_NONE;
    sup->plan_cause = NULL;
}

static void s_on_failure (s_sup_t *sup, s_child_t *c);
static void s_reconcile_pool (s_sup_t *sup);

static void
s_plan_finish (s_sup_t *sup)
{
    switch (sup->plan) {
    case P_RESTART: {
        uint64_t delay = sup->plan_cause ? s_next_delay (sup, sup->plan_cause) : 0;
        if (delay > 0) {
            sup->plan_timer = nq_actor_timer_start (sup->self, delay, 0, SUP_RESTART_TIMER);
            return;
        }
        s_start_queue (sup);
        break;
    }
    case P_REMOVE:
        for (size_t i = 0; i < sup->stop_n; i++)
            sup->stop_q[i]->removed = 1;
        sup->plan = P_NONE;
        break;
    case P_SHUTDOWN:
        sup->plan = P_NONE;
        if (sup->gave_up && !sup->self->parent) {
            nq_runtime_root_exit (nq_actor_runtime (sup->self), sup->name, sup->exit_reason);
        }
        nq_actor_exit (sup->self, sup->exit_reason);
        return;
    default:
        break;
    }
    if (sup->plan != P_NONE)
        return;
    s_compact (sup);
    //  Failures that arrived while the plan ran, then pool size changes.
    for (size_t i = 0; i < sup->nchildren && sup->plan == P_NONE && !sup->gave_up; i++) {
        s_child_t *c = sup->children[i];
        if (c->pending_failure && c->state == C_DOWN) {
            c->pending_failure = 0;
            s_on_failure (sup, c);
        }
    }
    if (sup->plan == P_NONE && !sup->gave_up)
        s_reconcile_pool (sup);
}

static void
s_plan_next (s_sup_t *sup)
{
    while (sup->stop_pos < sup->stop_n) {
        s_child_t *c = sup->stop_q[sup->stop_pos];
        if (c->state == C_STOPPING && c->stop_timer)
            return;    //  still waiting for this one
        if (c->state == C_RUNNING && c->actor) {
            c->state = C_STOPPING;
            nq_actor_stop (c->actor, NQ_EXIT_SHUTDOWN);
            c->stop_timer = nq_actor_timer_start (sup->self, c->spec.shutdown_ms, 0, SUP_STOP_TIMER);
            return;
        }
        if (c->state == C_WAITING) {
            nq_actor_timer_cancel (sup->self, c->restart_timer);
            c->state = C_DOWN;
        }
        sup->stop_pos++;
    }
    s_plan_finish (sup);
}

//  ---------------------------------------------------------------------
//  Failures and restarts

static void
s_give_up (s_sup_t *sup)
{
    if (sup->gave_up)
        return;
    sup->gave_up = 1;
    sup->exit_reason = NQ_EUNAVAILABLE;
    int root = sup->self->parent == NULL;
    NQ_LOG_ERROR ("supervisor_gave_up", NQ_LS ("supervisor", sup->name),
                  NQ_LU ("intensity", sup->opts.intensity), NQ_LU ("period_ms", sup->opts.period_ms),
                  NQ_LU ("restarts", atomic_load (&sup->restarts)), NQ_LS ("action", root ? "exit_process" : "escalate"),
                  NQ_LS ("parent", root ? NULL : nq_actor_name (sup->self->parent)),
                  NQ_LI ("exit_status", root ? 1 : 0));
    for (size_t i = 0; i < sup->nchildren; i++)
        if (sup->children[i]->state == C_WAITING) {
            nq_actor_timer_cancel (sup->self, sup->children[i]->restart_timer);
            sup->children[i]->state = C_DOWN;
        }
    if (sup->plan_timer)
        nq_actor_timer_cancel (sup->self, sup->plan_timer);
    size_t n;
    s_child_t **list = s_running_reverse (sup, 0, &n);
    s_plan_begin (sup, P_SHUTDOWN, list, n, NULL, 0);
}

//  Starts c now; a failed start counts toward the intensity and is retried
//  after the next backoff delay by a timer message to ourselves.
static void
s_try_restart (s_sup_t *sup, s_child_t *c)
{
    if (s_child_start (sup, c) == 0) {
        c->restarts++;
        sup->restarts++;
        NQ_LOG_INFO ("child_restarted", NQ_LS ("supervisor", sup->name), NQ_LS ("child", c->id),
                     NQ_LU ("restarts", atomic_load (&c->restarts)));
        return;
    }
    sup->failed_starts++;
    if (s_intensity_exceeded (sup)) {
        s_give_up (sup);
        return;
    }
    c->state = C_WAITING;
    c->restart_timer = nq_actor_timer_start (sup->self, s_next_delay (sup, c), 0, SUP_RESTART_TIMER);
}

static void
s_restart_one (s_sup_t *sup, s_child_t *c)
{
    uint64_t delay = s_next_delay (sup, c);
    if (delay == 0) {
        s_try_restart (sup, c);
        return;
    }
    c->state = C_WAITING;
    c->restart_timer = nq_actor_timer_start (sup->self, delay, 0, SUP_RESTART_TIMER);
}

static void
s_on_failure (s_sup_t *sup, s_child_t *c)
{
    if (s_intensity_exceeded (sup)) {
        s_give_up (sup);
        return;
    }
    size_t idx = s_index (sup, c);
    switch (sup->opts.strategy) {
    case NQ_SUP_ONE_FOR_ONE:
    case NQ_SUP_POOL:
        s_restart_one (sup, c);
        break;
    case NQ_SUP_ONE_FOR_ALL:
    case NQ_SUP_REST_FOR_ONE: {
        size_t lo = sup->opts.strategy == NQ_SUP_ONE_FOR_ALL ? 0 : idx;
        size_t nstop, nstart = 0;
        s_child_t **stop = s_running_reverse (sup, lo, &nstop);
        s_child_t **start = nq_malloc ((sup->nchildren + 1) * sizeof *start);
        if (!stop || !start) {
            nq_free (stop);
            nq_free (start);
            NQ_LOG_ERROR ("supervisor_no_memory", NQ_LS ("supervisor", sup->name));
            s_restart_one (sup, c);
            return;
        }
        //  Restart the failed child and the ones being stopped, in order.
        for (size_t i = lo; i < sup->nchildren; i++) {
            s_child_t *o = sup->children[i];
            int stopping = 0;
            for (size_t k = 0; k < nstop; k++)
                stopping |= stop[k] == o;
            if (o == c || (stopping && o->spec.restart != NQ_RESTART_TEMPORARY))
                start[nstart++] = o;
            else if (stopping)
                o->removed = 1;    //  temporary children are not restarted
        }
        sup->plan_cause = c;
        s_plan_begin (sup, P_RESTART, stop, nstop, start, nstart);
        break;
    }
    }
}

static void
s_on_exit (s_sup_t *sup, nq_actor_t *from, int reason)
{
    s_child_t *c = s_find_actor (sup, from);
    if (!c)
        return;    //  an incarnation we already let go of
    int asked = c->state == C_STOPPING;
    if (c->stop_timer) {
        nq_actor_timer_cancel (sup->self, c->stop_timer);
        c->stop_timer = 0;
    }
    pthread_mutex_lock (&sup->mutex);
    nq_actor_unref (&c->actor);
    c->state = C_DOWN;
    pthread_mutex_unlock (&sup->mutex);
    if (asked) {
        if (sup->plan != P_NONE && sup->stop_pos < sup->stop_n && sup->stop_q[sup->stop_pos] == c) {
            sup->stop_pos++;
            s_plan_next (sup);
        }
        return;
    }
    if (reason < 0)
        NQ_LOG_WARN ("child_exited", NQ_LS ("supervisor", sup->name), NQ_LS ("child", c->id),
                     NQ_LS ("reason", nq_error_name (reason)));
    else
        NQ_LOG_INFO ("child_exited", NQ_LS ("supervisor", sup->name), NQ_LS ("child", c->id),
                     NQ_LS ("reason", reason == NQ_EXIT_NORMAL ? "normal" : "shutdown"));
    int restart =
        c->spec.restart == NQ_RESTART_PERMANENT || (c->spec.restart == NQ_RESTART_TRANSIENT && reason < 0);
    if (c->spec.restart == NQ_RESTART_TEMPORARY || c->removed) {
        c->removed = 1;
        s_compact (sup);
        return;
    }
    if (!restart || sup->gave_up || sup->plan == P_SHUTDOWN)
        return;
    if (sup->plan != P_NONE) {
        c->pending_failure = 1;    //  handled when the plan ends
        return;
    }
    s_on_failure (sup, c);
}

//  ---------------------------------------------------------------------
//  Pools

static void
s_reconcile_pool (s_sup_t *sup)
{
    if (sup->opts.strategy != NQ_SUP_POOL || sup->plan != P_NONE || sup->gave_up)
        return;
    size_t have = 0;
    for (size_t i = 0; i < sup->nchildren; i++)
        have += !sup->children[i]->removed;
    while (have < sup->pool_target) {
        char id[96];
        snprintf (id, sizeof id, "%s-%u", sup->opts.pool_child.id, ++sup->pool_seq);
        s_child_t *c = s_child_new (&sup->opts.pool_child, id);
        if (!c || s_append (sup, c) != 0) {
            s_child_free (c);
            NQ_LOG_ERROR ("supervisor_no_memory", NQ_LS ("supervisor", sup->name));
            return;
        }
        if (s_child_start (sup, c) != 0) {
            //  Counts like a failed restart: retried with backoff.
            sup->failed_starts++;
            if (s_intensity_exceeded (sup)) {
                s_give_up (sup);
                return;
            }
            c->state = C_WAITING;
            c->restart_timer = nq_actor_timer_start (sup->self, s_next_delay (sup, c), 0, SUP_RESTART_TIMER);
        }
        have++;
    }
    if (have > sup->pool_target) {
        size_t excess = have - sup->pool_target;
        s_child_t **stop = nq_malloc (excess * sizeof *stop);
        if (!stop)
            return;
        size_t n = 0;
        for (size_t i = sup->nchildren; i-- > 0 && n < excess;)
            if (!sup->children[i]->removed)
                stop[n++] = sup->children[i];
        //  Marked now so that a crash meanwhile does not restart them.
        for (size_t i = 0; i < n; i++)
            stop[i]->removed = 1;
        s_plan_begin (sup, P_REMOVE, stop, n, NULL, 0);
    }
}

//  ---------------------------------------------------------------------
//  The actor

static int
s_handle (nq_actor_t *self, nq_mail_t *msg)
{
    s_sup_t *sup = s_sup (self);
    if (msg->type == NQ_MSG_EXIT) {
        s_on_exit (sup, msg->from, msg->reason);
        return 0;
    }
    if (msg->type == NQ_MSG_STOP) {
        if (sup->plan == P_SHUTDOWN)
            return 0;
        for (size_t i = 0; i < sup->nchildren; i++)
            if (sup->children[i]->state == C_WAITING) {
                nq_actor_timer_cancel (self, sup->children[i]->restart_timer);
                sup->children[i]->state = C_DOWN;
            }
        if (sup->plan_timer)
            nq_actor_timer_cancel (self, sup->plan_timer);
        sup->exit_reason = msg->reason;
        size_t n;
        s_child_t **list = s_running_reverse (sup, 0, &n);
        s_plan_begin (sup, P_SHUTDOWN, list, n, NULL, 0);
        return 0;
    }
    if (msg->type == SUP_RESIZE && !(msg->flags & NQ_MSGF_TIMER)) {
        unsigned n;
        memcpy (&n, msg->data, sizeof n);
        sup->pool_target = n;
        s_reconcile_pool (sup);
        return 0;
    }
    if (msg->type == SUP_RESTART_TIMER) {
        if (sup->plan == P_RESTART && msg->corr == sup->plan_timer) {
            sup->plan_timer = 0;
            s_start_queue (sup);
            if (sup->plan == P_NONE)
                s_plan_finish (sup);
            return 0;
        }
        for (size_t i = 0; i < sup->nchildren; i++) {
            s_child_t *c = sup->children[i];
            if (c->state == C_WAITING && c->restart_timer == msg->corr) {
                c->state = C_DOWN;
                if (!c->removed && !sup->gave_up)
                    s_try_restart (sup, c);
                break;
            }
        }
        return 0;
    }
    if (msg->type == SUP_STOP_TIMER) {
        for (size_t i = 0; i < sup->nchildren; i++) {
            s_child_t *c = sup->children[i];
            if (c->state == C_STOPPING && c->stop_timer == msg->corr) {
                //  An actor cannot be killed: let it go and carry on.
                NQ_LOG_ERROR ("child_shutdown_timeout", NQ_LS ("supervisor", sup->name),
                              NQ_LS ("child", c->id), NQ_LU ("shutdown_ms", c->spec.shutdown_ms));
                c->stop_timer = 0;
                pthread_mutex_lock (&sup->mutex);
                nq_actor_unref (&c->actor);
                c->state = C_DOWN;
                pthread_mutex_unlock (&sup->mutex);
                if (sup->plan != P_NONE && sup->stop_pos < sup->stop_n && sup->stop_q[sup->stop_pos] == c) {
                    sup->stop_pos++;
                    s_plan_next (sup);
                }
                break;
            }
        }
        return 0;
    }
    return 0;
}

static void
s_sup_free (s_sup_t *sup)
{
    if (!sup)
        return;
    for (size_t i = 0; i < sup->nchildren; i++)
        s_child_free (sup->children[i]);
    nq_free (sup->children);
    nq_free (sup->stop_q);
    nq_free (sup->start_q);
    nq_free (sup->window);
    if (sup->opts.user && sup->opts.user_free)
        sup->opts.user_free (sup->opts.user);
    pthread_mutex_destroy (&sup->mutex);
    nq_free (sup->name);
    nq_free (sup);
}

static void
s_fini (nq_actor_t *self)
{
    s_sup_t *sup = nq_actor_state (self);
    s_sup_free (sup);
}

static int
s_init (nq_actor_t *self, void *arg)
{
    s_sup_t *sup = arg;
    sup->self = self;
    nq_actor_set_state (self, sup);
    nq_rng_seed (&sup->rng, nq_runtime_seed (nq_actor_runtime (self)));
    for (size_t i = 0; i < sup->nchildren; i++) {
        int rc = s_child_start (sup, sup->children[i]);
        if (rc != 0) {
            //  Undo: the ones already started are asked to stop (their
            //  exits go to a supervisor that is no longer there).
            for (size_t k = i; k-- > 0;)
                if (sup->children[k]->actor) {
                    nq_actor_stop (sup->children[k]->actor, NQ_EXIT_SHUTDOWN);
                    nq_actor_unref (&sup->children[k]->actor);
                    sup->children[k]->state = C_DOWN;
                }
            return rc;
        }
    }
    s_reconcile_pool (sup);
    return 0;
}

int
nq_supervisor_start (nq_runtime_t *rt, const nq_supervisor_opts_t *opts, nq_actor_t *parent,
                     nq_actor_t **sup_p)
{
    assert (rt && opts && sup_p);
    *sup_p = NULL;
    if (opts->strategy == NQ_SUP_POOL && (!opts->pool_child.start || !opts->pool_child.id))
        return NQ_EINVALID;
    for (size_t i = 0; i < opts->nchildren; i++) {
        if (!opts->children[i].id || !opts->children[i].start)
            return NQ_EINVALID;
        for (size_t k = 0; k < i; k++)
            if (strcmp (opts->children[i].id, opts->children[k].id) == 0)
                return NQ_EINVALID;
    }
    s_sup_t *sup = nq_calloc (1, sizeof *sup);
    if (!sup)
        return NQ_ENOMEM;
    sup->magic = S_MAGIC;
    sup->opts = *opts;
    pthread_mutex_init (&sup->mutex, NULL);
    sup->name = nq_strdup (opts->name ? opts->name : "supervisor");
    sup->window = nq_calloc (opts->intensity + 1, sizeof *sup->window);
    if (!sup->name || !sup->window)
        goto fail;
    sup->opts.name = sup->name;
    sup->opts.children = NULL;
    sup->pool_target = opts->strategy == NQ_SUP_POOL ? opts->pool_size : 0;
    for (size_t i = 0; i < opts->nchildren; i++) {
        s_child_t *c = s_child_new (&opts->children[i], opts->children[i].id);
        if (!c || s_append (sup, c) != 0) {
            s_child_free (c);
            goto fail;
        }
    }
    nq_actor_def_t def = {
        .name = sup->name, .init = s_init, .handle = s_handle, .fini = s_fini, .handles_stop = 1};
    nq_spawn_opts_t so = {.loop = opts->loop, .parent = parent};
    int rc = nq_actor_spawn (rt, &def, sup, &so, sup_p);
    //  From here the actor owns sup (freed by s_fini), unless init never ran.
    if (rc != 0 && !sup->self)
        s_sup_free (sup);
    return rc;
fail:
    sup->opts.user = NULL;    //  the caller keeps user when we fail this early
    s_sup_free (sup);
    return NQ_ENOMEM;
}

//  ---------------------------------------------------------------------
//  Any thread

int
nq_supervisor_pool_resize (nq_actor_t *sup_actor, unsigned n)
{
    s_sup_t *sup = s_sup (sup_actor);
    if (sup->opts.strategy != NQ_SUP_POOL)
        return NQ_EINVALID;
    return nq_actor_send (sup_actor, SUP_RESIZE, &n, sizeof n);
}

void
nq_supervisor_info (nq_actor_t *sup_actor, nq_supervisor_info_t *info)
{
    s_sup_t *sup = s_sup (sup_actor);
    assert (info);
    memset (info, 0, sizeof *info);
    pthread_mutex_lock (&sup->mutex);
    for (size_t i = 0; i < sup->nchildren; i++) {
        s_child_t *c = sup->children[i];
        if (c->removed && !c->actor)
            continue;
        info->children++;
        if (c->actor)
            info->running++;
        else if (!c->removed)
            info->pending++;
    }
    info->restarts = atomic_load (&sup->restarts);
    info->failed_starts = atomic_load (&sup->failed_starts);
    info->gave_up = atomic_load (&sup->gave_up);
    pthread_mutex_unlock (&sup->mutex);
}

int
nq_supervisor_child_info (nq_actor_t *sup_actor, size_t i, nq_child_info_t *info)
{
    s_sup_t *sup = s_sup (sup_actor);
    assert (info);
    int rc = NQ_ENOT_FOUND;
    pthread_mutex_lock (&sup->mutex);
    if (i < sup->nchildren) {
        s_child_t *c = sup->children[i];
        memset (info, 0, sizeof *info);
        snprintf (info->id, sizeof info->id, "%s", c->id);
        info->running = c->actor != NULL;
        info->restarts = atomic_load (&c->restarts);
        info->actor_id = c->actor ? nq_actor_id (c->actor) : 0;
        rc = 0;
    }
    pthread_mutex_unlock (&sup->mutex);
    return rc;
}

nq_actor_t *
nq_supervisor_child (nq_actor_t *sup_actor, const char *id)
{
    s_sup_t *sup = s_sup (sup_actor);
    assert (id);
    nq_actor_t *found = NULL;
    pthread_mutex_lock (&sup->mutex);
    for (size_t i = 0; i < sup->nchildren && !found; i++)
        if (sup->children[i]->actor && strcmp (sup->children[i]->id, id) == 0)
            found = nq_actor_ref (sup->children[i]->actor);
    pthread_mutex_unlock (&sup->mutex);
    return found;
}

void *
nq_supervisor_user (nq_actor_t *sup_actor)
{
    return s_sup (sup_actor)->opts.user;
}
