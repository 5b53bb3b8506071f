/*  client.c — libnovaq's asynchronous client (see include/novaq.h). */
#include "novaq.h"

#include "common/alloc.h"
#include "common/clock.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/protocol_zuv.h"
#include "common/zuv.h"

#include <assert.h>
#include <czmq.h>
#include <stdio.h>
#include <string.h>

struct nq_call_t {
    nq_client_t *client;
    uint64_t rid;
    char rid_key[24];
    char job_id[NQ_ID_LEN + 1];
    nq_call_fn_t fn;
    void *arg;
    uv_timer_t *timer;        //  NULL without a deadline
    int abandoned;
    nq_call_t *prev, *next;   //  every open call
    nq_call_t *job_next;      //  other calls following the same job
};

struct nq_client_t {
    uv_loop_t *loop;
    void *socket;
    nq_zuv_t *zuv;
    uint64_t next_rid;
    zhashx_t *by_rid;    //  rid text → call
    zhashx_t *by_job;    //  job id → first call (job_next links the rest)
    nq_call_t *calls;
    size_t pending;
    nq_limits_t limits;
    int closing;
    void (*done) (void *arg);
    void *done_arg;
};

//  --------------------------------------------------------------------------
//  Calls

static void
s_timer_closed (uv_handle_t *handle)
{
    nq_free (handle);
}

static void
s_job_unlink (nq_client_t *self, nq_call_t *call)
{
    if (!call->job_id[0])
        return;
    nq_call_t *head = zhashx_lookup (self->by_job, call->job_id);
    if (head == call) {
        if (call->job_next)
            zhashx_update (self->by_job, call->job_id, call->job_next);
        else
            zhashx_delete (self->by_job, call->job_id);
    }
    else
        for (nq_call_t *c = head; c; c = c->job_next)
            if (c->job_next == call) {
                c->job_next = call->job_next;
                break;
            }
    call->job_next = NULL;
}

static void
s_job_link (nq_client_t *self, nq_call_t *call)
{
    nq_call_t *head = zhashx_lookup (self->by_job, call->job_id);
    if (head) {
        call->job_next = head->job_next;
        head->job_next = call;
    }
    else
        zhashx_insert (self->by_job, call->job_id, call);
}

//  The call is over: out of every index, its timer closed, its memory freed.
static void
s_call_end (nq_client_t *self, nq_call_t *call)
{
    zhashx_delete (self->by_rid, call->rid_key);
    s_job_unlink (self, call);
    if (call->prev)
        call->prev->next = call->next;
    else
        self->calls = call->next;
    if (call->next)
        call->next->prev = call->prev;
    self->pending--;
    if (call->timer) {
        uv_timer_stop (call->timer);
        uv_close ((uv_handle_t *) call->timer, s_timer_closed);
    }
    nq_free (call);
}

static void
s_call_error (nq_client_t *self, nq_call_t *call, int code, const char *message, uint64_t retry_after_ms)
{
    if (!call->abandoned && call->fn.error)
        call->fn.error (call->arg, call, code, message, retry_after_ms);
    s_call_end (self, call);
}

static void
s_deadline (uv_timer_t *timer)
{
    nq_call_t *call = timer->data;
    s_call_error (call->client, call, NQ_ETIMEOUT, "no answer from the broker within the deadline", 0);
}

static nq_call_t *
s_call_new (nq_client_t *self, uint64_t timeout_ms, const nq_call_fn_t *fn, void *arg)
{
    nq_call_t *call = nq_calloc (1, sizeof *call);
    if (!call)
        return NULL;
    call->client = self;
    call->rid = ++self->next_rid;
    snprintf (call->rid_key, sizeof call->rid_key, "%llu", (unsigned long long) call->rid);
    if (fn)
        call->fn = *fn;
    call->arg = arg;
    if (timeout_ms) {
        call->timer = nq_malloc (sizeof *call->timer);
        if (!call->timer) {
            nq_free (call);
            return NULL;
        }
        uv_timer_init (self->loop, call->timer);
        call->timer->data = call;
        uv_timer_start (call->timer, s_deadline, timeout_ms, 0);
    }
    zhashx_insert (self->by_rid, call->rid_key, call);
    call->next = self->calls;
    if (self->calls)
        self->calls->prev = call;
    self->calls = call;
    self->pending++;
    return call;
}

//  Encodes and sends msg for call; on failure the call ends at once (its
//  error handler runs later, never inside the caller's request).
static int
s_send (nq_client_t *self, const nq_msg_t *msg)
{
    return nq_msg_send_zuv (self->zuv, NULL, 0, msg);
}

static nq_call_t *
s_request (nq_client_t *self, nq_msg_t *msg, uint64_t *rid_field, const char *job_id, uint64_t timeout_ms,
           const nq_call_fn_t *fn, void *arg)
{
    if (self->closing)
        return NULL;
    nq_call_t *call = s_call_new (self, timeout_ms, fn, arg);
    if (!call)
        return NULL;
    *rid_field = call->rid;
    if (job_id && *job_id) {
        snprintf (call->job_id, sizeof call->job_id, "%s", job_id);
        s_job_link (self, call);
    }
    int rc = s_send (self, msg);
    if (rc) {
        NQ_LOG_WARN ("client_send_failed", NQ_LS ("command", nq_cmd_name (msg->cmd)), NQ_LS ("error", nq_strerror (rc)));
        call->fn.error = NULL;    //  the caller learns it from the NULL return
        s_call_end (self, call);
        return NULL;
    }
    return call;
}

//  --------------------------------------------------------------------------
//  Receiving

static void
s_on_message (nq_client_t *self, nq_msg_t *msg)
{
    nq_call_t *call;
    char key[24];
    switch (msg->cmd) {
    case NQ_CMD_ACCEPTED:
        snprintf (key, sizeof key, "%llu", (unsigned long long) msg->u.accepted.rid);
        call = zhashx_lookup (self->by_rid, key);
        if (!call)
            return;
        if (!call->job_id[0]) {
            snprintf (call->job_id, sizeof call->job_id, "%s", msg->u.accepted.job_id);
            s_job_link (self, call);
        }
        if (!call->abandoned && call->fn.accepted)
            call->fn.accepted (call->arg, call, call->job_id, msg->u.accepted.duplicate);
        break;
    case NQ_CMD_CHUNK:
        for (call = zhashx_lookup (self->by_job, msg->u.chunk.job_id); call; call = call->job_next)
            if (!call->abandoned && call->fn.chunk)
                call->fn.chunk (call->arg, call, &msg->u.chunk);
        break;
    case NQ_CMD_RESULT:
        //  Every call following the job ends with its result.
        while ((call = zhashx_lookup (self->by_job, msg->u.result.job_id))) {
            if (!call->abandoned && call->fn.result)
                call->fn.result (call->arg, call, &msg->u.result);
            s_call_end (self, call);
        }
        break;
    case NQ_CMD_ERROR:
        snprintf (key, sizeof key, "%llu", (unsigned long long) msg->u.error.rid);
        call = msg->u.error.rid ? zhashx_lookup (self->by_rid, key) : NULL;
        if (!call && msg->u.error.job_id[0])
            call = zhashx_lookup (self->by_job, msg->u.error.job_id);
        if (call)
            s_call_error (self, call, msg->u.error.code, msg->u.error.message, msg->u.error.retry_after_ms);
        else
            NQ_LOG_WARN ("broker_error", NQ_LS ("error", nq_error_wire (msg->u.error.code)),
                         NQ_LS ("message", msg->u.error.message));
        break;
    case NQ_CMD_REPLY:
        snprintf (key, sizeof key, "%llu", (unsigned long long) msg->u.reply.rid);
        call = zhashx_lookup (self->by_rid, key);
        if (!call)
            return;
        if (!call->abandoned && call->fn.reply)
            call->fn.reply (call->arg, call, &msg->u.reply.data);
        s_call_end (self, call);
        break;
    default:
        break;
    }
}

static void
s_recv (void *arg, nq_zuv_t *zuv, zmq_msg_t *parts, size_t count)
{
    nq_client_t *self = arg;
    (void) zuv;
    nq_frame_t frames[NQ_ZUV_MAX_PARTS];
    for (size_t i = 0; i < count; i++)
        frames[i] = (nq_frame_t){zmq_msg_data (&parts[i]), zmq_msg_size (&parts[i])};
    nq_msg_t msg;
    int rc = nq_msg_decode (&msg, frames, count, NQ_DIR_BROKER_CLIENT, &self->limits);
    if (rc)
        NQ_LOG_WARN ("malformed_reply", NQ_LS ("error", nq_error_name (rc)));
    else
        s_on_message (self, &msg);
    nq_msg_fini (&msg);
}

//  --------------------------------------------------------------------------

nq_client_t *
nq_client_new (uv_loop_t *loop, void *zmq_ctx, const char *endpoint)
{
    assert (loop && zmq_ctx && endpoint);
    nq_client_t *self = nq_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->loop = loop;
    nq_limits_defaults (&self->limits);
    self->by_rid = zhashx_new ();
    self->by_job = zhashx_new ();
    self->socket = zmq_socket (zmq_ctx, ZMQ_DEALER);
    if (!self->by_rid || !self->by_job || !self->socket)
        goto fail;
    int linger = 0, ivl = 100, ivl_max = 5000, hwm = 100000;
    zmq_setsockopt (self->socket, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt (self->socket, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl);
    zmq_setsockopt (self->socket, ZMQ_RECONNECT_IVL_MAX, &ivl_max, sizeof ivl_max);
    zmq_setsockopt (self->socket, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt (self->socket, ZMQ_RCVHWM, &hwm, sizeof hwm);
    if (zmq_connect (self->socket, endpoint) != 0) {
        NQ_LOG_ERROR ("connect_failed", NQ_LS ("endpoint", endpoint), NQ_LS ("error", zmq_strerror (zmq_errno ())));
        goto fail;
    }
    self->zuv = nq_zuv_new (loop, self->socket, NULL, s_recv, self);
    if (!self->zuv)
        goto fail;
    return self;
fail:
    if (self->socket)
        zmq_close (self->socket);
    zhashx_destroy (&self->by_rid);
    zhashx_destroy (&self->by_job);
    nq_free (self);
    return NULL;
}

static void
s_zuv_closed (void *arg, nq_zuv_t *zuv)
{
    nq_client_t *self = arg;
    (void) zuv;
    zmq_close (self->socket);
    zhashx_destroy (&self->by_rid);
    zhashx_destroy (&self->by_job);
    void (*done) (void *) = self->done;
    void *done_arg = self->done_arg;
    nq_free (self);
    if (done)
        done (done_arg);
}

void
nq_client_close (nq_client_t *self, void (*done) (void *arg), void *arg)
{
    assert (self && !self->closing);
    self->closing = 1;
    self->done = done;
    self->done_arg = arg;
    while (self->calls)
        s_call_error (self, self->calls, NQ_ECLOSED, "the client is closing", 0);
    nq_zuv_close (self->zuv, s_zuv_closed);
}

nq_call_t *
nq_client_submit (nq_client_t *self, const nq_job_t *job, uint64_t timeout_ms, const nq_call_fn_t *fn, void *arg)
{
    assert (self && job);
    nq_msg_t msg;
    nq_msg_init (&msg, NQ_CMD_SUBMIT);
    msg.u.submit.job = *job;    //  a view: encoding copies what it needs
    return s_request (self, &msg, &msg.u.submit.rid, job->id, timeout_ms, fn, arg);
}

nq_call_t *
nq_client_cancel (nq_client_t *self, const char *job_id, const char *token, uint64_t timeout_ms,
                  const nq_call_fn_t *fn, void *arg)
{
    nq_msg_t msg;
    nq_msg_init (&msg, NQ_CMD_CANCEL);
    snprintf (msg.u.cancel.job_id, sizeof msg.u.cancel.job_id, "%s", job_id);
    msg.u.cancel.token = token;
    return s_request (self, &msg, &msg.u.cancel.rid, job_id, timeout_ms, fn, arg);
}

nq_call_t *
nq_client_query (nq_client_t *self, const char *job_id, nq_query_what_t what, uint64_t from_seq, const char *token,
                 uint64_t timeout_ms, const nq_call_fn_t *fn, void *arg)
{
    nq_msg_t msg;
    nq_msg_init (&msg, NQ_CMD_QUERY);
    snprintf (msg.u.query.job_id, sizeof msg.u.query.job_id, "%s", job_id);
    msg.u.query.what = what;
    msg.u.query.from_seq = from_seq;
    msg.u.query.token = token;
    return s_request (self, &msg, &msg.u.query.rid, job_id, timeout_ms, fn, arg);
}

nq_call_t *
nq_client_admin (nq_client_t *self, const nq_admin_t *admin, uint64_t timeout_ms, const nq_call_fn_t *fn, void *arg)
{
    nq_msg_t msg;
    nq_msg_init (&msg, NQ_CMD_ADMIN);
    msg.u.admin = *admin;
    return s_request (self, &msg, &msg.u.admin.rid, NULL, timeout_ms, fn, arg);
}

nq_call_t *
nq_client_ping (nq_client_t *self, uint64_t timeout_ms, const nq_call_fn_t *fn, void *arg)
{
    nq_msg_t msg;
    nq_msg_init (&msg, NQ_CMD_PING);
    msg.u.ping.ts_ms = nq_clock_wall_ms (nq_clock_system ());
    return s_request (self, &msg, &msg.u.ping.rid, NULL, timeout_ms, fn, arg);
}

void
nq_call_abandon (nq_call_t *call)
{
    call->abandoned = 1;
}

const char *
nq_call_job_id (const nq_call_t *call)
{
    return call->job_id;
}

size_t
nq_client_pending (const nq_client_t *self)
{
    return self->pending;
}
