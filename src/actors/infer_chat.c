/*  infer_chat.c — a chat job on the inference actor: one streamed
    POST /api/chat with the job's messages and options (never an option the
    job did not set: no num_ctx of our own, so a warm model is not reloaded),
    each piece of the reply sent on as a CHUNK when the job streams, and a
    RESULT with the text, done_reason, token counts and Ollama's timings.

    The call always streams from Ollama, even for a job that does not
    stream to its client: the idle timeout then watches a hung generation.
    A failure before any chunk reached the client is retryable as the
    client classifies it (the broker runs the job elsewhere); after chunks,
    only a job that asked for `restart` is retried (see infer.c). */
#include "actors/infer_int.h"
#include "common/alloc.h"
#include "common/errors.h"
#include "common/protocol_json.h"

#include <string.h>

static int
s_append (nq_infer_t *I, const char *text, size_t len)
{
    if (I->len + len + 1 > I->cap) {
        size_t cap = I->cap ? I->cap * 2 : 1024;
        while (cap < I->len + len + 1)
            cap *= 2;
        char *grown = nq_realloc (I->text, cap);
        if (!grown)
            return NQ_ENOMEM;
        I->text = grown;
        I->cap = cap;
    }
    memcpy (I->text + I->len, text, len);
    I->len += len;
    I->text[I->len] = '\0';
    return 0;
}

static void
s_chunk (void *arg, nq_ollama_req_t *req, const char *text, size_t len)
{
    nq_infer_t *I = arg;
    (void)req;
    if (len == 0)
        return;
    if (s_append (I, text, len) != 0) {
        nq_ollama_cancel (I->ollama, I->req);
        I->req = NULL;
        nq_infer_record_cancelled (I);
        nq_infer_fail (I, NQ_ENOMEM, "out of memory gathering the reply", I->slot.seq == 0);
        return;
    }
    if (nq_infer_job (I)->payload.chat.stream) {
        char *piece = nq_strndup (text, len);
        if (piece)
            nq_infer_chunk (I, piece);
        nq_free (piece);
    }
}

static void
s_done (void *arg, nq_ollama_req_t *req, const nq_ollama_result_t *result)
{
    nq_infer_t *I = arg;
    (void)req;
    I->req = NULL;
    nq_infer_record (I, &result->call);
    nq_msg_t m;
    nq_msg_init (&m, NQ_CMD_W_RESULT);
    nq_chat_result_t *c = &m.u.result.body.chat;
    const nq_ollama_metrics_t *x = &result->metrics;
    c->text = I->text ? I->text : "";
    c->done_reason = x->done_reason[0] ? x->done_reason : NULL;
    c->prompt_eval_count = x->prompt_eval_count;
    c->eval_count = x->eval_count;
    c->total_duration_ns = x->total_duration_ns;
    c->load_duration_ns = x->load_duration_ns;
    c->prompt_eval_duration_ns = x->prompt_eval_duration_ns;
    c->eval_duration_ns = x->eval_duration_ns;
    nq_infer_result (I, &m);
}

//  The job's options as Ollama's: only those the job set.
static json_t *
s_options (const nq_chat_options_t *o)
{
    json_t *j = json_object ();
    if (!j)
        return NULL;
    if (o->has & NQ_OPT_TEMPERATURE)
        json_object_set_new (j, "temperature", json_real (o->temperature));
    if (o->has & NQ_OPT_TOP_P)
        json_object_set_new (j, "top_p", json_real (o->top_p));
    if (o->has & NQ_OPT_TOP_K)
        json_object_set_new (j, "top_k", json_integer (o->top_k));
    if (o->has & NQ_OPT_NUM_PREDICT)
        json_object_set_new (j, "num_predict", json_integer (o->num_predict));
    if (o->has & NQ_OPT_NUM_CTX)
        json_object_set_new (j, "num_ctx", json_integer (o->num_ctx));
    if (o->has & NQ_OPT_SEED)
        json_object_set_new (j, "seed", json_integer (o->seed));
    if (o->stop_count) {
        json_t *stop = json_array ();
        for (size_t i = 0; stop && i < o->stop_count; i++)
            json_array_append_new (stop, json_string (o->stop[i]));
        json_object_set_new (j, "stop", stop);
    }
    return j;
}

static json_t *
s_messages (const nq_chat_t *chat)
{
    json_t *a = json_array ();
    for (size_t i = 0; a && i < chat->messages_count; i++) {
        const nq_chat_message_t *m = &chat->messages[i];
        const char *role = nq_role_name (m->role);
        json_array_append_new (a, json_pack ("{s:s, s:s}", "role", role ? role : "user", "content",
                                             m->content ? m->content : ""));
    }
    return a;
}

void
nq_infer_chat_begin (nq_infer_t *I)
{
    const nq_job_t *job = nq_infer_job (I);
    const nq_chat_t *chat = &job->payload.chat;
    json_t *messages = s_messages (chat);
    json_t *options = s_options (&chat->options);
    json_t *format = NULL;
    if (chat->format.size && nq_msgpack_to_json (chat->format.data, chat->format.size, NULL, &format) != 0) {
        json_decref (messages);
        json_decref (options);
        nq_infer_record_cancelled (I);    //  allowed, never sent
        nq_infer_fail (I, NQ_EINVALID, "the chat format is not a JSON value", 0);
        return;
    }
    nq_ollama_params_t p = {.model = job->model,
                            .messages = messages,
                            .options = options,
                            .format = format,
                            .traceparent = job->traceparent};
    nq_ollama_handler_t h = {s_chunk, s_done, nq_infer_on_error, I};
    int rc = messages ? nq_ollama_chat (I->ollama, &p, &h, &I->req) : NQ_ENOMEM;
    json_decref (messages);
    json_decref (options);
    json_decref (format);
    if (rc)
        nq_infer_fail_unsent (I, rc);
}
