/*  infer.c — the inference slot actor: one job at a time on one Ollama
    instance.

    A pool of these runs under each instance's supervisor (worker.h), one
    per Ollama slot for chat, and as many as configured for embed and
    reflect. Each owns an Ollama client (ollama.h) on its loop, so its
    connection to the instance is kept between jobs. A JOB from the link
    goes through the instance's breaker first: refused, it is handed back
    at once (FAIL upstream_unavailable, retryable, released — the attempt
    does not count, the broker places it elsewhere). Admitted, the kind's
    code (infer_chat.c, infer_embed.c, infer_reflect.c) makes the calls,
    every outcome is recorded in the breaker, and the job ends with RESULT
    or FAIL. CANCEL aborts the HTTP transfer (Ollama stops generating when
    the connection closes) and answers cancelled. A stop lets the running
    job finish first (the supervisor's shutdown time bounds it). */
#include "actors/infer_int.h"
#include "common/alloc.h"
#include "common/errors.h"
#include "common/log.h"

#include <stdio.h>
#include <string.h>

enum { S_EXIT = 0x500 };

//  The job's last message: it goes, and the slot is free (or leaves).
static void
s_end (nq_infer_t *I, const nq_msg_t *last)
{
    int stop = nq_slot_finish (&I->slot, last);
    I->req = NULL;
    nq_free (I->text);
    I->text = NULL;
    I->len = I->cap = 0;
    nq_free (I->vectors);
    I->vectors = NULL;
    if (stop)    //  not from inside a client callback: by mail
        nq_actor_send (I->slot.actor, S_EXIT, NULL, 0);
}

static void
s_fail_ex (nq_infer_t *I, int code, const char *message, int retryable, int released, uint64_t retry_after_ms)
{
    const nq_job_t *job = nq_infer_job (I);
    nq_msg_t m;
    nq_slot_fail_init (&I->slot, &m, code, message, retryable);
    m.u.fail.released = released;
    m.u.fail.retry_after_ms = retry_after_ms;
    NQ_LOG_INFO ("job_failed", NQ_LS ("job_id", job->id), NQ_LU ("attempt", m.u.fail.attempt),
                 NQ_LS ("instance", nq_instance_name (I->inst)), NQ_LS ("kind", nq_kind_name (job->kind)),
                 NQ_LS ("code", nq_error_name (code)), NQ_LS ("message", message),
                 NQ_LB ("retryable", retryable), NQ_LB ("released", released),
                 NQ_LS ("trace_id", job->traceparent), NQ_LS ("correlation_id", job->correlation_id));
    s_end (I, &m);
}

void
nq_infer_fail (nq_infer_t *I, int code, const char *message, int retryable)
{
    s_fail_ex (I, code, message, retryable, 0, 0);
}

int
nq_infer_allow (nq_infer_t *I)
{
    uint64_t retry_after = 0;
    if (nq_instance_allow (I->inst, &retry_after) == 0)
        return 0;
    char why[160];
    snprintf (why, sizeof why, "the circuit breaker of instance %s is %s", nq_instance_name (I->inst),
              nq_breaker_state_name (nq_instance_state (I->inst)));
    s_fail_ex (I, NQ_EUPSTREAM_UNAVAILABLE, why, 1, 1, retry_after);
    return NQ_EUPSTREAM_UNAVAILABLE;
}

void
nq_infer_record (nq_infer_t *I, const nq_call_result_t *call)
{
    nq_instance_record (I->inst, call);
}

void
nq_infer_record_cancelled (nq_infer_t *I)
{
    nq_call_result_t cancelled = {NQ_CALL_CANCELLED, 0, 0};
    nq_infer_record (I, &cancelled);
}

void
nq_infer_chunk (nq_infer_t *I, const char *text)
{
    nq_slot_chunk (&I->slot, text);
}

void
nq_infer_result (nq_infer_t *I, nq_msg_t *m)
{
    const nq_job_t *job = nq_infer_job (I);
    nq_result_t *r = &m->u.result;
    nq_slot_result_fill (&I->slot, m);
    NQ_LOG_INFO ("job_done", NQ_LS ("job_id", job->id), NQ_LU ("attempt", r->attempt),
                 NQ_LS ("instance", r->instance), NQ_LS ("kind", nq_kind_name (job->kind)),
                 NQ_LS ("model", job->model), NQ_LU ("duration_ms", r->duration_ms),
                 NQ_LS ("trace_id", job->traceparent), NQ_LS ("correlation_id", job->correlation_id));
    s_end (I, m);
}

void
nq_infer_fail_upstream (nq_infer_t *I, const nq_ollama_error_t *e, int output_sent)
{
    nq_infer_record (I, &e->call);
    char why[512];
    snprintf (why, sizeof why, "instance %s: %s%s%s", nq_instance_name (I->inst),
              e->message ? e->message : "", e->timeout ? " (timeout: " : "", e->timeout ? e->timeout : "");
    if (e->timeout)
        strncat (why, ")", sizeof why - strlen (why) - 1);
    if (!output_sent) {
        //  Nothing reached the client: the broker may run it elsewhere.
        nq_infer_fail (I, e->code, why, e->retryable);
        return;
    }
    //  Output already shown would be repeated by a retry: only a job that
    //  asked for restart may start over (the client gets a restart chunk).
    int restart = nq_infer_job (I)->kind == NQ_KIND_CHAT && nq_infer_job (I)->payload.chat.restart;
    nq_infer_fail (I, NQ_EUPSTREAM_FAILED, why, restart && e->retryable);
}

void
nq_infer_on_error (void *arg, nq_ollama_req_t *req, const nq_ollama_error_t *error)
{
    nq_infer_t *I = arg;
    (void)req;
    I->req = NULL;
    nq_infer_fail_upstream (I, error, I->slot.seq > 0);
}

void
nq_infer_fail_unsent (nq_infer_t *I, int rc)
{
    I->req = NULL;
    nq_infer_record_cancelled (I);
    nq_infer_fail (I, rc, "the Ollama request could not be started", rc != NQ_EINVALID);
}

//  ---------------------------------------------------------------------------

//  The job the slot has just taken.
static void
s_begin (nq_infer_t *I)
{
    I->done = I->batch = 0;
    I->dims = 0;
    I->prompt_eval_count = 0;
    I->tries = 0;
    const nq_job_t *j = nq_infer_job (I);
    if (j->kind != I->slot.arg->kind) {
        nq_infer_fail (I, NQ_EINVALID, "a job of another kind reached this slot", 1);
        return;
    }
    NQ_LOG_DEBUG ("job_started", NQ_LS ("job_id", j->id), NQ_LU ("attempt", I->slot.job->u.job.attempt),
                  NQ_LS ("instance", nq_instance_name (I->inst)), NQ_LS ("model", j->model),
                  NQ_LS ("correlation_id", j->correlation_id));
    if (nq_infer_allow (I) != 0)
        return;
    if (j->kind == NQ_KIND_CHAT)
        nq_infer_chat_begin (I);
    else if (j->kind == NQ_KIND_EMBED)
        nq_infer_embed_begin (I);
    else
        nq_infer_reflect_begin (I);
}

static void
s_cancel (nq_infer_t *I, const nq_link_cancel_t *c)
{
    if (!nq_slot_is (&I->slot, c))
        return;
    if (I->req) {
        nq_ollama_cancel (I->ollama, I->req);
        I->req = NULL;
        nq_infer_record_cancelled (I);    //  frees a half-open probe slot; not an outcome
    }
    NQ_LOG_INFO ("job_cancelled", NQ_LS ("job_id", c->job_id), NQ_LU ("attempt", c->attempt),
                 NQ_LS ("instance", nq_instance_name (I->inst)));
    nq_infer_fail (I, NQ_ECANCELLED, "cancelled", 0);
}

static int
s_handle (nq_actor_t *self, nq_mail_t *mail)
{
    nq_infer_t *I = nq_actor_state (self);
    switch (mail->type) {
    case NQ_LINK_JOB:
        if (nq_slot_take (&I->slot, mail, 1) == 0)
            s_begin (I);
        break;
    case NQ_LINK_CANCEL:
        s_cancel (I, (const nq_link_cancel_t *)(const void *)mail->data);
        break;
    case S_EXIT:
        nq_actor_exit (self, NQ_EXIT_SHUTDOWN);
        break;
    case NQ_MSG_STOP:
        nq_slot_stop (&I->slot, mail->reason);
        break;
    default:
        break;
    }
    return 0;
}

static int
s_init (nq_actor_t *self, void *arg)
{
    nq_infer_t *I = nq_calloc (1, sizeof *I);
    if (!I)
        return NQ_ENOMEM;
    nq_slot_init (&I->slot, self, arg);
    I->inst = I->slot.arg->ctx->instances[I->slot.arg->inst];
    nq_actor_set_state (self, I);
    I->ollama = nq_instance_ollama_new (I->inst, self);
    if (!I->ollama)
        return NQ_ENOMEM;
    return nq_slot_register (&I->slot);
}

static void
s_stopping (nq_actor_t *self, int reason)
{
    (void)reason;
    nq_infer_t *I = nq_actor_state (self);
    if (!I || !I->ollama)
        return;
    if (I->req) {
        //  Stopped with a call in flight (a crash, or shutdown ran out of
        //  time): the call is aborted; the link fails the job back.
        nq_infer_record_cancelled (I);
        I->req = NULL;
    }
    nq_ollama_close (I->ollama, NULL, NULL);
    I->ollama = NULL;
}

static void
s_fini (nq_actor_t *self)
{
    nq_infer_t *I = nq_actor_state (self);
    if (!I)
        return;
    nq_slot_fini (&I->slot);
    nq_free (I->text);
    nq_free (I->vectors);
    nq_free (I);
}

int
nq_infer_start (nq_runtime_t *rt, nq_actor_t *parent, void *arg, nq_actor_t **child_p)
{
    static const nq_actor_def_t def = {"infer", s_init, s_handle, s_stopping, s_fini, 1};
    nq_spawn_opts_t opts = {.loop = nq_actor_loop_index (parent), .parent = parent};
    return nq_actor_spawn (rt, &def, arg, &opts, child_p);
}
