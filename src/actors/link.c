/*  link.c — the worker's broker connection as an actor (see link.h). */
#include "actors/link.h"

#include "actors/supervisor.h"
#include "actors/worker_int.h"
#include "common/alloc.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/protocol_zuv.h"
#include "common/zuv.h"

#include <assert.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

typedef struct {
    nq_actor_t *actor;    //  a reference
    nq_kind_t kind;
    size_t inst;          //  index into ctx->instances
    int busy;
    int leaving;
    char job_id[NQ_ID_LEN + 1];
    uint32_t attempt;
} s_slot_t;

//  One slot group (instance, kind) as last announced.
typedef struct {
    uint32_t capacity;
    uint64_t models_version, warm_version;
} s_group_t;

typedef struct {
    nq_wctx_t *ctx;
    nq_actor_t *self;
    void *socket;
    nq_zuv_t *zuv;
    nq_limits_t limits;
    s_slot_t *slots;
    size_t nslots, cap;
    uint64_t heartbeat_ms;
    uint32_t liveness;
    uint64_t last_broker_ms;
    s_group_t *groups;    //  [inst * NQ_WORKER_KINDS + kind]: what the broker was told
    int draining, drained;
    uint64_t drain_deadline_ms;
} s_link_t;

//  The mail of NQ_LINK_REGISTER / NQ_LINK_UNREGISTER.
typedef struct {
    nq_actor_t *slot;
    nq_kind_t kind;
    size_t inst;
} s_slot_mail_t;

static uint64_t
s_now (s_link_t *L)
{
    return nq_clock_now_ms (nq_runtime_clock (nq_actor_runtime (L->self)));
}

//  --------------------------------------------------------------------------
//  Sending to the broker

static int
s_send_frames (s_link_t *L, const nq_zpart_t *parts, size_t n)
{
    if (!L->zuv)
        return NQ_ECLOSED;
    return nq_zuv_send (L->zuv, parts, n);
}

static int
s_send (s_link_t *L, const nq_msg_t *msg)
{
    int rc = nq_msg_send_zuv (L->zuv, NULL, 0, msg);
    if (rc)
        NQ_LOG_WARN ("link_send_failed", NQ_LS ("command", nq_cmd_name (msg->cmd)), NQ_LS ("error", nq_strerror (rc)));
    return rc;
}

static void
s_fail_job_ex (s_link_t *L, const char *job_id, uint32_t attempt, int code, const char *message, int retryable,
               int released)
{
    nq_msg_t m;
    nq_msg_init (&m, NQ_CMD_FAIL);
    snprintf (m.u.fail.job_id, sizeof m.u.fail.job_id, "%s", job_id);
    m.u.fail.attempt = attempt;
    m.u.fail.code = code;
    m.u.fail.message = message;
    m.u.fail.retryable = retryable;
    m.u.fail.released = released;
    s_send (L, &m);
}

static void
s_fail_job (s_link_t *L, const char *job_id, uint32_t attempt, int code, const char *message, int retryable)
{
    s_fail_job_ex (L, job_id, attempt, code, message, retryable, 0);
}

static s_group_t *
s_group (s_link_t *L, size_t inst, nq_kind_t kind)
{
    return &L->groups[inst * NQ_WORKER_KINDS + (size_t) kind];
}

//  Slots offered for (instance, kind): its live slot actors, none while
//  draining or while the instance's models are unknown, and no more than
//  its breaker permits (ramping up after a close). While the breaker is
//  open or half open none: the instance's probe is the half-open probe, so
//  no job is routed to a sick instance to find out.
static uint32_t
s_capacity (s_link_t *L, size_t inst, nq_kind_t kind)
{
    nq_instance_t *instance = L->ctx->instances[inst];
    if (L->draining || !nq_instance_models_known (instance))
        return 0;
    nq_breaker_state_t state = nq_instance_state (instance);
    if (state != NQ_BREAKER_CLOSED && state != NQ_BREAKER_DISABLED)
        return 0;
    unsigned n = 0;
    for (size_t i = 0; i < L->nslots; i++)
        n += L->slots[i].kind == kind && L->slots[i].inst == inst && !L->slots[i].leaving;
    return nq_instance_permits (instance, n);
}

static void
s_send_ready (s_link_t *L)
{
    nq_msg_t m;
    nq_msg_init (&m, NQ_CMD_READY);
    size_t count = L->ctx->ninstances * (NQ_WORKER_KINDS - 1);
    nq_slot_t *groups = nq_msg_alloc (&m, count * sizeof *groups);
    if (!groups) {
        nq_msg_fini (&m);
        NQ_LOG_ERROR ("link_ready_failed", NQ_LS ("error", nq_strerror (NQ_ENOMEM)));
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < L->ctx->ninstances; i++) {
        nq_instance_view_t v;
        if (nq_instance_view (L->ctx->instances[i], &m, &v) != 0)
            memset (&v, 0, sizeof v);
        for (int k = 1; k < NQ_WORKER_KINDS; k++) {
            s_group_t *g = s_group (L, i, (nq_kind_t) k);
            groups[n] = (nq_slot_t){.kind = (nq_kind_t) k, .instance = nq_instance_name (L->ctx->instances[i]),
                                    .models = v.known && !v.any ? v.models : NULL,
                                    .models_count = v.known && !v.any ? v.nmodels : 0, .warm = v.warm,
                                    .warm_count = v.nwarm, .capacity = s_capacity (L, i, (nq_kind_t) k)};
            g->capacity = groups[n].capacity;
            g->models_version = v.models_version;
            g->warm_version = v.warm_version;
            n++;
        }
    }
    m.u.ready.worker_id = L->ctx->worker_id;
    m.u.ready.heartbeat_ms = (uint32_t) L->ctx->heartbeat_ms;
    m.u.ready.liveness = L->ctx->liveness;
    m.u.ready.slots = groups;
    m.u.ready.slots_count = n;
    s_send (L, &m);
    nq_msg_fini (&m);
}

//  Tells the broker of every group whose capacity or lists changed; the
//  lists go before (in the same CREDIT as) the capacity they allow.
static void
s_credit (s_link_t *L)
{
    for (size_t i = 0; i < L->ctx->ninstances; i++)
        for (int k = 1; k < NQ_WORKER_KINDS; k++) {
            s_group_t *g = s_group (L, i, (nq_kind_t) k);
            uint32_t cap = s_capacity (L, i, (nq_kind_t) k);
            nq_msg_t m;
            nq_msg_init (&m, NQ_CMD_CREDIT);
            nq_instance_view_t v;
            if (nq_instance_view (L->ctx->instances[i], &m, &v) != 0) {
                nq_msg_fini (&m);
                continue;
            }
            int models = v.known && !v.any && v.models_version != g->models_version;
            int warm = v.warm_version != g->warm_version;
            if (cap != g->capacity || models || warm) {
                nq_credit_t *c = &m.u.credit;
                c->instance = nq_instance_name (L->ctx->instances[i]);
                c->kind = (nq_kind_t) k;
                c->credit = cap;
                if (models) {
                    c->has |= NQ_CREDIT_MODELS;
                    c->models = v.models;
                    c->models_count = v.nmodels;
                }
                if (warm) {
                    c->has |= NQ_CREDIT_WARM;
                    c->warm = v.warm;
                    c->warm_count = v.nwarm;
                }
                if (s_send (L, &m) == 0) {
                    g->capacity = cap;
                    g->models_version = v.models_version;
                    g->warm_version = v.warm_version;
                }
            }
            nq_msg_fini (&m);
        }
}

//  --------------------------------------------------------------------------
//  Slots

static s_slot_t *
s_slot_of (s_link_t *L, nq_actor_t *actor)
{
    for (size_t i = 0; i < L->nslots; i++)
        if (L->slots[i].actor == actor)
            return &L->slots[i];
    return NULL;
}

static void
s_slot_remove (s_link_t *L, s_slot_t *slot)
{
    nq_actor_unref (&slot->actor);
    *slot = L->slots[--L->nslots];
}

static size_t
s_busy (s_link_t *L)
{
    size_t n = 0;
    for (size_t i = 0; i < L->nslots; i++)
        n += L->slots[i].busy;
    return n;
}

//  --------------------------------------------------------------------------
//  From the broker

static void s_connect (s_link_t *L);
static void s_reconnect (s_link_t *L, const char *why);

static void
s_on_job (s_link_t *L, nq_msg_t *msg)
{
    nq_job_t *job = &msg->u.job.job;
    const char *placed = msg->u.job.instance;    //  the group the broker chose
    s_slot_t *free_slot = NULL;
    for (size_t i = 0; i < L->nslots && !free_slot; i++) {
        s_slot_t *s = &L->slots[i];
        if (s->kind != job->kind || s->busy || s->leaving)
            continue;
        nq_instance_t *instance = L->ctx->instances[s->inst];
        if (placed ? strcmp (placed, nq_instance_name (instance)) == 0 : nq_instance_serves (instance, job->model))
            free_slot = s;
    }
    if (!free_slot || L->draining) {
        //  The broker's view of our credit was a step behind: hand it back.
        s_fail_job_ex (L, job->id, msg->u.job.attempt, NQ_EUNAVAILABLE, "no free slot on this worker", 1, 1);
        return;
    }
    nq_msg_t *kept = nq_malloc (sizeof *kept);
    if (kept) {
        *kept = *msg;
        memset (msg, 0, sizeof *msg);
    }
    if (!kept || nq_actor_send (free_slot->actor, NQ_LINK_JOB, &kept, sizeof kept) != 0) {
        if (kept) {
            s_fail_job (L, kept->u.job.job.id, kept->u.job.attempt, NQ_EUNAVAILABLE, "slot actor unavailable", 1);
            nq_msg_fini (kept);
            nq_free (kept);
        }
        return;
    }
    free_slot->busy = 1;
    snprintf (free_slot->job_id, sizeof free_slot->job_id, "%s", kept->u.job.job.id);
    free_slot->attempt = kept->u.job.attempt;
}

//  SCALE: the pools of kind (none: chat, or every kind for echo) of the
//  named instance ("*": every instance) take scale->slots actors.
static void
s_on_scale (s_link_t *L, const nq_scale_t *scale)
{
    int done = 0;
    const char *name = scale->instance ? scale->instance : "*";
    for (size_t i = 0; i < L->ctx->ninstances; i++) {
        if (strcmp (name, "*") != 0 && strcmp (name, nq_instance_name (L->ctx->instances[i])) != 0)
            continue;
        for (int k = 1; k < NQ_WORKER_KINDS; k++) {
            int wanted = scale->kind != NQ_KIND_NONE ? (int) scale->kind == k : L->ctx->echo || k == NQ_KIND_CHAT;
            if (!wanted)
                continue;
            nq_actor_t *pool = nq_worker_pool (L->ctx, i, (nq_kind_t) k);
            if (pool) {
                int rc = nq_supervisor_pool_resize (pool, scale->slots);
                NQ_LOG_INFO ("pool_scaled", NQ_LS ("instance", nq_instance_name (L->ctx->instances[i])),
                             NQ_LS ("kind", nq_kind_name ((nq_kind_t) k)), NQ_LU ("slots", scale->slots),
                             NQ_LS ("result", nq_strerror (rc)));
                done += rc == 0;
                nq_actor_unref (&pool);
            }
        }
    }
    if (!done)
        NQ_LOG_WARN ("scale_ignored", NQ_LS ("instance", name),
                     NQ_LS ("kind", scale->kind ? nq_kind_name (scale->kind) : "none"));
}

static void s_drain_begin (s_link_t *L, uint64_t deadline_ms);

static void
s_recv (void *arg, nq_zuv_t *zuv, zmq_msg_t *parts, size_t count)
{
    s_link_t *L = arg;
    if (zuv != L->zuv)
        return;    //  an old connection still closing
    nq_frame_t frames[NQ_ZUV_MAX_PARTS];
    for (size_t i = 0; i < count; i++)
        frames[i] = (nq_frame_t){zmq_msg_data (&parts[i]), zmq_msg_size (&parts[i])};
    nq_msg_t msg;
    int rc = nq_msg_decode (&msg, frames, count, NQ_DIR_BROKER_WORKER, &L->limits);
    if (rc) {
        NQ_LOG_WARN ("malformed_broker_message", NQ_LS ("error", nq_error_name (rc)));
        nq_msg_fini (&msg);
        return;
    }
    L->last_broker_ms = s_now (L);
    switch (msg.cmd) {
    case NQ_CMD_B_HEARTBEAT:
        if (msg.u.heartbeat.heartbeat_ms)
            L->heartbeat_ms = msg.u.heartbeat.heartbeat_ms;
        if (msg.u.heartbeat.liveness)
            L->liveness = msg.u.heartbeat.liveness;
        break;
    case NQ_CMD_JOB:
        s_on_job (L, &msg);
        break;
    case NQ_CMD_W_CANCEL:
        for (size_t i = 0; i < L->nslots; i++) {
            s_slot_t *s = &L->slots[i];
            if (s->busy && s->attempt == msg.u.cancel.attempt && strcmp (s->job_id, msg.u.cancel.job_id) == 0) {
                nq_link_cancel_t c;
                snprintf (c.job_id, sizeof c.job_id, "%s", s->job_id);
                c.attempt = s->attempt;
                nq_actor_send (s->actor, NQ_LINK_CANCEL, &c, sizeof c);
            }
        }
        break;
    case NQ_CMD_SCALE:
        s_on_scale (L, &msg.u.scale);
        break;
    case NQ_CMD_DRAIN:
        s_drain_begin (L, msg.u.drain.deadline_ms ? msg.u.drain.deadline_ms : L->ctx->drain_timeout_ms);
        break;
    case NQ_CMD_DISCONNECT:
        NQ_LOG_WARN ("broker_disconnect", NQ_LS ("reason", msg.u.disconnect.reason));
        if (!L->drained)    //  after BYE the broker forgets us: that is the point
            s_reconnect (L, "the broker asked");
        break;
    default:
        break;
    }
    nq_msg_fini (&msg);
}

//  --------------------------------------------------------------------------
//  The connection

static void
s_zuv_closed (void *arg, nq_zuv_t *zuv)
{
    (void) arg;
    zmq_close (nq_zuv_socket (zuv));
}

static void
s_connect (s_link_t *L)
{
    L->socket = zmq_socket (L->ctx->zmq_ctx, ZMQ_DEALER);
    int linger = 500, ivl = 100, ivl_max = 5000;
    zmq_setsockopt (L->socket, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt (L->socket, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl);
    zmq_setsockopt (L->socket, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof ivl_max);
    zmq_connect (L->socket, L->ctx->endpoint);
    L->zuv = nq_zuv_new (nq_actor_uv_loop (L->self), L->socket, NULL, s_recv, L);
    if (L->zuv)
        nq_zuv_set_owner (L->zuv, nq_actor_hook_own, nq_actor_hook_close, L->self);
    L->last_broker_ms = s_now (L);
    s_send_ready (L);
}

static void
s_close_connection (s_link_t *L)
{
    if (L->zuv) {
        nq_zuv_close (L->zuv, s_zuv_closed);
        L->zuv = NULL;
    }
    else if (L->socket)
        zmq_close (L->socket);
    L->socket = NULL;
}

static void
s_reconnect (s_link_t *L, const char *why)
{
    NQ_LOG_WARN ("link_reconnect", NQ_LS ("reason", why), NQ_LS ("endpoint", L->ctx->endpoint));
    s_close_connection (L);
    //  What our slots hold now the broker has already given to others: their
    //  answers will be refused as stale, which is right.
    s_connect (L);
}

//  --------------------------------------------------------------------------
//  Drain

static void
s_drain_finish (s_link_t *L)
{
    for (size_t i = 0; i < L->nslots; i++)
        if (L->slots[i].busy) {
            //  Handed back: it completes elsewhere and the attempt does not count.
            s_fail_job_ex (L, L->slots[i].job_id, L->slots[i].attempt, NQ_EUNAVAILABLE, "the worker is stopping", 1, 1);
            //  …and the slot actor stops working on it now, so the process
            //  can end without waiting for its shutdown timeout.
            nq_link_cancel_t c;
            snprintf (c.job_id, sizeof c.job_id, "%s", L->slots[i].job_id);
            c.attempt = L->slots[i].attempt;
            nq_actor_send (L->slots[i].actor, NQ_LINK_CANCEL, &c, sizeof c);
            L->slots[i].busy = 0;
        }
    nq_msg_t m;
    nq_msg_init (&m, NQ_CMD_BYE);
    m.u.bye.reason = "drained";
    s_send (L, &m);
    L->drained = 1;
    NQ_LOG_INFO ("worker_drained");
    if (L->ctx->on_drained)
        L->ctx->on_drained (L->ctx->on_drained_arg);
}

static void
s_drain_begin (s_link_t *L, uint64_t timeout_ms)
{
    if (L->draining)
        return;
    L->draining = 1;
    L->drain_deadline_ms = s_now (L) + timeout_ms;
    NQ_LOG_INFO ("worker_draining", NQ_LU ("running", s_busy (L)), NQ_LU ("timeout_ms", timeout_ms));
    s_credit (L);
    if (s_busy (L) == 0)
        s_drain_finish (L);
}

//  --------------------------------------------------------------------------
//  The actor

static void
s_tick (s_link_t *L)
{
    if (L->drained)
        return;    //  said BYE: the broker no longer knows us, and must not again
    uint64_t now = s_now (L);
    nq_msg_t m;
    nq_msg_init (&m, NQ_CMD_W_HEARTBEAT);
    m.u.heartbeat.ts_ms = nq_clock_wall_ms (nq_clock_system ());
    m.u.heartbeat.active = (uint32_t) s_busy (L);
    s_send (L, &m);
    //  A slot actor that died holding a job: the broker hears of it now.
    for (size_t i = 0; i < L->nslots;) {
        s_slot_t *s = &L->slots[i];
        if (!nq_actor_is_alive (s->actor)) {
            if (s->busy)
                s_fail_job (L, s->job_id, s->attempt, NQ_EINTERNAL, "the slot actor stopped", 1);
            s_slot_remove (L, s);
            continue;
        }
        i++;
    }
    s_credit (L);
    if (L->draining && !L->drained && (s_busy (L) == 0 || now >= L->drain_deadline_ms))
        s_drain_finish (L);
    if (!L->drained && now - L->last_broker_ms > L->heartbeat_ms * L->liveness)
        s_reconnect (L, "the broker is silent");
}

//  Flattened NQP/1 frames in a mail: [from][count][size…][bytes…].
typedef struct {
    nq_actor_t *from;
    uint32_t count;
    uint32_t sizes[];
} s_frames_t;

static void
s_forward (s_link_t *L, const nq_mail_t *mail, int finish)
{
    const s_frames_t *f = (const s_frames_t *) (const void *) mail->data;
    const uint8_t *p = (const uint8_t *) &f->sizes[f->count];
    nq_zpart_t parts[NQ_ZUV_MAX_PARTS];
    size_t n = f->count < NQ_ZUV_MAX_PARTS ? f->count : NQ_ZUV_MAX_PARTS;
    for (size_t i = 0; i < n; i++) {
        parts[i] = (nq_zpart_t){p, f->sizes[i]};
        p += f->sizes[i];
    }
    if (!L->drained)
        s_send_frames (L, parts, n);
    if (finish) {
        s_slot_t *s = s_slot_of (L, f->from);
        if (s) {
            s->busy = 0;
            if (s->leaving)
                s_slot_remove (L, s);
        }
        s_credit (L);
        if (L->draining && !L->drained && s_busy (L) == 0)
            s_drain_finish (L);
    }
}

static int
s_handle (nq_actor_t *self, nq_mail_t *mail)
{
    s_link_t *L = nq_actor_state (self);
    switch (mail->type) {
    case NQ_LINK_REGISTER: {
        const s_slot_mail_t *m = (const void *) mail->data;
        if (L->nslots == L->cap) {
            size_t cap = L->cap ? L->cap * 2 : 16;
            s_slot_t *grown = nq_realloc (L->slots, cap * sizeof *grown);
            if (!grown) {
                nq_actor_t *dropped = m->slot;
                nq_actor_unref (&dropped);
                break;
            }
            L->slots = grown;
            L->cap = cap;
        }
        L->slots[L->nslots++] = (s_slot_t){.actor = m->slot, .kind = m->kind, .inst = m->inst};
        s_credit (L);
        break;
    }
    case NQ_LINK_UNREGISTER: {
        const s_slot_mail_t *m = (const void *) mail->data;
        s_slot_t *s = s_slot_of (L, m->slot);
        if (s) {
            if (s->busy)
                s->leaving = 1;
            else
                s_slot_remove (L, s);
        }
        nq_actor_t *ref = m->slot;
        nq_actor_unref (&ref);    //  the reference the mail carried
        s_credit (L);
        break;
    }
    case NQ_LINK_SEND:
        s_forward (L, mail, 0);
        break;
    case NQ_LINK_FINISH:
        s_forward (L, mail, 1);
        break;
    case NQ_LINK_DRAIN:
        s_drain_begin (L, L->ctx->drain_timeout_ms);
        break;
    case NQ_LINK_TICK:
        s_tick (L);
        break;
    case NQ_LINK_REFRESH:
        s_credit (L);
        break;
    default:
        break;
    }
    return 0;
}

static int
s_init (nq_actor_t *self, void *arg)
{
    s_link_t *L = nq_calloc (1, sizeof *L);
    if (!L)
        return NQ_ENOMEM;
    L->ctx = arg;
    L->self = self;
    L->heartbeat_ms = L->ctx->heartbeat_ms;
    L->liveness = L->ctx->liveness;
    L->groups = nq_calloc (L->ctx->ninstances * NQ_WORKER_KINDS, sizeof *L->groups);
    nq_limits_defaults (&L->limits);
    nq_actor_set_state (self, L);
    if (!L->groups)
        return NQ_ENOMEM;
    s_connect (L);
    if (!L->zuv)
        return NQ_EIO;
    nq_actor_timer_start (self, L->heartbeat_ms, L->heartbeat_ms, NQ_LINK_TICK);
    atomic_store (&L->ctx->link, self);
    NQ_LOG_INFO ("link_started", NQ_LS ("endpoint", L->ctx->endpoint), NQ_LS ("worker_id", L->ctx->worker_id));
    return 0;
}

static void
s_stopping (nq_actor_t *self, int reason)
{
    s_link_t *L = nq_actor_state (self);
    (void) reason;
    if (!L)
        return;
    nq_actor_t *expected = self;
    atomic_compare_exchange_strong (&L->ctx->link, &expected, NULL);
    s_close_connection (L);
}

static void
s_fini (nq_actor_t *self)
{
    s_link_t *L = nq_actor_state (self);
    if (!L)
        return;
    while (L->nslots)
        s_slot_remove (L, &L->slots[0]);
    nq_free (L->slots);
    nq_free (L->groups);
    nq_free (L);
}

int
nq_link_start (nq_runtime_t *rt, nq_actor_t *parent, void *arg, nq_actor_t **child_p)
{
    static const nq_actor_def_t def = {"link", s_init, s_handle, s_stopping, s_fini, 0};
    nq_spawn_opts_t opts = {.loop = 0, .parent = parent};
    return nq_actor_spawn (rt, &def, arg, &opts, child_p);
}

int
nq_link_register (nq_actor_t *link, nq_actor_t *slot, nq_kind_t kind, size_t inst)
{
    s_slot_mail_t m = {nq_actor_ref (slot), kind, inst};
    int rc = nq_actor_send (link, NQ_LINK_REGISTER, &m, sizeof m);
    if (rc)
        nq_actor_unref (&m.slot);
    return rc;
}

int
nq_link_unregister (nq_actor_t *link, nq_actor_t *slot)
{
    s_slot_mail_t m = {nq_actor_ref (slot), NQ_KIND_NONE, 0};
    int rc = nq_actor_send (link, NQ_LINK_UNREGISTER, &m, sizeof m);
    if (rc)
        nq_actor_unref (&m.slot);
    return rc;
}

int
nq_link_send (nq_actor_t *link, nq_actor_t *slot, const nq_msg_t *msg, int finish)
{
    nq_wire_t wire;
    int rc = nq_msg_encode (msg, &wire);
    if (rc) {
        nq_wire_fini (&wire);
        return rc;
    }
    size_t bytes = 0;
    for (size_t i = 0; i < wire.count; i++)
        bytes += wire.frames[i].size;
    size_t head = offsetof (s_frames_t, sizes) + wire.count * sizeof (uint32_t);
    s_frames_t *f = nq_malloc (head + bytes);
    if (!f) {
        nq_wire_fini (&wire);
        return NQ_ENOMEM;
    }
    f->from = slot;
    f->count = (uint32_t) wire.count;
    uint8_t *p = (uint8_t *) f + head;
    for (size_t i = 0; i < wire.count; i++) {
        f->sizes[i] = (uint32_t) wire.frames[i].size;
        memcpy (p, wire.frames[i].data, wire.frames[i].size);
        p += wire.frames[i].size;
    }
    nq_wire_fini (&wire);
    rc = nq_actor_send (link, finish ? NQ_LINK_FINISH : NQ_LINK_SEND, f, head + bytes);
    nq_free (f);
    return rc;
}
