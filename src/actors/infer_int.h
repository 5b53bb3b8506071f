/*  infer_int.h — the inference slot actor's state, shared by infer.c (its
    life cycle, jobs, the breaker, replies) and the kind-specific parts
    infer_chat.c, infer_embed.c and infer_reflect.c. Private to them. */
#ifndef NQ_INFER_INT_H
#define NQ_INFER_INT_H

#include "actors/ollama.h"
#include "actors/slot.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    nq_slot_state_t slot;    //  the job being served, its chunk count (seq)
    nq_instance_t *inst;
    nq_ollama_t *ollama;
    nq_ollama_req_t *req;    //  the Ollama call in flight, or NULL
    //  chat
    char *text;    //  the reply so far
    size_t len, cap;
    //  embed
    float *vectors;
    size_t done;     //  inputs embedded so far
    size_t batch;    //  inputs of the call in flight
    uint32_t dims;
    uint64_t prompt_eval_count;
    //  reflect
    int tries;
} nq_infer_t;

/*  The job being served, and its payload. */
static inline const nq_job_t *
nq_infer_job (const nq_infer_t *I)
{
    return nq_slot_job (&I->slot);
}

/*  Asks the instance's breaker whether a call may go. 0, or the job has
    been handed back (FAIL upstream_unavailable, retryable, released: the
    attempt does not count) and the caller must stop. */
int nq_infer_allow (nq_infer_t *I);
/*  Records an Ollama call's outcome in the instance's breaker. */
void nq_infer_record (nq_infer_t *I, const nq_call_result_t *call);
/*  Records that an admitted call never completed (not sent, cancelled, or
    aborted): not an outcome, but it frees a half-open probe slot. */
void nq_infer_record_cancelled (nq_infer_t *I);
/*  Sends a CHUNK of the job (seq counts up from 0). */
void nq_infer_chunk (nq_infer_t *I, const char *text);
/*  The job's last message: RESULT (filled by the caller; job_id, attempt,
    kind, model_used, instance and duration are set here) or FAIL. The
    slot is free afterwards. */
void nq_infer_result (nq_infer_t *I, nq_msg_t *result);
void nq_infer_fail (nq_infer_t *I, int code, const char *message, int retryable);
/*  FAIL from an Ollama error, recorded in the breaker. output_sent: reply
    text already reached the client (then only a job that asked for
    restart may be retried). */
void nq_infer_fail_upstream (nq_infer_t *I, const nq_ollama_error_t *error, int output_sent);
/*  The error callback of every kind's Ollama calls (arg: the nq_infer_t):
    the call is over; the job fails as nq_infer_fail_upstream says, output
    counted as sent once a CHUNK went. */
void nq_infer_on_error (void *arg, nq_ollama_req_t *req, const nq_ollama_error_t *error);
/*  An admitted call could not be started (rc, an nq_ollama_* error): it
    is recorded as cancelled and the job fails, retryable unless rc is
    NQ_EINVALID. */
void nq_infer_fail_unsent (nq_infer_t *I, int rc);

/*  Kind-specific starts: each issues the first call, or fails the job. */
void nq_infer_chat_begin (nq_infer_t *I);
void nq_infer_embed_begin (nq_infer_t *I);
void nq_infer_reflect_begin (nq_infer_t *I);

#endif
