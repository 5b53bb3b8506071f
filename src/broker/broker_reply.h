/*  broker_reply.h — what the broker sends back besides job traffic: REPLY
    bodies (job status, the admin snapshot, pong, ok) built as msgpack, and
    the one function that encodes and sends any NQP/1 message to a peer. */
#ifndef NQ_BROKER_REPLY_H
#define NQ_BROKER_REPLY_H

#include "broker/engine.h"
#include "common/protocol.h"
#include "common/zuv.h"

/*  Encodes msg and sends it to the peer identity on zuv. Returns 0 or the
    encoder's or zuv's code (failures other than an unknown peer are logged). */
int nq_broker_send (nq_zuv_t *zuv, const void *identity, size_t identity_size, const nq_msg_t *msg);

/*  REPLY {job_id, status, kind, model, tenant, user, class, attempt,
    failures, max_attempts, created_ms, ended_ms, error, history[]}. */
int nq_broker_reply_job (nq_zuv_t *zuv, const void *client, size_t size, uint64_t rid, const nq_bjob_t *job,
                         uint64_t now_wall_ms);
/*  REPLY with the admin snapshot: broker, counters, workers and their slots,
    queues with depth and oldest wait, dead letters. */
int nq_broker_reply_status (nq_zuv_t *zuv, const void *client, size_t size, uint64_t rid, nq_engine_t *engine,
                            nq_journal_t *journal);
/*  REPLY {dead: [...]} with at most max dead letters, oldest first. */
int nq_broker_reply_dead (nq_zuv_t *zuv, const void *client, size_t size, uint64_t rid, nq_engine_t *engine, size_t max);
/*  REPLY {ok: true, done: what}. */
int nq_broker_reply_ok (nq_zuv_t *zuv, const void *client, size_t size, uint64_t rid, const char *what);
/*  REPLY {ts_ms: the ping's, broker_ms: the broker's wall clock}. */
int nq_broker_reply_pong (nq_zuv_t *zuv, const void *client, size_t size, uint64_t rid, uint64_t ts_ms);

#endif
