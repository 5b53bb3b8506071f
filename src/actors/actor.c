/*  actor.c — actors: spawn, send, run to completion, two-phase stop (see
    actor.h). */
#include "actors/actor_int.h"

#include "common/alloc.h"
#include "common/errors.h"
#include "common/log.h"

#include <assert.h>
#include <string.h>
#include <time.h>

//  ---------------------------------------------------------------------
//  References and messages

nq_actor_t *
nq_actor_ref (nq_actor_t *self)
{
    assert (self);
    atomic_fetch_add_explicit (&self->refs, 1, memory_order_relaxed);
    return self;
}

static void
s_msg_free (nq_mail_t *msg)
{
    if (msg->from)
        nq_actor_unref (&msg->from);
    nq_mail_destroy (&msg);
}

void
nq_actor_unref (nq_actor_t **self_p)
{
    assert (self_p);
    nq_actor_t *self = *self_p;
    *self_p = NULL;
    if (!self || atomic_fetch_sub_explicit (&self->refs, 1, memory_order_acq_rel) != 1)
        return;
    //  Last reference: the actor stopped long ago (a live actor holds one).
    size_t left = nq_mailbox_pending (&self->mbox);
    for (size_t i = 0; i < left; i++) {
        nq_mail_t *msg = nq_mailbox_pop (&self->mbox);
        if (msg)
            s_msg_free (msg);
    }
    if (left)
        atomic_fetch_add (&self->rt->dead_letters, left);
    if (self->def.fini)
        self->def.fini (self);
    if (self->parent)
        nq_actor_unref (&self->parent);
    nq_free (self->name);
    nq_free (self);
}

//  Functions documented "on the actor's loop" touch loop-private state.
static int
s_on_loop (const nq_actor_t *self)
{
    return nq_loop_current_ == self->loop || !self->rt->opts.threaded || !self->loop->thread_started;
}

static int
s_alive (const nq_actor_t *self)
{
    return atomic_load_explicit (&((nq_actor_t *)self)->state, memory_order_acquire) <= NQ_ACTOR_RUNNING;
}

int
nq_actor_deliver_ (nq_actor_t *self, nq_mail_t *msg, nq_lane_t lane, int counted)
{
    if (!s_alive (self)) {
        s_msg_free (msg);
        if (counted)
            atomic_fetch_add_explicit (&self->rt->dead_letters, 1, memory_order_relaxed);
        return NQ_ECLOSED;
    }
    if (nq_mailbox_push (&self->mbox, msg, lane))
        nq_loop_schedule_ (self->loop, self);
    return 0;
}

int
nq_actor_post (nq_actor_t *to, nq_mail_t **msg_p)
{
    assert (to && msg_p && *msg_p);
    nq_mail_t *msg = *msg_p;
    *msg_p = NULL;
    return nq_actor_deliver_ (to, msg, NQ_LANE_NORMAL, 1);
}

int
nq_actor_send (nq_actor_t *to, uint32_t type, const void *data, size_t size)
{
    assert (to);
    assert (type < NQ_MSG_SYSTEM);
    //  Fail fast before allocating: a stopped actor takes nothing.
    if (!s_alive (to)) {
        atomic_fetch_add_explicit (&to->rt->dead_letters, 1, memory_order_relaxed);
        return NQ_ECLOSED;
    }
    nq_mail_t *msg = nq_mail_new (type, data, size);
    if (!msg)
        return NQ_ENOMEM;
    return nq_actor_deliver_ (to, msg, NQ_LANE_NORMAL, 1);
}

int
nq_actor_stop (nq_actor_t *to, int reason)
{
    assert (to);
    if (!s_alive (to))
        return NQ_ECLOSED;
    nq_mail_t *msg = nq_mail_new (NQ_MSG_STOP, NULL, 0);
    if (!msg)
        return NQ_ENOMEM;
    msg->reason = reason;
    return nq_actor_deliver_ (to, msg, NQ_LANE_SYSTEM, 0);
}

void
nq_actor_exit (nq_actor_t *self, int reason)
{
    assert (self && s_on_loop (self));
    if (!self->exit_pending) {
        self->exit_pending = 1;
        self->exit_pending_reason = reason;
    }
}

//  ---------------------------------------------------------------------
//  Life cycle (loop thread)

static void
s_registry_add (nq_actor_t *self)
{
    nq_loop_t *loop = self->loop;
    self->reg_prev = NULL;
    self->reg_next = loop->actors;
    if (loop->actors)
        loop->actors->reg_prev = self;
    loop->actors = self;
}

static void
s_registry_remove (nq_actor_t *self)
{
    nq_loop_t *loop = self->loop;
    if (self->reg_prev)
        self->reg_prev->reg_next = self->reg_next;
    else if (loop->actors == self)
        loop->actors = self->reg_next;
    if (self->reg_next)
        self->reg_next->reg_prev = self->reg_prev;
    self->reg_next = self->reg_prev = NULL;
}

static void
s_stop_finish (nq_actor_t *self)
{
    nq_runtime_t *rt = self->rt;
    atomic_store (&self->exit_reason, self->stop_reason);
    atomic_store_explicit (&self->state, NQ_ACTOR_STOPPED, memory_order_release);
    s_registry_remove (self);
    if (self->parent) {
        nq_mail_t *msg = nq_mail_new (NQ_MSG_EXIT, NULL, 0);
        if (msg) {
            msg->from = nq_actor_ref (self);
            msg->reason = self->stop_reason;
            nq_actor_deliver_ (self->parent, msg, NQ_LANE_SYSTEM, 1);
        }
        else
            NQ_LOG_ERROR ("actor_exit_lost", NQ_LS ("actor", self->name), NQ_LS ("error", "no memory"));
        nq_actor_unref (&self->parent);
    }
    pthread_mutex_lock (&rt->mutex);
    if (atomic_fetch_sub (&rt->live, 1) == 1)
        pthread_cond_broadcast (&rt->cond);
    pthread_mutex_unlock (&rt->mutex);
    nq_actor_unref (&self);    //  the reference a live actor holds on itself
}

void
nq_actor_stop_now_ (nq_actor_t *self, int reason)
{
    int state = atomic_load (&self->state);
    if (state >= NQ_ACTOR_STOPPING)
        return;
    self->stop_reason = reason;
    atomic_store_explicit (&self->state, NQ_ACTOR_STOPPING, memory_order_release);
    while (self->timers)
        nq_timer_cancel_ (self->timers);
    while (self->asks) {
        nq_ask_t *ask = self->asks;
        self->asks = ask->next;
        nq_free (ask);
    }
    nq_actor_ref (self);    //  the stopping callback may close the last handle
    if (self->def.stopping)
        self->def.stopping (self, reason);
    if (self->handles == 0)
        s_stop_finish (self);
    nq_actor_unref (&self);
}

static void
s_start_done (nq_actor_t *self, int rc)
{
    nq_runtime_t *rt = self->rt;
    pthread_mutex_lock (&rt->mutex);
    self->start_done = 1;
    self->start_rc = rc;
    int abandoned = self->start_abandoned;
    pthread_cond_broadcast (&rt->cond);
    pthread_mutex_unlock (&rt->mutex);
    if (abandoned && rc == 0)
        nq_actor_stop_now_ (self, NQ_ETIMEOUT);
}

static int
s_init (nq_actor_t *self)
{
    s_registry_add (self);
    int rc = self->def.init ? self->def.init (self, self->init_arg) : 0;
    if (rc == 0 && self->exit_pending)
        rc = self->exit_pending_reason < 0 ? self->exit_pending_reason : NQ_ECLOSED;
    self->exit_pending = 0;
    if (rc != 0) {
        //  A start that fails is reported to the caller, not to the parent.
        if (self->parent)
            nq_actor_unref (&self->parent);
        nq_actor_stop_now_ (self, rc);
        return rc;
    }
    int expected = NQ_ACTOR_STARTING;
    atomic_compare_exchange_strong (&self->state, &expected, NQ_ACTOR_RUNNING);
    return 0;
}

//  ---------------------------------------------------------------------
//  Asks

static nq_ask_t *
s_ask_take (nq_actor_t *self, uint64_t corr)
{
    for (nq_ask_t **p = &self->asks; *p; p = &(*p)->next)
        if ((*p)->corr == corr) {
            nq_ask_t *ask = *p;
            *p = ask->next;
            return ask;
        }
    return NULL;
}

int
nq_actor_ask (nq_actor_t *self, nq_actor_t *to, uint32_t type, const void *data, size_t size,
              uint64_t timeout_ms, uint64_t *corr_p)
{
    assert (self && to && type < NQ_MSG_SYSTEM);
    assert (s_on_loop (self));
    nq_ask_t *ask = nq_calloc (1, sizeof *ask);
    nq_mail_t *msg = nq_mail_new (type, data, size);
    if (!ask || !msg) {
        nq_free (ask);
        nq_free (msg);
        return NQ_ENOMEM;
    }
    ask->corr = ++self->next_corr;
    nq_timer_ent_t *timer = nq_timer_add_ (self->loop, self, timeout_ms, 0, NQ_MSG_ASK_TIMEOUT, 0, ask->corr);
    if (!timer) {
        nq_free (ask);
        nq_free (msg);
        return NQ_ENOMEM;
    }
    ask->timer_id = timer->id;
    msg->flags = NQ_MSGF_ASK;
    msg->corr = ask->corr;
    msg->from = nq_actor_ref (self);
    int rc = nq_actor_deliver_ (to, msg, NQ_LANE_NORMAL, 1);
    if (rc != 0) {
        nq_timer_cancel_ (timer);
        nq_free (ask);
        return rc;
    }
    ask->next = self->asks;
    self->asks = ask;
    if (corr_p)
        *corr_p = ask->corr;
    return 0;
}

int
nq_actor_reply (const nq_mail_t *request, uint32_t type, const void *data, size_t size)
{
    assert (request);
    if (!(request->flags & NQ_MSGF_ASK) || !request->from)
        return NQ_EINVALID;
    nq_mail_t *msg = nq_mail_new (type, data, size);
    if (!msg)
        return NQ_ENOMEM;
    msg->flags = NQ_MSGF_REPLY;
    msg->corr = request->corr;
    return nq_actor_deliver_ (request->from, msg, NQ_LANE_NORMAL, 1);
}

//  ---------------------------------------------------------------------
//  Timers and handles

uint64_t
nq_actor_timer_start (nq_actor_t *self, uint64_t delay_ms, uint64_t repeat_ms, uint32_t type)
{
    assert (self && s_on_loop (self));
    if (!s_alive (self))
        return 0;
    nq_timer_ent_t *ent = nq_timer_add_ (self->loop, self, delay_ms, repeat_ms, type, NQ_MSGF_TIMER, 0);
    return ent ? ent->id : 0;
}

int
nq_actor_timer_cancel (nq_actor_t *self, uint64_t timer_id)
{
    assert (self && s_on_loop (self));
    for (nq_timer_ent_t *ent = self->timers; ent; ent = ent->next)
        if (ent->id == timer_id) {
            nq_timer_cancel_ (ent);
            return 0;
        }
    return NQ_ENOT_FOUND;
}

typedef struct {
    nq_actor_t *actor;
    uv_close_cb close_cb;
    void *data;
} s_closing_t;

void
nq_actor_own (nq_actor_t *self, uv_handle_t *h)
{
    assert (self && h && h->loop == &self->loop->uv && s_on_loop (self));
    self->handles++;
}

static void
s_handle_closed (nq_actor_t *self)
{
    assert (self->handles > 0);
    self->handles--;
    self->loop->work++;
    if (self->handles == 0 && atomic_load (&self->state) == NQ_ACTOR_STOPPING)
        s_stop_finish (self);
}

static void
s_close_cb (uv_handle_t *h)
{
    s_closing_t *closing = h->data;
    nq_actor_t *actor = closing->actor;
    h->data = closing->data;
    uv_close_cb cb = closing->close_cb;
    nq_free (closing);
    if (cb)
        cb (h);
    s_handle_closed (actor);
    nq_actor_unref (&actor);
}

void
nq_actor_close (nq_actor_t *self, uv_handle_t *h, uv_close_cb close_cb)
{
    assert (self && h && s_on_loop (self));
    s_closing_t *closing = nq_malloc (sizeof *closing);
    if (!closing) {
        //  No memory for the bookkeeping: count it closed now; the actor
        //  may stop a loop turn before libuv frees the handle.
        uv_close (h, close_cb);
        s_handle_closed (self);
        return;
    }
    closing->actor = nq_actor_ref (self);
    closing->close_cb = close_cb;
    closing->data = h->data;
    h->data = closing;
    uv_close (h, s_close_cb);
}

void
nq_actor_hook_own (void *actor, uv_handle_t *h)
{
    nq_actor_own (actor, h);
}

void
nq_actor_hook_close (void *actor, uv_handle_t *h, uv_close_cb close_cb)
{
    nq_actor_close (actor, h, close_cb);
}

//  ---------------------------------------------------------------------
//  Running

static int
s_dispatch (nq_actor_t *self, nq_mail_t *msg)
{
    if (msg->type == NQ_MSG_STOP) {
        if (self->def.handles_stop)
            return self->def.handle (self, msg);
        nq_actor_stop_now_ (self, msg->reason);
        return 0;
    }
    if (msg->flags & NQ_MSGF_REPLY) {
        nq_ask_t *ask = s_ask_take (self, msg->corr);
        if (!ask) {
            atomic_fetch_add_explicit (&self->rt->late_replies, 1, memory_order_relaxed);
            return 0;
        }
        nq_actor_timer_cancel (self, ask->timer_id);
        nq_free (ask);
    }
    else if (msg->type == NQ_MSG_ASK_TIMEOUT) {
        nq_ask_t *ask = s_ask_take (self, msg->corr);
        if (!ask)
            return 0;    //  the reply won the race
        nq_free (ask);
    }
    return self->def.handle ? self->def.handle (self, msg) : 0;
}

void
nq_actor_run_ (nq_actor_t *self, unsigned budget)
{
    size_t k = nq_mailbox_pending (&self->mbox);
    if (k > budget)
        k = budget;
    size_t dead = 0;
    for (size_t i = 0; i < k; i++) {
        nq_mail_t *msg = nq_mailbox_pop (&self->mbox);
        if (!msg)
            break;
        int state = atomic_load_explicit (&self->state, memory_order_relaxed);
        if (msg->type == NQ_MSG_START) {
            s_start_done (self, s_init (self));
        }
        else if (state == NQ_ACTOR_RUNNING) {
            int rc = s_dispatch (self, msg);
            if (rc < 0)
                nq_actor_stop_now_ (self, rc);
            else if (self->exit_pending) {
                self->exit_pending = 0;
                nq_actor_stop_now_ (self, self->exit_pending_reason);
            }
        }
        else if (msg->type < NQ_MSG_SYSTEM && !(msg->flags & NQ_MSGF_TIMER))
            dead++;    //  work that arrived too late; timers and stops just lapse
        else if (msg->type == NQ_MSG_EXIT || (msg->flags & NQ_MSGF_REPLY))
            dead++;
        s_msg_free (msg);
    }
    if (dead)
        atomic_fetch_add_explicit (&self->rt->dead_letters, dead, memory_order_relaxed);
    nq_loop_t *loop = self->loop;
    atomic_fetch_add_explicit (&loop->activations, 1, memory_order_relaxed);
    atomic_fetch_add_explicit (&loop->messages, k, memory_order_relaxed);
    if (nq_mailbox_consumed (&self->mbox, k) > 0) {
        //  Mail left: back of the ready queue, keeping the scheduling reference.
        nq_mpsc_push (&loop->ready, &self->ready_node);
        if (atomic_fetch_add_explicit (&loop->ready_count, 1, memory_order_acq_rel) == 0)
            nq_loop_wake_ (loop);
    }
    else
        nq_actor_unref (&self);
}

//  ---------------------------------------------------------------------
//  Spawn

static int
s_wait_started (nq_actor_t *self, uint64_t timeout_ms)
{
    nq_runtime_t *rt = self->rt;
    struct timespec deadline;
    clock_gettime (CLOCK_REALTIME, &deadline);
    deadline.tv_sec += (time_t)(timeout_ms / 1000);
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    int rc;
    pthread_mutex_lock (&rt->mutex);
    while (!self->start_done)
        if (pthread_cond_timedwait (&rt->cond, &rt->mutex, &deadline) != 0)
            break;
    if (self->start_done)
        rc = self->start_rc;
    else {
        self->start_abandoned = 1;
        rc = NQ_ETIMEOUT;
    }
    pthread_mutex_unlock (&rt->mutex);
    return rc;
}

int
nq_actor_spawn (nq_runtime_t *rt, const nq_actor_def_t *def, void *arg, const nq_spawn_opts_t *opts,
                nq_actor_t **actor_p)
{
    assert (rt && def && actor_p);
    nq_spawn_opts_t defaults = {0};
    if (!opts)
        opts = &defaults;
    *actor_p = NULL;
    if (opts->loop >= rt->nloops)
        return NQ_ERANGE;
    if (atomic_load (&rt->stop_phase) || atomic_load (&rt->closing))
        return NQ_ECLOSED;
    nq_actor_t *self = nq_calloc (1, sizeof *self);
    if (!self)
        return NQ_ENOMEM;
    self->name = nq_strdup (def->name ? def->name : "actor");
    nq_mail_t *start = nq_mail_new (NQ_MSG_START, NULL, 0);
    if (!self->name || !start) {
        nq_free (self->name);
        nq_free (self);
        nq_free (start);
        return NQ_ENOMEM;
    }
    nq_mailbox_init (&self->mbox);
    atomic_init (&self->refs, 2);    //  the caller's and the live actor's own
    atomic_init (&self->state, NQ_ACTOR_STARTING);
    self->rt = rt;
    self->loop = &rt->loops[opts->loop];
    self->def = *def;
    self->def.name = NULL;
    self->id = atomic_fetch_add (&rt->next_id, 1);
    self->init_arg = arg;
    if (opts->parent)
        self->parent = nq_actor_ref (opts->parent);
    atomic_fetch_add (&rt->live, 1);
    atomic_fetch_add (&rt->started, 1);

    int rc;
    nq_loop_t *loop = self->loop;
    if (!rt->opts.threaded || nq_loop_current_ == loop || !loop->thread_started) {
        //  Same thread as the loop (or the loop is not running yet): init
        //  runs here and now, which is what "synchronous" means there.
        nq_mail_destroy (&start);
        nq_loop_t *saved = nq_loop_current_;
        nq_loop_current_ = loop;
        rc = s_init (self);
        nq_loop_current_ = saved;
    }
    else {
        nq_actor_deliver_ (self, start, NQ_LANE_SYSTEM, 0);
        rc = s_wait_started (self,
                             opts->start_timeout_ms ? opts->start_timeout_ms : rt->opts.start_timeout_ms);
    }
    if (rc != 0) {
        NQ_LOG_WARN ("actor_start_failed", NQ_LS ("actor", self->name), NQ_LS ("error", nq_strerror (rc)));
        nq_actor_unref (&self);
        return rc;
    }
    *actor_p = self;
    return 0;
}

//  ---------------------------------------------------------------------
//  Accessors

uv_loop_t *
nq_actor_uv_loop (nq_actor_t *self)
{
    assert (self);
    return &self->loop->uv;
}

unsigned
nq_actor_loop_index (const nq_actor_t *self)
{
    assert (self);
    return self->loop->index;
}

nq_runtime_t *
nq_actor_runtime (nq_actor_t *self)
{
    assert (self);
    return self->rt;
}

void *
nq_actor_state (nq_actor_t *self)
{
    assert (self);
    return self->state_ptr;
}

void
nq_actor_set_state (nq_actor_t *self, void *state)
{
    assert (self);
    self->state_ptr = state;
}

const char *
nq_actor_name (const nq_actor_t *self)
{
    assert (self);
    return self->name;
}

uint64_t
nq_actor_id (const nq_actor_t *self)
{
    assert (self);
    return self->id;
}

int
nq_actor_is_alive (const nq_actor_t *self)
{
    assert (self);
    return s_alive (self);
}

int
nq_actor_exit_reason (const nq_actor_t *self)
{
    assert (self);
    return atomic_load (&((nq_actor_t *)self)->exit_reason);
}
