/*  client_sync.c — libnovaq's blocking API: one call on a private loop
    (see include/novaq.h). */
#include "novaq.h"

#include "common/errors.h"

#include <zmq.h>

typedef struct {
    const nq_call_fn_t *user;
    void *user_arg;
    int done;
    int rc;
} s_sync_t;

static void
s_accepted (void *arg, nq_call_t *call, const char *job_id, bool duplicate)
{
    s_sync_t *s = arg;
    if (s->user && s->user->accepted)
        s->user->accepted (s->user_arg, call, job_id, duplicate);
}

static void
s_chunk (void *arg, nq_call_t *call, const nq_chunk_t *chunk)
{
    s_sync_t *s = arg;
    if (s->user && s->user->chunk)
        s->user->chunk (s->user_arg, call, chunk);
}

static void
s_result (void *arg, nq_call_t *call, const nq_result_t *result)
{
    s_sync_t *s = arg;
    if (s->user && s->user->result)
        s->user->result (s->user_arg, call, result);
    s->done = 1;
    s->rc = 0;
}

static void
s_error (void *arg, nq_call_t *call, int code, const char *message, uint64_t retry_after_ms)
{
    s_sync_t *s = arg;
    if (s->user && s->user->error)
        s->user->error (s->user_arg, call, code, message, retry_after_ms);
    s->done = 1;
    s->rc = code ? code : NQ_EINTERNAL;
}

static void
s_reply (void *arg, nq_call_t *call, const nq_raw_t *data)
{
    s_sync_t *s = arg;
    if (s->user && s->user->reply)
        s->user->reply (s->user_arg, call, data);
    s->done = 1;
    s->rc = 0;
}

static const nq_call_fn_t s_fn = {s_accepted, s_chunk, s_result, s_error, s_reply};

typedef enum { S_SUBMIT, S_QUERY, S_CANCEL, S_ADMIN } s_op_t;

typedef struct {
    s_op_t op;
    const nq_job_t *job;
    const char *job_id;
    nq_query_what_t what;
    uint64_t from_seq;
    const char *token;
    const nq_admin_t *admin;
} s_req_t;

static int
s_run (const char *endpoint, const s_req_t *req, uint64_t timeout_ms, const nq_call_fn_t *fn, void *arg)
{
    uv_loop_t loop;
    if (uv_loop_init (&loop) != 0)
        return NQ_EIO;
    void *ctx = zmq_ctx_new ();
    s_sync_t s = {fn, arg, 0, 0};
    nq_client_t *client = ctx ? nq_client_new (&loop, ctx, endpoint) : NULL;
    int rc = NQ_EUNAVAILABLE;
    if (client) {
        nq_call_t *call = NULL;
        switch (req->op) {
        case S_SUBMIT:
            call = nq_client_submit (client, req->job, timeout_ms, &s_fn, &s);
            break;
        case S_QUERY:
            call = nq_client_query (client, req->job_id, req->what, req->from_seq, req->token, timeout_ms, &s_fn, &s);
            break;
        case S_CANCEL:
            call = nq_client_cancel (client, req->job_id, req->token, timeout_ms, &s_fn, &s);
            break;
        case S_ADMIN:
            call = nq_client_admin (client, req->admin, timeout_ms, &s_fn, &s);
            break;
        }
        if (!call)
            rc = NQ_EINVALID;
        else {
            while (!s.done && uv_run (&loop, UV_RUN_ONCE))
                ;
            rc = s.done ? s.rc : NQ_EINTERNAL;
        }
        nq_client_close (client, NULL, NULL);
        uv_run (&loop, UV_RUN_DEFAULT);
    }
    if (ctx)
        zmq_ctx_term (ctx);
    uv_loop_close (&loop);
    return rc;
}

int
nq_sync_submit (const char *endpoint, const nq_job_t *job, uint64_t timeout_ms, const nq_call_fn_t *fn, void *arg)
{
    s_req_t req = {.op = S_SUBMIT, .job = job};
    return s_run (endpoint, &req, timeout_ms, fn, arg);
}

int
nq_sync_query (const char *endpoint, const char *job_id, nq_query_what_t what, uint64_t from_seq, const char *token,
               uint64_t timeout_ms, const nq_call_fn_t *fn, void *arg)
{
    s_req_t req = {.op = S_QUERY, .job_id = job_id, .what = what, .from_seq = from_seq, .token = token};
    return s_run (endpoint, &req, timeout_ms, fn, arg);
}

int
nq_sync_cancel (const char *endpoint, const char *job_id, const char *token, uint64_t timeout_ms,
                const nq_call_fn_t *fn, void *arg)
{
    s_req_t req = {.op = S_CANCEL, .job_id = job_id, .token = token};
    return s_run (endpoint, &req, timeout_ms, fn, arg);
}

int
nq_sync_admin (const char *endpoint, const nq_admin_t *admin, uint64_t timeout_ms, const nq_call_fn_t *fn, void *arg)
{
    s_req_t req = {.op = S_ADMIN, .admin = admin};
    return s_run (endpoint, &req, timeout_ms, fn, arg);
}
