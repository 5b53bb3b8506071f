/*  broker_reply.c — REPLY bodies as msgpack, and sending (see
    broker_reply.h). */
#include "broker/broker_reply.h"

#include "common/errors.h"
#include "common/log.h"
#include "common/protocol_zuv.h"

#include <msgpack.h>
#include <string.h>

int
nq_broker_send (nq_zuv_t *zuv, const void *identity, size_t identity_size, const nq_msg_t *msg)
{
    int rc = nq_msg_send_zuv (zuv, identity, identity_size, msg);
    if (rc && rc != NQ_ENOT_FOUND)
        NQ_LOG_WARN ("send_failed", NQ_LS ("command", nq_cmd_name (msg->cmd)), NQ_LS ("error", nq_strerror (rc)));
    return rc;
}

//  --------------------------------------------------------------------------
//  Packing helpers

static void
s_str (msgpack_packer *pk, const char *s)
{
    if (!s) {
        msgpack_pack_nil (pk);
        return;
    }
    size_t n = strlen (s);
    msgpack_pack_str (pk, n);
    msgpack_pack_str_body (pk, s, n);
}

static void
s_key (msgpack_packer *pk, const char *key)
{
    s_str (pk, key);
}

static void
s_kv_str (msgpack_packer *pk, const char *key, const char *value)
{
    s_key (pk, key);
    s_str (pk, value);
}

static void
s_kv_u64 (msgpack_packer *pk, const char *key, uint64_t value)
{
    s_key (pk, key);
    msgpack_pack_uint64 (pk, value);
}

static void
s_kv_bool (msgpack_packer *pk, const char *key, int value)
{
    s_key (pk, key);
    if (value)
        msgpack_pack_true (pk);
    else
        msgpack_pack_false (pk);
}

static int
s_reply (nq_zuv_t *zuv, const void *client, size_t size, uint64_t rid, msgpack_sbuffer *sbuf)
{
    nq_msg_t msg;
    nq_msg_init (&msg, NQ_CMD_REPLY);
    msg.u.reply.rid = rid;
    msg.u.reply.data = (nq_raw_t){(const uint8_t *) sbuf->data, sbuf->size};
    int rc = nq_broker_send (zuv, client, size, &msg);
    msgpack_sbuffer_destroy (sbuf);
    return rc;
}

//  "history": every attempt (worker, instance, duration, error).
static void
s_pack_history (msgpack_packer *pk, const nq_bjob_t *job)
{
    s_key (pk, "history");
    msgpack_pack_array (pk, job->history_count);
    for (size_t i = 0; i < job->history_count; i++) {
        const nq_attempt_t *a = &job->history[i];
        msgpack_pack_map (pk, 6);
        s_kv_u64 (pk, "attempt", a->attempt);
        s_kv_str (pk, "worker", a->worker);
        s_kv_str (pk, "instance", a->instance);
        s_kv_u64 (pk, "duration_ms", a->ended_ms > a->started_ms ? a->ended_ms - a->started_ms : 0);
        s_kv_str (pk, "error", a->code ? nq_error_wire (a->code) : NULL);
        s_kv_str (pk, "message", a->message[0] ? a->message : NULL);
    }
}

//  --------------------------------------------------------------------------

int
nq_broker_reply_job (nq_zuv_t *zuv, const void *client, size_t size, uint64_t rid, const nq_bjob_t *job,
                     uint64_t now_wall_ms)
{
    (void) now_wall_ms;
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init (&sbuf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &sbuf, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 14);
    s_kv_str (&pk, "job_id", job->id);
    s_kv_str (&pk, "status", nq_job_state_name (job->state));
    s_kv_str (&pk, "kind", nq_kind_name (job->kind));
    s_kv_str (&pk, "model", job->model);
    s_kv_str (&pk, "tenant", job->tenant);
    s_kv_str (&pk, "user", job->user);
    s_kv_str (&pk, "class", nq_class_name (job->klass));
    s_kv_u64 (&pk, "attempt", job->attempt);
    s_kv_u64 (&pk, "failures", job->failures);
    s_kv_u64 (&pk, "max_attempts", job->max_attempts);
    s_kv_u64 (&pk, "stream_seq", job->next_seq);
    s_key (&pk, "error");
    if (job->error_code) {
        msgpack_pack_map (&pk, 2);
        s_kv_str (&pk, "code", nq_error_wire (job->error_code));
        s_kv_str (&pk, "message", job->error_message);
    }
    else
        msgpack_pack_nil (&pk);
    s_kv_str (&pk, "correlation_id", job->correlation_id);
    s_pack_history (&pk, job);
    return s_reply (zuv, client, size, rid, &sbuf);
}

typedef struct {
    msgpack_packer *pk;
    size_t max, count, packing;
} s_dead_t;

static void
s_dead_one (void *arg, const nq_bjob_t *job)
{
    s_dead_t *d = arg;
    if (d->count >= d->max)
        return;
    d->count++;
    if (!d->packing)
        return;
    msgpack_packer *pk = d->pk;
    msgpack_pack_map (pk, 8);
    s_kv_str (pk, "job_id", job->id);
    s_kv_str (pk, "kind", nq_kind_name (job->kind));
    s_kv_str (pk, "model", job->model);
    s_kv_str (pk, "tenant", job->tenant);
    s_kv_str (pk, "class", nq_class_name (job->klass));
    s_kv_u64 (pk, "attempts", job->attempt);
    s_key (pk, "error");
    msgpack_pack_map (pk, 2);
    s_kv_str (pk, "code", nq_error_wire (job->error_code));
    s_kv_str (pk, "message", job->error_message);
    s_pack_history (pk, job);
}

int
nq_broker_reply_dead (nq_zuv_t *zuv, const void *client, size_t size, uint64_t rid, nq_engine_t *engine, size_t max)
{
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init (&sbuf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &sbuf, msgpack_sbuffer_write);
    s_dead_t d = {&pk, max, 0, 0};
    nq_engine_dead_each (engine, s_dead_one, &d);
    msgpack_pack_map (&pk, 1);
    s_key (&pk, "dead");
    msgpack_pack_array (&pk, d.count);
    d.count = 0;
    d.packing = 1;
    nq_engine_dead_each (engine, s_dead_one, &d);
    return s_reply (zuv, client, size, rid, &sbuf);
}

typedef struct {
    msgpack_packer *pk;
    uint64_t now_ms;
    size_t count;
    int pack;
} s_visit_t;

static void
s_visit_queue (void *arg, const char *key, nq_class_t klass, size_t depth, uint64_t oldest, int paused)
{
    s_visit_t *v = arg;
    v->count++;
    if (!v->pack)
        return;
    msgpack_pack_map (v->pk, 5);
    s_kv_str (v->pk, "queue", key);
    s_kv_str (v->pk, "class", nq_class_name (klass));
    s_kv_u64 (v->pk, "depth", depth);
    s_kv_u64 (v->pk, "oldest_wait_ms", oldest != UINT64_MAX && v->now_ms > oldest ? v->now_ms - oldest : 0);
    s_kv_bool (v->pk, "paused", paused);
}

static void
s_pack_strv (msgpack_packer *pk, char **v, size_t n)
{
    msgpack_pack_array (pk, n);
    for (size_t i = 0; i < n; i++)
        s_str (pk, v[i]);
}

int
nq_broker_reply_status (nq_zuv_t *zuv, const void *client, size_t size, uint64_t rid, nq_engine_t *engine,
                        nq_journal_t *journal)
{
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init (&sbuf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &sbuf, msgpack_sbuffer_write);
    nq_engine_stats_t st;
    nq_engine_stats (engine, &st);
    nq_admission_t *adm = nq_engine_admission (engine);
    uint64_t now = nq_clock_now_ms (nq_clock_system ());
    msgpack_pack_map (&pk, 4);

    s_key (&pk, "broker");
    msgpack_pack_map (&pk, 6);
    s_kv_str (&pk, "journal", nq_journal_name (journal));
    s_kv_str (&pk, "dispatch", nq_dispatch_name (nq_registry_dispatch (nq_engine_registry (engine))));
    s_kv_bool (&pk, "durable", nq_journal_durable (journal));
    s_kv_u64 (&pk, "jobs", nq_engine_jobs (engine));
    s_kv_u64 (&pk, "queued", nq_admission_queued (adm));
    s_kv_u64 (&pk, "running", nq_engine_running (engine));

    s_key (&pk, "counters");
    msgpack_pack_map (&pk, 15);
    s_kv_u64 (&pk, "submitted", st.submitted);
    s_kv_u64 (&pk, "accepted", st.accepted);
    s_kv_u64 (&pk, "refused", st.refused);
    s_kv_u64 (&pk, "coalesced", st.coalesced);
    s_kv_u64 (&pk, "dispatched", st.dispatched);
    s_kv_u64 (&pk, "succeeded", st.succeeded);
    s_kv_u64 (&pk, "failed", st.failed);
    s_kv_u64 (&pk, "cancelled", st.cancelled);
    s_kv_u64 (&pk, "expired", st.expired);
    s_kv_u64 (&pk, "dead", st.dead);
    s_kv_u64 (&pk, "retries", st.retries);
    s_kv_u64 (&pk, "requeued", st.requeued);
    s_kv_u64 (&pk, "stale", st.stale);
    s_kv_u64 (&pk, "workers_joined", st.workers_joined);
    s_kv_u64 (&pk, "workers_dead", st.workers_dead);

    nq_registry_t *reg = nq_engine_registry (engine);
    s_key (&pk, "workers");
    msgpack_pack_array (&pk, nq_registry_size (reg));
    for (nq_bworker_t *w = nq_registry_first (reg); w; w = nq_registry_next (reg)) {
        msgpack_pack_map (&pk, 8);
        s_kv_str (&pk, "id", w->id);
        s_kv_str (&pk, "name", w->name);
        s_kv_bool (&pk, "draining", w->draining);
        s_kv_u64 (&pk, "in_flight", w->in_flight);
        s_kv_u64 (&pk, "jobs_done", w->jobs_done);
        s_kv_u64 (&pk, "heartbeat_ms", w->heartbeat_ms);
        s_kv_u64 (&pk, "silent_ms", now > w->last_seen_ms ? now - w->last_seen_ms : 0);
        s_key (&pk, "slots");
        msgpack_pack_array (&pk, w->ngroups);
        for (size_t i = 0; i < w->ngroups; i++) {
            const nq_slot_group_t *g = &w->groups[i];
            msgpack_pack_map (&pk, 6);
            s_kv_str (&pk, "instance", g->instance);
            s_key (&pk, "kinds");
            size_t nk = 0;
            for (int k = NQ_KIND__FIRST; k < NQ_KIND__COUNT; k++)
                nk += (g->kinds >> k) & 1u;
            msgpack_pack_array (&pk, nk);
            for (int k = NQ_KIND__FIRST; k < NQ_KIND__COUNT; k++)
                if ((g->kinds >> k) & 1u)
                    s_str (&pk, nq_kind_name ((nq_kind_t) k));
            s_key (&pk, "models");
            s_pack_strv (&pk, g->models, g->nmodels);
            s_key (&pk, "warm");
            s_pack_strv (&pk, g->warm, g->nwarm);
            s_kv_u64 (&pk, "capacity", g->capacity);
            s_kv_u64 (&pk, "in_flight", g->in_flight);
        }
    }

    //  Queues: counted first, then packed (msgpack wants the length first).
    s_visit_t v = {&pk, now, 0, 0};
    nq_sched_visit (nq_engine_sched (engine), s_visit_queue, &v);
    s_key (&pk, "queues");
    msgpack_pack_array (&pk, v.count);
    v.pack = 1;
    nq_sched_visit (nq_engine_sched (engine), s_visit_queue, &v);
    return s_reply (zuv, client, size, rid, &sbuf);
}

int
nq_broker_reply_ok (nq_zuv_t *zuv, const void *client, size_t size, uint64_t rid, const char *what)
{
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init (&sbuf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &sbuf, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 2);
    s_kv_bool (&pk, "ok", 1);
    s_kv_str (&pk, "done", what);
    return s_reply (zuv, client, size, rid, &sbuf);
}

int
nq_broker_reply_pong (nq_zuv_t *zuv, const void *client, size_t size, uint64_t rid, uint64_t ts_ms)
{
    msgpack_sbuffer sbuf;
    msgpack_sbuffer_init (&sbuf);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &sbuf, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 2);
    s_kv_u64 (&pk, "ts_ms", ts_ms);
    s_kv_u64 (&pk, "broker_ms", nq_clock_wall_ms (nq_clock_system ()));
    return s_reply (zuv, client, size, rid, &sbuf);
}
