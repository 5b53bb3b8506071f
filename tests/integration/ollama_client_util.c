/*  ollama_client_util.c — see ollama_client_util.h. */
#include "ollama_client_util.h"

#include <stdio.h>
#include <string.h>

static void
s_chunk (void *arg, nq_ollama_req_t *req, const char *text, size_t len)
{
    oc_rec_t *rec = arg;
    if (rec->cancelled) {
        rec->calls_after_cancel++;
        return;
    }
    rec->chunks++;
    if (rec->text_len + len < sizeof rec->text) {
        memcpy (rec->text + rec->text_len, text, len);
        rec->text_len += len;
        rec->text[rec->text_len] = '\0';
    }
    if (rec->cancel_after && rec->chunks == rec->cancel_after) {
        rec->cancelled = 1;
        nq_ollama_cancel (rec->client, req);
    }
}

static void
s_done (void *arg, nq_ollama_req_t *req, const nq_ollama_result_t *result)
{
    (void)req;
    oc_rec_t *rec = arg;
    if (rec->cancelled) {
        rec->calls_after_cancel++;
        return;
    }
    rec->done++;
    rec->metrics = result->metrics;
    json_decref (rec->json);
    rec->json = json_deep_copy (result->json);
    rec->reused = result->reused_connection;
    rec->status = result->status;
    rec->verdict = result->verdict;
    rec->call = result->call;
}

static void
s_error (void *arg, nq_ollama_req_t *req, const nq_ollama_error_t *error)
{
    (void)req;
    oc_rec_t *rec = arg;
    if (rec->cancelled) {
        rec->calls_after_cancel++;
        return;
    }
    rec->failed++;
    rec->err = *error;
    snprintf (rec->message, sizeof rec->message, "%s", error->message ? error->message : "");
    snprintf (rec->timeout, sizeof rec->timeout, "%s", error->timeout ? error->timeout : "");
    rec->err.message = rec->message;
    rec->err.timeout = rec->timeout;
    rec->status = error->http_status;
    rec->verdict = error->verdict;
    rec->call = error->call;
}

nq_ollama_handler_t
oc_handler (oc_rec_t *rec)
{
    nq_ollama_handler_t h = {.chunk = s_chunk, .done = s_done, .error = s_error, .arg = rec};
    return h;
}

static void
s_guard (uv_timer_t *timer)
{
    *(int *)timer->data = 1;
}

static void
s_closed (uv_handle_t *handle)
{
    (void)handle;
}

int
oc_run_until (uv_loop_t *loop, const int *flag, int timeout_ms)
{
    uv_timer_t guard;
    int expired = 0;
    uv_timer_init (loop, &guard);
    guard.data = &expired;
    uv_timer_start (&guard, s_guard, (uint64_t)timeout_ms, 0);
    while (!*flag && !expired)
        uv_run (loop, UV_RUN_ONCE);
    uv_close ((uv_handle_t *)&guard, s_closed);
    uv_run (loop, UV_RUN_NOWAIT);
    return *flag != 0;
}

int
oc_run (uv_loop_t *loop, oc_rec_t *rec, int timeout_ms)
{
    int ended = 0;
    uv_timer_t guard;
    int expired = 0;
    uv_timer_init (loop, &guard);
    guard.data = &expired;
    uv_timer_start (&guard, s_guard, (uint64_t)timeout_ms, 0);
    while (!(ended = rec->done + rec->failed) && !expired)
        uv_run (loop, UV_RUN_ONCE);
    uv_close ((uv_handle_t *)&guard, s_closed);
    uv_run (loop, UV_RUN_NOWAIT);
    return ended != 0;
}

void
oc_rec_reset (oc_rec_t *rec)
{
    json_decref (rec->json);
    memset (rec, 0, sizeof *rec);
}

static void
s_client_closed (void *arg)
{
    *(int *)arg = 1;
}

int
oc_close (nq_ollama_t **client_p, uv_loop_t *loop)
{
    int closed = 0;
    nq_ollama_close (*client_p, s_client_closed, &closed);
    *client_p = NULL;
    for (int i = 0; i < 1000 && !closed; i++)
        uv_run (loop, UV_RUN_NOWAIT);
    uv_run (loop, UV_RUN_DEFAULT);
    return closed && uv_loop_alive (loop) == 0;
}

const char *
oc_url (int port)
{
    static char url[64];
    snprintf (url, sizeof url, "http://127.0.0.1:%d", port);
    return url;
}

json_t *
oc_messages (const char *text)
{
    return json_pack ("[{s:s, s:s}]", "role", "user", "content", text);
}
