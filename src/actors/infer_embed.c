/*  infer_embed.c — an embed job on the inference actor: the job's inputs
    go to POST /api/embed in batches of at most NOVAQ_EMBED_BATCH, one after
    the other, each through the breaker; the vectors are gathered in input
    order into the RESULT's float32 payload (count, dimensions). A failed
    batch fails the job as the client classifies the error (nothing was
    shown to a client, so a retryable one runs again elsewhere); an answer
    with the wrong number of vectors or ragged dimensions is an upstream
    failure. */
#include "actors/infer_int.h"
#include "common/alloc.h"
#include "common/errors.h"
#include "common/log.h"

#include <stdio.h>
#include <string.h>

static void s_next (nq_infer_t *I);

//  A malformed answer: the instance misbehaved (a breaker failure).
static void
s_bad_answer (nq_infer_t *I, const nq_ollama_result_t *result, const char *why)
{
    nq_call_result_t call = result->call;
    call.kind = NQ_CALL_STREAM;
    nq_infer_record (I, &call);
    char msg[256];
    snprintf (msg, sizeof msg, "instance %s: %s", nq_instance_name (I->inst), why);
    nq_infer_fail (I, NQ_EUPSTREAM_FAILED, msg, 1);
}

static void
s_done (void *arg, nq_ollama_req_t *req, const nq_ollama_result_t *result)
{
    nq_infer_t *I = arg;
    (void)req;
    I->req = NULL;
    const nq_job_t *job = nq_infer_job (I);
    size_t total = job->payload.embed.inputs_count;
    json_t *emb = json_object_get (result->json, "embeddings");
    if (!json_is_array (emb) || json_array_size (emb) != I->batch) {
        s_bad_answer (I, result, "/api/embed answered a different number of vectors than inputs");
        return;
    }
    for (size_t i = 0; i < I->batch; i++) {
        json_t *v = json_array_get (emb, i);
        size_t dims = json_is_array (v) ? json_array_size (v) : 0;
        if (dims == 0 || (I->dims && dims != I->dims) || dims > 65536) {
            s_bad_answer (I, result, "/api/embed answered vectors of unequal or no dimensions");
            return;
        }
        if (!I->vectors) {
            I->dims = (uint32_t)dims;
            I->vectors = nq_calloc (total, dims * sizeof (float));
            if (!I->vectors) {
                nq_infer_record (I, &result->call);
                nq_infer_fail (I, NQ_ENOMEM, "out of memory gathering vectors", 1);
                return;
            }
        }
        float *row = I->vectors + (I->done + i) * I->dims;
        for (size_t d = 0; d < dims; d++) {
            json_t *x = json_array_get (v, d);
            if (!json_is_number (x)) {
                s_bad_answer (I, result, "/api/embed answered a vector with a non-number");
                return;
            }
            row[d] = (float)json_number_value (x);
        }
    }
    nq_infer_record (I, &result->call);
    I->prompt_eval_count += result->metrics.prompt_eval_count;
    I->done += I->batch;
    I->batch = 0;
    if (I->done < total) {
        s_next (I);
        return;
    }
    nq_msg_t m;
    nq_msg_init (&m, NQ_CMD_W_RESULT);
    nq_embed_result_t *r = &m.u.result.body.embed;
    r->count = (uint32_t)total;
    r->dimensions = I->dims;
    r->vectors = I->vectors;
    r->prompt_eval_count = I->prompt_eval_count;
    nq_infer_result (I, &m);
}

//  The next batch (the first one was admitted by the breaker in infer.c).
static void
s_send (nq_infer_t *I)
{
    const nq_job_t *job = nq_infer_job (I);
    const nq_embed_t *e = &job->payload.embed;
    size_t left = e->inputs_count - I->done;
    size_t max = nq_instance_embed_batch (I->inst);
    I->batch = left < max ? left : max;
    json_t *input = json_array ();
    for (size_t i = 0; input && i < I->batch; i++)
        json_array_append_new (input, json_string (e->inputs[I->done + i]));
    nq_ollama_params_t p = {.model = job->model,
                            .input = input,
                            .dimensions = e->dimensions,
                            .no_truncate = e->no_truncate,
                            .traceparent = job->traceparent};
    nq_ollama_handler_t h = {NULL, s_done, nq_infer_on_error, I};
    int rc = input ? nq_ollama_embed (I->ollama, &p, &h, &I->req) : NQ_ENOMEM;
    json_decref (input);
    if (rc)
        nq_infer_fail_unsent (I, rc);
}

static void
s_next (nq_infer_t *I)
{
    if (nq_infer_allow (I) == 0)
        s_send (I);
}

void
nq_infer_embed_begin (nq_infer_t *I)
{
    if (nq_infer_job (I)->payload.embed.inputs_count == 0) {
        nq_infer_record_cancelled (I);
        nq_infer_fail (I, NQ_EINVALID, "an embed job needs at least one input", 0);
        return;
    }
    s_send (I);
}
