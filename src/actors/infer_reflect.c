/*  infer_reflect.c — a reflect job on the inference actor: one
    non-streamed POST /api/chat whose `format` is the JSON schema of a
    self-assessment (reflect.h builds it), and the answer validated. An
    answer that is not that JSON is asked for once more (through the
    breaker again); a second invalid answer fails the job, not retryable,
    with `upstream_failed` and a message saying why. The model answered in
    both cases, so the breaker records successes. */
#include "actors/infer_int.h"
#include "actors/reflect.h"
#include "common/alloc.h"
#include "common/errors.h"
#include "common/log.h"

#include <stdio.h>

static void s_send (nq_infer_t *I);

static void
s_done (void *arg, nq_ollama_req_t *req, const nq_ollama_result_t *result)
{
    nq_infer_t *I = arg;
    (void)req;
    I->req = NULL;
    nq_infer_record (I, &result->call);
    const nq_job_t *job = nq_infer_job (I);
    const char *content =
        json_string_value (json_object_get (json_object_get (result->json, "message"), "content"));
    nq_reflect_answer_t a;
    const char *why = NULL;
    if (nq_reflect_parse (content, &a, &why) != 0) {
        NQ_LOG_WARN ("reflect_invalid_answer", NQ_LS ("job_id", job->id),
                     NQ_LS ("instance", nq_instance_name (I->inst)), NQ_LU ("try", I->tries),
                     NQ_LS ("why", why));
        if (I->tries < 2) {
            if (nq_infer_allow (I) == 0)
                s_send (I);
            return;
        }
        char msg[512];
        snprintf (msg, sizeof msg, "the model's self-assessment was not the requested JSON twice: %s", why);
        nq_infer_fail (I, NQ_EUPSTREAM_FAILED, msg, 0);
        return;
    }
    nq_msg_t m;
    nq_msg_init (&m, NQ_CMD_W_RESULT);
    nq_reflect_result_t *r = &m.u.result.body.reflect;
    r->attempted = a.attempted;
    r->aligned = a.aligned;
    r->alignment_score = a.alignment_score;
    r->improvement_notes = a.improvement_notes;
    r->self_assessment = a.self_assessment;
    nq_infer_result (I, &m);
    nq_reflect_answer_fini (&a);
}

static void
s_send (nq_infer_t *I)
{
    const nq_job_t *job = nq_infer_job (I);
    I->tries++;
    json_t *body = nq_reflect_request (&job->payload.reflect, job->model);
    nq_ollama_params_t p = {.model = job->model,
                            .messages = json_object_get (body, "messages"),
                            .format = json_object_get (body, "format"),
                            .options = json_object_get (body, "options"),
                            .no_stream = 1,
                            .traceparent = job->traceparent};
    nq_ollama_handler_t h = {NULL, s_done, nq_infer_on_error, I};
    int rc = body ? nq_ollama_chat (I->ollama, &p, &h, &I->req) : NQ_ENOMEM;
    json_decref (body);
    if (rc)
        nq_infer_fail_unsent (I, rc);
}

void
nq_infer_reflect_begin (nq_infer_t *I)
{
    s_send (I);
}
