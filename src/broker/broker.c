/*  broker.c — NQP/1 on the broker's two ROUTER sockets (see broker.h). */
#include "broker/broker.h"

#include "broker/broker_http.h"
#include "broker/broker_reply.h"
#include "broker/journal_mem.h"
#include "common/alloc.h"
#include "common/errors.h"
#include "common/id.h"
#include "common/log.h"
#include "common/protocol.h"
#include "common/zuv.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

struct nq_broker_t {
    uv_loop_t *loop;
    void *ctx;
    char frontend_ep[256];
    char backend_ep[256];
    char http[128];    //  host:port for /metrics and /health, or "off"
    nq_broker_http_t *web;
    void *frontend, *backend;
    nq_zuv_t *zfront, *zback;
    nq_journal_t *journal;
    nq_engine_t *engine;
    nq_limits_t limits;
    nq_idgen_t idgen;
    uv_timer_t deadline;
    uv_prepare_t prepare;
    uint64_t armed_for;
    int handles;    //  libuv handles and zuvs still open
    int started, stopping;
    nq_broker_done_fn *done;
    void *done_arg;
    uint64_t malformed_client, malformed_worker;
};

//  --------------------------------------------------------------------------
//  Sending

static void
s_client_error (nq_broker_t *self, const void *client, size_t size, uint64_t rid, const char *job_id, int code,
                const char *message, uint64_t retry_after_ms)
{
    nq_msg_t msg;
    nq_msg_init (&msg, NQ_CMD_ERROR);
    msg.u.error.rid = rid;
    if (job_id)
        snprintf (msg.u.error.job_id, sizeof msg.u.error.job_id, "%s", job_id);
    msg.u.error.code = code;
    msg.u.error.message = message;
    msg.u.error.retry_after_ms = retry_after_ms;
    nq_broker_send (self->zfront, client, size, &msg);
}

//  --------------------------------------------------------------------------
//  The engine's answers, encoded

static int
s_io_dispatch (void *arg, const nq_bworker_t *w, int group, const nq_bjob_t *job)
{
    nq_broker_t *self = arg;
    const nq_msg_t *submitted = job->payload_obj;
    nq_msg_t msg;
    nq_msg_init (&msg, NQ_CMD_JOB);
    msg.u.job.job = submitted->u.submit.job;
    if (job->run_model)
        msg.u.job.job.model = job->run_model;    //  the fallback runs this attempt
    msg.u.job.attempt = job->attempt;
    msg.u.job.lease_ms = job->start_to_close_ms;
    if (group >= 0 && (size_t) group < w->ngroups)
        msg.u.job.instance = w->groups[group].instance;
    return nq_broker_send (self->zback, w->identity.data, w->identity.size, &msg);
}

static void
s_io_cancel (void *arg, const nq_bworker_t *w, const nq_bjob_t *job)
{
    nq_broker_t *self = arg;
    nq_msg_t msg;
    nq_msg_init (&msg, NQ_CMD_W_CANCEL);
    snprintf (msg.u.cancel.job_id, sizeof msg.u.cancel.job_id, "%s", job->id);
    msg.u.cancel.attempt = job->attempt;
    msg.u.cancel.reason = "cancelled";
    nq_broker_send (self->zback, w->identity.data, w->identity.size, &msg);
}

static void
s_io_heartbeat (void *arg, const nq_bworker_t *w)
{
    nq_broker_t *self = arg;
    nq_msg_t msg;
    nq_msg_init (&msg, NQ_CMD_B_HEARTBEAT);
    msg.u.heartbeat.ts_ms = nq_clock_wall_ms (nq_clock_system ());
    msg.u.heartbeat.heartbeat_ms = (uint32_t) w->heartbeat_ms;
    msg.u.heartbeat.liveness = w->liveness;
    nq_broker_send (self->zback, w->identity.data, w->identity.size, &msg);
}

static void
s_io_disconnect (void *arg, const void *identity, size_t size, const char *reason)
{
    nq_broker_t *self = arg;
    nq_msg_t msg;
    nq_msg_init (&msg, NQ_CMD_DISCONNECT);
    msg.u.disconnect.reason = reason;
    msg.u.disconnect.reconnect_after_ms = 100;
    nq_broker_send (self->zback, identity, size, &msg);
}

static void
s_io_accepted (void *arg, const nq_bytes_t *client, uint64_t rid, const nq_bjob_t *job, int existing)
{
    nq_broker_t *self = arg;
    nq_msg_t msg;
    nq_msg_init (&msg, NQ_CMD_ACCEPTED);
    msg.u.accepted.rid = rid;
    snprintf (msg.u.accepted.job_id, sizeof msg.u.accepted.job_id, "%s", job->id);
    msg.u.accepted.duplicate = existing;
    msg.u.accepted.durable = nq_journal_durable (self->journal);
    nq_broker_send (self->zfront, client->data, client->size, &msg);
}

static void
s_io_error (void *arg, const nq_bytes_t *client, uint64_t rid, const char *job_id, int code, const char *message,
            uint64_t retry_after_ms)
{
    nq_broker_t *self = arg;
    s_client_error (self, client->data, client->size, rid, job_id, code, message, retry_after_ms);
}

static void
s_io_chunk (void *arg, const nq_bytes_t *client, uint64_t rid, const nq_bjob_t *job, const nq_engine_chunk_t *chunk)
{
    nq_broker_t *self = arg;
    (void) rid;
    nq_msg_t msg;
    nq_msg_init (&msg, NQ_CMD_CHUNK);
    snprintf (msg.u.chunk.job_id, sizeof msg.u.chunk.job_id, "%s", job->id);
    msg.u.chunk.attempt = job->attempt;
    msg.u.chunk.seq = chunk->seq;
    //  Chunks are kept NUL-terminated by the backend handler; a restart
    //  marker carries no text.
    msg.u.chunk.text = chunk->size ? chunk->data : "";
    msg.u.chunk.restart = chunk->restart;
    nq_broker_send (self->zfront, client->data, client->size, &msg);
}

static void
s_send_outcome (nq_broker_t *self, const void *client, size_t size, uint64_t rid, const nq_bjob_t *job)
{
    if (job->state == NQ_JOB_SUCCEEDED && job->result_obj) {
        nq_msg_t msg = *(const nq_msg_t *) job->result_obj;
        msg.cmd = NQ_CMD_RESULT;
        msg.arena_ = NULL;    //  a view: the job keeps ownership
        nq_broker_send (self->zfront, client, size, &msg);
    }
    else
        s_client_error (self, client, size, rid, job->id, job->error_code ? job->error_code : NQ_EINTERNAL,
                        job->error_message, 0);
}

static void
s_io_finished (void *arg, const nq_bytes_t *client, uint64_t rid, const nq_bjob_t *job)
{
    s_send_outcome (arg, client->data, client->size, rid, job);
}

static void
s_io_free_obj (void *arg, void *obj)
{
    (void) arg;
    nq_msg_t *msg = obj;
    nq_msg_fini (msg);
    nq_free (msg);
}

static const nq_engine_io_t s_io = {s_io_dispatch, s_io_cancel, s_io_heartbeat, s_io_disconnect, s_io_accepted,
                                    s_io_error,    s_io_chunk,  s_io_finished,  s_io_free_obj};

//  --------------------------------------------------------------------------
//  Clients

//  Moves a decoded message to the heap (its arena moves with it).
static nq_msg_t *
s_keep (nq_msg_t *msg)
{
    nq_msg_t *kept = nq_malloc (sizeof *kept);
    if (kept) {
        *kept = *msg;
        memset (msg, 0, sizeof *msg);
    }
    return kept;
}

static void
s_on_submit (nq_broker_t *self, const void *client, size_t size, nq_msg_t *msg)
{
    uint64_t rid = msg->u.submit.rid;
    nq_job_t *job = &msg->u.submit.job;
    if (job->kind == NQ_KIND_NONE || !job->model || !*job->model) {
        s_client_error (self, client, size, rid, NULL, NQ_EINVALID, "kind and model are required", 0);
        return;
    }
    if (!job->id[0] && nq_idgen_next (&self->idgen, job->id) != 0) {
        s_client_error (self, client, size, rid, NULL, NQ_EINTERNAL, "could not make a job id", 1000);
        return;
    }
    job->created_ms = nq_clock_wall_ms (nq_clock_system ());
    if (!job->tenant || !*job->tenant)
        job->tenant = "default";
    if (job->class_ == NQ_CLASS_NONE)
        job->class_ = job->kind == NQ_KIND_CHAT ? NQ_CLASS_INTERACTIVE : NQ_CLASS_STANDARD;
    uint32_t cost = job->kind == NQ_KIND_EMBED && job->payload.embed.inputs_count
                        ? (uint32_t) job->payload.embed.inputs_count
                        : 1;
    nq_msg_t *kept = s_keep (msg);
    if (!kept) {
        s_client_error (self, client, size, rid, NULL, NQ_ENOMEM, "out of memory", 1000);
        return;
    }
    job = &kept->u.submit.job;
    nq_engine_submit_t sub = {.id = job->id,
                              .kind = job->kind,
                              .model = job->model,
                              .tenant = job->tenant,
                              .user = job->user,
                              .klass = job->class_,
                              .idempotency_key = job->idempotency_key,
                              .traceparent = job->traceparent,
                              .correlation_id = job->correlation_id,
                              .payload_obj = kept,
                              .cost = cost,
                              .max_attempts = job->max_attempts,
                              .schedule_to_start_ms = job->schedule_to_start_ms,
                              .start_to_close_ms = job->start_to_close_ms,
                              .schedule_to_close_ms = job->schedule_to_close_ms};
    nq_engine_submit (self->engine, &sub, client, size, rid);
}

static void
s_on_query (nq_broker_t *self, const void *client, size_t size, const nq_query_t *q)
{
    const nq_bjob_t *job = nq_engine_job (self->engine, q->job_id);
    if (q->what == NQ_QUERY_STREAM) {
        nq_engine_subscribe (self->engine, q->job_id, q->from_seq, client, size, q->rid);
        return;
    }
    if (!job) {
        s_client_error (self, client, size, q->rid, q->job_id, NQ_ENOT_FOUND, "no such job (or past its retention)", 0);
        return;
    }
    if (q->what == NQ_QUERY_RESULT && nq_bjob_is_terminal (job)) {
        s_send_outcome (self, client, size, q->rid, job);
        return;
    }
    nq_broker_reply_job (self->zfront, client, size, q->rid, job, nq_clock_wall_ms (nq_clock_system ()));
}

static void
s_on_admin (nq_broker_t *self, const void *client, size_t size, const nq_admin_t *a)
{
    int rc = 0;
    const char *done = NULL;
    switch (a->op) {
    case NQ_ADMIN_STATUS:
        nq_broker_reply_status (self->zfront, client, size, a->rid, self->engine, self->journal);
        return;
    case NQ_ADMIN_DRAIN:
        rc = a->target ? nq_engine_drain (self->engine, a->target) : NQ_EINVALID;
        done = "draining";
        break;
    case NQ_ADMIN_PAUSE:
    case NQ_ADMIN_RESUME:
        rc = a->kind != NQ_KIND_NONE && a->model ? nq_engine_pause (self->engine, a->kind, a->model, a->op == NQ_ADMIN_PAUSE)
                                                 : NQ_EINVALID;
        done = a->op == NQ_ADMIN_PAUSE ? "paused" : "resumed";
        break;
    case NQ_ADMIN_SCALE: {
        rc = NQ_ENOT_FOUND;
        nq_bworker_t *w = a->target ? nq_registry_find_named (nq_engine_registry (self->engine), a->target) : NULL;
        if (w) {
            nq_msg_t msg;
            nq_msg_init (&msg, NQ_CMD_SCALE);
            msg.u.scale.instance = a->instance ? a->instance : "*";    //  every instance of the worker
            msg.u.scale.kind = a->kind;
            msg.u.scale.slots = a->count;
            rc = nq_broker_send (self->zback, w->identity.data, w->identity.size, &msg);
        }
        done = "scale sent";
        break;
    }
    case NQ_ADMIN_DEAD_LIST:
        nq_broker_reply_dead (self->zfront, client, size, a->rid, self->engine, a->count ? a->count : 100);
        return;
    case NQ_ADMIN_DEAD_RETRY:
        rc = a->target ? nq_engine_dead_retry (self->engine, a->target) : NQ_EINVALID;
        done = "queued again";
        break;
    default:
        rc = NQ_EINVALID;
        break;
    }
    if (rc)
        s_client_error (self, client, size, a->rid, NULL, rc,
                        rc == NQ_EINVALID ? "this admin request lacks a target, kind or model" : nq_strerror (rc), 0);
    else
        nq_broker_reply_ok (self->zfront, client, size, a->rid, done);
}

static void
s_frontend_recv (void *arg, nq_zuv_t *zuv, zmq_msg_t *parts, size_t count)
{
    nq_broker_t *self = arg;
    (void) zuv;
    if (count < 2)
        return;    //  a routing frame and nothing else: nothing to answer
    const void *client = zmq_msg_data (&parts[0]);
    size_t size = zmq_msg_size (&parts[0]);
    nq_frame_t frames[NQ_ZUV_MAX_PARTS];
    for (size_t i = 1; i < count; i++)
        frames[i - 1] = (nq_frame_t){zmq_msg_data (&parts[i]), zmq_msg_size (&parts[i])};
    nq_msg_t msg;
    int rc = nq_msg_decode (&msg, frames, count - 1, NQ_DIR_CLIENT_BROKER, &self->limits);
    if (rc) {
        self->malformed_client++;
        NQ_LOG_WARN ("malformed_request", NQ_LS ("error", nq_error_name (rc)), NQ_LS ("message", nq_strerror (rc)));
        s_client_error (self, client, size, 0, NULL, rc, nq_strerror (rc), 0);
        nq_msg_fini (&msg);
        return;
    }
    switch (msg.cmd) {
    case NQ_CMD_SUBMIT:
        s_on_submit (self, client, size, &msg);
        break;
    case NQ_CMD_CANCEL:
        nq_engine_cancel (self->engine, msg.u.cancel.job_id, client, size, msg.u.cancel.rid);
        break;
    case NQ_CMD_QUERY:
        s_on_query (self, client, size, &msg.u.query);
        break;
    case NQ_CMD_ADMIN:
        s_on_admin (self, client, size, &msg.u.admin);
        break;
    case NQ_CMD_PING:
        nq_broker_reply_pong (self->zfront, client, size, msg.u.ping.rid, msg.u.ping.ts_ms);
        break;
    default:
        s_client_error (self, client, size, 0, NULL, NQ_EPROTO_COMMAND, "not a client command", 0);
        break;
    }
    nq_msg_fini (&msg);
}

//  --------------------------------------------------------------------------
//  Follow-up reflections: a chat turn that asked for one (the platform
//  reflects on every turn) gets a reflect job of the standard class once it
//  succeeded, for the same tenant, user, session and model.

static void
s_follow_up_reflection (nq_broker_t *self, const nq_msg_t *submitted, const nq_result_t *result)
{
    const nq_job_t *chat = &submitted->u.submit.job;
    nq_msg_t *msg = nq_malloc (sizeof *msg);
    if (!msg)
        return;
    nq_msg_init (msg, NQ_CMD_SUBMIT);
    nq_job_t *job = &msg->u.submit.job;
    const char *input = "";
    for (size_t i = 0; i < chat->payload.chat.messages_count; i++)
        if (chat->payload.chat.messages[i].role == NQ_ROLE_USER)
            input = chat->payload.chat.messages[i].content;
    const char *output = result->body.chat.text ? result->body.chat.text : "";
    job->kind = NQ_KIND_REFLECT;
    job->class_ = NQ_CLASS_STANDARD;
    job->model = nq_msg_strndup (msg, chat->model, strlen (chat->model));
    job->tenant = nq_msg_strndup (msg, chat->tenant, strlen (chat->tenant));
    job->user = chat->user ? nq_msg_strndup (msg, chat->user, strlen (chat->user)) : NULL;
    job->correlation_id = chat->correlation_id ? nq_msg_strndup (msg, chat->correlation_id, strlen (chat->correlation_id)) : NULL;
    job->traceparent = chat->traceparent ? nq_msg_strndup (msg, chat->traceparent, strlen (chat->traceparent)) : NULL;
    job->payload.reflect.input = nq_msg_strndup (msg, input, strlen (input));
    job->payload.reflect.output = nq_msg_strndup (msg, output, strlen (output));
    if (chat->payload.chat.session)
        job->payload.reflect.session = nq_msg_strndup (msg, chat->payload.chat.session, strlen (chat->payload.chat.session));
    job->created_ms = nq_clock_wall_ms (nq_clock_system ());
    if (!job->model || !job->tenant || !job->payload.reflect.input || !job->payload.reflect.output
        || nq_idgen_next (&self->idgen, job->id) != 0) {
        NQ_LOG_ERROR ("reflection_not_queued", NQ_LS ("job_id", chat->id), NQ_LS ("error", "out of memory"));
        s_io_free_obj (self, msg);
        return;
    }
    NQ_LOG_INFO ("reflection_queued", NQ_LS ("job_id", job->id), NQ_LS ("after", chat->id),
                 NQ_LS ("correlation_id", job->correlation_id));
    nq_engine_submit_t sub = {.id = job->id,
                              .kind = NQ_KIND_REFLECT,
                              .model = job->model,
                              .tenant = job->tenant,
                              .user = job->user,
                              .klass = NQ_CLASS_STANDARD,
                              .traceparent = job->traceparent,
                              .correlation_id = job->correlation_id,
                              .payload_obj = msg,
                              .cost = 1};
    nq_engine_submit (self->engine, &sub, NULL, 0, 0);
}

//  --------------------------------------------------------------------------
//  Workers

static void
s_on_ready (nq_broker_t *self, const void *worker, size_t size, const nq_ready_t *r)
{
    nq_slot_group_desc_t groups[64];
    size_t n = r->slots_count < 64 ? r->slots_count : 64;
    for (size_t i = 0; i < n; i++) {
        const nq_slot_t *s = &r->slots[i];
        groups[i] = (nq_slot_group_desc_t){s->instance ? s->instance : "", 1u << s->kind,
                                           (const char *const *) s->models, s->models_count,
                                           (const char *const *) s->warm, s->warm_count, s->capacity};
    }
    uint64_t hb;
    uint32_t live;
    int rc = nq_engine_worker_ready (self->engine, worker, size, r->worker_id, groups, n, r->heartbeat_ms, r->liveness,
                                     &hb, &live);
    if (rc) {
        s_io_disconnect (self, worker, size, "the broker could not register the worker");
        return;
    }
    //  The first heartbeat tells the worker the agreed interval and liveness.
    nq_msg_t msg;
    nq_msg_init (&msg, NQ_CMD_B_HEARTBEAT);
    msg.u.heartbeat.ts_ms = nq_clock_wall_ms (nq_clock_system ());
    msg.u.heartbeat.heartbeat_ms = (uint32_t) hb;
    msg.u.heartbeat.liveness = live;
    nq_broker_send (self->zback, worker, size, &msg);
}

static void
s_backend_recv (void *arg, nq_zuv_t *zuv, zmq_msg_t *parts, size_t count)
{
    nq_broker_t *self = arg;
    (void) zuv;
    if (count < 2)
        return;
    const void *worker = zmq_msg_data (&parts[0]);
    size_t size = zmq_msg_size (&parts[0]);
    nq_frame_t frames[NQ_ZUV_MAX_PARTS];
    for (size_t i = 1; i < count; i++)
        frames[i - 1] = (nq_frame_t){zmq_msg_data (&parts[i]), zmq_msg_size (&parts[i])};
    nq_msg_t msg;
    int rc = nq_msg_decode (&msg, frames, count - 1, NQ_DIR_WORKER_BROKER, &self->limits);
    if (rc) {
        //  A worker that speaks garbage cannot be trusted with leases.
        self->malformed_worker++;
        NQ_LOG_WARN ("malformed_worker_message", NQ_LS ("error", nq_error_name (rc)), NQ_LS ("message", nq_strerror (rc)));
        nq_engine_worker_gone (self->engine, worker, size, "malformed message", 0);
        s_io_disconnect (self, worker, size, nq_strerror (rc));
        nq_msg_fini (&msg);
        return;
    }
    switch (msg.cmd) {
    case NQ_CMD_READY:
        s_on_ready (self, worker, size, &msg.u.ready);
        break;
    case NQ_CMD_CREDIT: {
        //  The lists first: the credit dispatches, and must see them.
        const nq_credit_t *c = &msg.u.credit;
        const char *instance = c->instance ? c->instance : "";
        if (c->has & NQ_CREDIT_MODELS)
            nq_engine_worker_models (self->engine, worker, size, instance, c->kind,
                                     (const char *const *) c->models, c->models_count);
        if (c->has & NQ_CREDIT_WARM)
            nq_engine_worker_warm (self->engine, worker, size, instance, (const char *const *) c->warm,
                                   c->warm_count);
        nq_engine_worker_credit (self->engine, worker, size, instance, c->kind, c->credit);
        break;
    }
    case NQ_CMD_W_HEARTBEAT:
        nq_engine_worker_seen (self->engine, worker, size);
        break;
    case NQ_CMD_W_CHUNK: {
        const char *text = msg.u.chunk.text ? msg.u.chunk.text : "";
        //  Kept with its NUL so CHUNK can hand it on as a string.
        nq_engine_worker_chunk (self->engine, worker, size, msg.u.chunk.job_id, msg.u.chunk.attempt, msg.u.chunk.seq,
                                msg.u.chunk.restart, text, *text ? strlen (text) + 1 : 0);
        break;
    }
    case NQ_CMD_W_RESULT: {
        char job_id[NQ_ID_LEN + 1];
        uint32_t attempt = msg.u.result.attempt;
        snprintf (job_id, sizeof job_id, "%s", msg.u.result.job_id);
        //  Does the job want a reflection once it succeeds? (Asked before the
        //  result ends the job: the engine may purge nothing yet, but the
        //  submitted message is only borrowed while the job is running.)
        const nq_bjob_t *bjob = nq_engine_job (self->engine, job_id);
        int reflect = bjob && bjob->state == NQ_JOB_RUNNING && bjob->kind == NQ_KIND_CHAT && bjob->payload_obj
                      && ((const nq_msg_t *) bjob->payload_obj)->u.submit.job.payload.chat.reflect;
        nq_msg_t *kept = s_keep (&msg);
        if (!kept)
            nq_engine_worker_fail (self->engine, worker, size, job_id, attempt, NQ_ENOMEM, "out of memory", 1);
        else if (nq_engine_worker_result (self->engine, worker, size, job_id, attempt, NULL, 0, kept) == 0
                 && reflect) {
            bjob = nq_engine_job (self->engine, job_id);
            if (bjob && bjob->state == NQ_JOB_SUCCEEDED && bjob->result_obj)
                s_follow_up_reflection (self, bjob->payload_obj, &((const nq_msg_t *) bjob->result_obj)->u.result);
        }
        break;
    }
    case NQ_CMD_FAIL:
        if (msg.u.fail.released)
            nq_engine_worker_release (self->engine, worker, size, msg.u.fail.job_id, msg.u.fail.attempt);
        else
            nq_engine_worker_fail (self->engine, worker, size, msg.u.fail.job_id, msg.u.fail.attempt, msg.u.fail.code,
                                   msg.u.fail.message, msg.u.fail.retryable);
        break;
    case NQ_CMD_BYE:
        nq_engine_worker_gone (self->engine, worker, size, msg.u.bye.reason ? msg.u.bye.reason : "bye", 1);
        break;
    default:
        s_io_disconnect (self, worker, size, "not a worker command");
        break;
    }
    nq_msg_fini (&msg);
}

//  --------------------------------------------------------------------------
//  Deadlines: one loop timer, re-armed for the engine's earliest deadline
//  before the loop waits.

static void
s_deadline_cb (uv_timer_t *timer)
{
    nq_broker_t *self = timer->data;
    self->armed_for = UINT64_MAX;
    nq_engine_tick (self->engine);
}

static void
s_prepare_cb (uv_prepare_t *prepare)
{
    nq_broker_t *self = prepare->data;
    uint64_t next = nq_engine_next_deadline (self->engine);
    if (next == self->armed_for)
        return;
    self->armed_for = next;
    if (next == UINT64_MAX) {
        uv_timer_stop (&self->deadline);
        return;
    }
    uint64_t now = nq_clock_now_ms (nq_clock_system ());
    uv_timer_start (&self->deadline, s_deadline_cb, next > now ? next - now : 0, 0);
}

//  --------------------------------------------------------------------------

static void *
s_bind (nq_broker_t *self, const char *endpoint)
{
    void *sock = zmq_socket (self->ctx, ZMQ_ROUTER);
    if (!sock)
        return NULL;
    int one = 1;
    int linger = 200;    //  long enough to flush a last DISCONNECT
    int hwm = 100000;
    zmq_setsockopt (sock, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    zmq_setsockopt (sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt (sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt (sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    if (zmq_bind (sock, endpoint) != 0) {
        NQ_LOG_ERROR ("bind_failed", NQ_LS ("endpoint", endpoint), NQ_LS ("error", zmq_strerror (zmq_errno ())));
        zmq_close (sock);
        return NULL;
    }
    return sock;
}

int
nq_broker_check_journal (const nq_config_t *config, const char *command)
{
    if (!nq_config_is_set (config, NQ_CFG_DATABASE_URL))
        return 0;
    fprintf (stderr, "%s: NOVAQ_DATABASE_URL is set, but this version has only the in-memory journal; "
                     "unset it to run without durability\n",
             command);
    return NQ_ECONFIG;
}

nq_broker_t *
nq_broker_new (uv_loop_t *loop, void *zmq_ctx, const nq_config_t *config)
{
    assert (loop && zmq_ctx && config);
    nq_broker_t *self = nq_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->loop = loop;
    self->ctx = zmq_ctx;
    self->armed_for = UINT64_MAX;
    snprintf (self->frontend_ep, sizeof self->frontend_ep, "%s", nq_config_str (config, NQ_CFG_FRONTEND));
    snprintf (self->backend_ep, sizeof self->backend_ep, "%s", nq_config_str (config, NQ_CFG_BACKEND));
    snprintf (self->http, sizeof self->http, "%s", nq_config_str (config, NQ_CFG_HTTP));
    nq_limits_defaults (&self->limits);
    nq_idgen_init (&self->idgen, nq_clock_system (), 0);

    nq_engine_config_t ec;
    nq_engine_config_defaults (&ec);
    ec.heartbeat_ms = (uint64_t) nq_config_int (config, NQ_CFG_HEARTBEAT);
    ec.liveness = (uint32_t) nq_config_int (config, NQ_CFG_LIVENESS);
    for (int k = NQ_KIND__FIRST; k < NQ_KIND__COUNT; k++)
        ec.max_attempts[k] = (uint32_t) nq_config_int (config, NQ_CFG_MAX_ATTEMPTS);
    ec.retry.min_ms = (uint64_t) nq_config_int (config, NQ_CFG_RETRY_BASE);
    ec.retry.max_ms = (uint64_t) nq_config_int (config, NQ_CFG_RETRY_MAX);
    ec.retention_ms = (uint64_t) nq_config_int (config, NQ_CFG_RETENTION);
    ec.cancel_grace_ms = (uint64_t) nq_config_int (config, NQ_CFG_CANCEL_GRACE);
    ec.sched.weight[NQ_CLASS_INTERACTIVE] = (uint32_t) nq_config_int (config, NQ_CFG_WEIGHT_INTERACTIVE);
    ec.sched.weight[NQ_CLASS_STANDARD] = (uint32_t) nq_config_int (config, NQ_CFG_WEIGHT_STANDARD);
    ec.sched.weight[NQ_CLASS_BULK] = (uint32_t) nq_config_int (config, NQ_CFG_WEIGHT_BULK);
    ec.admission.max_total = (size_t) nq_config_int (config, NQ_CFG_MAX_QUEUED);
    for (int c = NQ_CLASS__FIRST; c < NQ_CLASS__COUNT; c++)
        ec.admission.max_class[c] = (size_t) nq_config_int (config, NQ_CFG_MAX_QUEUED_CLASS);
    ec.admission.max_tenant = (size_t) nq_config_int (config, NQ_CFG_MAX_QUEUED_TENANT);
    ec.fallbacks = nq_config_str (config, NQ_CFG_FALLBACK_MODELS);
    int mode = nq_dispatch_parse (nq_config_str (config, NQ_CFG_DISPATCH));
    assert (mode >= 0);    //  the configuration validated it
    ec.dispatch = (nq_dispatch_mode_t) mode;
    ec.affinity_spill_ms = (uint64_t) nq_config_int (config, NQ_CFG_AFFINITY_SPILL);

    self->journal = nq_journal_mem_new ();
    if (!self->journal)
        goto fail;
    self->engine = nq_engine_new (&ec, nq_clock_system (), self->journal, &s_io, self);
    if (!self->engine)
        goto fail;
    return self;
fail:
    nq_broker_destroy (&self);
    return NULL;
}

int
nq_broker_start (nq_broker_t *self)
{
    assert (self && !self->started);
    self->frontend = s_bind (self, self->frontend_ep);
    self->backend = self->frontend ? s_bind (self, self->backend_ep) : NULL;
    if (!self->frontend || !self->backend)
        return NQ_EIO;
    if (strcmp (self->http, "off") != 0) {
        self->web = nq_broker_http_start (self->loop, self->http, self->engine, self->journal);
        if (!self->web)
            return NQ_EIO;
    }
    self->zfront = nq_zuv_new (self->loop, self->frontend, NULL, s_frontend_recv, self);
    self->zback = nq_zuv_new (self->loop, self->backend, NULL, s_backend_recv, self);
    if (!self->zfront || !self->zback)
        return NQ_ENOMEM;
    uv_timer_init (self->loop, &self->deadline);
    uv_prepare_init (self->loop, &self->prepare);
    self->deadline.data = self;
    self->prepare.data = self;
    uv_prepare_start (&self->prepare, s_prepare_cb);
    self->handles = 4;
    self->started = 1;
    NQ_LOG_INFO ("broker_started", NQ_LS ("frontend", self->frontend_ep), NQ_LS ("backend", self->backend_ep),
                 NQ_LS ("journal", nq_journal_name (self->journal)),
                 NQ_LS ("dispatch", nq_dispatch_name (nq_registry_dispatch (nq_engine_registry (self->engine)))));
    if (!nq_journal_durable (self->journal))
        NQ_LOG_WARN ("journal_not_durable", NQ_LS ("journal", nq_journal_name (self->journal)),
                     NQ_LS ("message", "jobs live in memory only: a broker restart loses every queued and running job"));
    return 0;
}

static void
s_closed (nq_broker_t *self)
{
    if (--self->handles > 0)
        return;
    if (self->done)
        self->done (self->done_arg);
}

static void
s_handle_closed (uv_handle_t *handle)
{
    s_closed (handle->data);
}

static void
s_web_stopped (void *arg)
{
    s_closed (arg);
}

static void
s_zuv_closed (void *arg, nq_zuv_t *zuv)
{
    (void) zuv;
    s_closed (arg);
}

void
nq_broker_stop (nq_broker_t *self, nq_broker_done_fn *done, void *arg)
{
    assert (self && !self->stopping);
    self->stopping = 1;
    self->done = done;
    self->done_arg = arg;
    if (!self->started) {
        //  A start that failed part-way may have left the HTTP side open.
        if (self->web) {
            self->handles = 1;
            nq_broker_http_stop (self->web, s_web_stopped, self);
            self->web = NULL;
        }
        else if (done)
            done (arg);
        return;
    }
    //  Workers hear that the broker goes, so they reconnect rather than wait out a liveness window.
    nq_registry_t *reg = nq_engine_registry (self->engine);
    for (nq_bworker_t *w = nq_registry_first (reg); w; w = nq_registry_next (reg))
        s_io_disconnect (self, w->identity.data, w->identity.size, "broker stopping");
    NQ_LOG_INFO ("broker_stopping", NQ_LU ("jobs", nq_engine_jobs (self->engine)),
                 NQ_LU ("running", nq_engine_running (self->engine)));
    uv_prepare_stop (&self->prepare);
    uv_timer_stop (&self->deadline);
    uv_close ((uv_handle_t *) &self->prepare, s_handle_closed);
    uv_close ((uv_handle_t *) &self->deadline, s_handle_closed);
    if (self->web) {
        self->handles++;
        nq_broker_http_stop (self->web, s_web_stopped, self);
        self->web = NULL;
    }
    nq_zuv_close (self->zfront, s_zuv_closed);
    nq_zuv_close (self->zback, s_zuv_closed);
    self->zfront = self->zback = NULL;
}

void
nq_broker_destroy (nq_broker_t **self_p)
{
    assert (self_p);
    nq_broker_t *self = *self_p;
    if (!self)
        return;
    nq_engine_destroy (&self->engine);
    nq_journal_destroy (&self->journal);
    if (self->frontend)
        zmq_close (self->frontend);
    if (self->backend)
        zmq_close (self->backend);
    nq_free (self);
    *self_p = NULL;
}

nq_engine_t *
nq_broker_engine (nq_broker_t *self)
{
    return self->engine;
}

int
nq_broker_bind_backend (nq_broker_t *self, const char *endpoint)
{
    assert (self && self->started);
    if (zmq_bind (self->backend, endpoint) != 0) {
        NQ_LOG_ERROR ("bind_failed", NQ_LS ("endpoint", endpoint), NQ_LS ("error", zmq_strerror (zmq_errno ())));
        return NQ_EIO;
    }
    return 0;
}
