/*  novaq.h — libnovaq, the client library of novaq.

    HTTP front ends, the novaq CLI and batch tools embed this to submit
    chat, embedding and reflection jobs to a broker and to follow them.

    The asynchronous API runs on the caller's libuv loop: a client is one
    ZeroMQ DEALER connected to the broker's frontend (it reconnects by
    itself, backing off from 100 ms to 5 s); each request is a call with
    handlers. A submission calls `accepted` once the broker has taken the
    job (durably, when the broker has a journal), `chunk` for each piece of
    streamed output (with its sequence number; `restart` means the job
    started over and what was shown should be dropped), and then exactly
    one of `result` or `error` — after which the call is gone. A call's
    deadline (timeout_ms) ends it with NQ_ETIMEOUT if the broker has not
    finished it by then. The message structs (nq_job_t, nq_result_t, …) are
    those of the NQP/1 protocol (common/protocol.h, docs/protocol.md).

    The blocking API (nq_sync_*) runs a private loop for one call at a time,
    for command-line tools. Neither API is thread-safe: one loop, one client. */
#ifndef NOVAQ_H
#define NOVAQ_H

#include "common/protocol.h"

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

typedef struct nq_client_t nq_client_t;
typedef struct nq_call_t nq_call_t;

typedef struct {
    /*  The broker accepted the submission: its job id (duplicate: an earlier
        job with the same idempotency key, which this call now follows). */
    void (*accepted) (void *arg, nq_call_t *call, const char *job_id, bool duplicate);
    /*  One piece of streamed output. */
    void (*chunk) (void *arg, nq_call_t *call, const nq_chunk_t *chunk);
    /*  Terminal: the job's result. */
    void (*result) (void *arg, nq_call_t *call, const nq_result_t *result);
    /*  Terminal: the request or the job failed (code is an NQ_E* code). */
    void (*error) (void *arg, nq_call_t *call, int code, const char *message, uint64_t retry_after_ms);
    /*  Terminal: the answer of a query, admin request or ping (msgpack). */
    void (*reply) (void *arg, nq_call_t *call, const nq_raw_t *data);
} nq_call_fn_t;

/*  Creates a client on loop connected to endpoint (a ZeroMQ endpoint, e.g.
    NOVAQ_FRONTEND's) through zmq_ctx (not owned). NULL on failure. */
nq_client_t *nq_client_new (uv_loop_t *loop, void *zmq_ctx, const char *endpoint);

/*  Ends every open call with NQ_ECLOSED, closes the client's handles and
    socket; done (may be NULL) runs when all is closed and the client freed. */
void nq_client_close (nq_client_t *self, void (*done) (void *arg), void *arg);

/*  Submits job (copied: the caller's memory may go after the call returns).
    token (may be NULL) is the service token. Returns the call, or NULL on
    no memory or an unencodable job (nothing is sent then). */
nq_call_t *nq_client_submit (nq_client_t *self, const nq_job_t *job, uint64_t timeout_ms, const nq_call_fn_t *fn,
                             void *arg);

/*  Asks to cancel a job: ends with error NQ_ECANCELLED once it is cancelled
    (or with the job's outcome if it finished first). */
nq_call_t *nq_client_cancel (nq_client_t *self, const char *job_id, const char *token, uint64_t timeout_ms,
                             const nq_call_fn_t *fn, void *arg);

/*  Queries a job: NQ_QUERY_STATUS answers with reply; NQ_QUERY_RESULT with
    result or error when it is finished (reply with its status otherwise);
    NQ_QUERY_STREAM follows its stream from from_seq to the end. */
nq_call_t *nq_client_query (nq_client_t *self, const char *job_id, nq_query_what_t what, uint64_t from_seq,
                            const char *token, uint64_t timeout_ms, const nq_call_fn_t *fn, void *arg);

/*  Sends an admin request (status, drain, pause, resume, scale). */
nq_call_t *nq_client_admin (nq_client_t *self, const nq_admin_t *admin, uint64_t timeout_ms, const nq_call_fn_t *fn,
                            void *arg);
nq_call_t *nq_client_ping (nq_client_t *self, uint64_t timeout_ms, const nq_call_fn_t *fn, void *arg);

/*  Stops a call's handlers from running; the job itself goes on. */
void nq_call_abandon (nq_call_t *call);
/*  The job id of a call (empty until accepted, for a submission). */
const char *nq_call_job_id (const nq_call_t *call);
/*  Calls not yet finished. */
size_t nq_client_pending (const nq_client_t *self);

/*  ---- blocking API --------------------------------------------------- */

/*  Runs one call to its end on a private loop. The handlers run as they
    would asynchronously. Returns the terminal outcome: 0 after result or
    reply, else the error's code. */
int nq_sync_submit (const char *endpoint, const nq_job_t *job, uint64_t timeout_ms, const nq_call_fn_t *fn,
                    void *arg);
int nq_sync_query (const char *endpoint, const char *job_id, nq_query_what_t what, uint64_t from_seq,
                   const char *token, uint64_t timeout_ms, const nq_call_fn_t *fn, void *arg);
int nq_sync_cancel (const char *endpoint, const char *job_id, const char *token, uint64_t timeout_ms,
                    const nq_call_fn_t *fn, void *arg);
int nq_sync_admin (const char *endpoint, const nq_admin_t *admin, uint64_t timeout_ms, const nq_call_fn_t *fn,
                   void *arg);

#endif
