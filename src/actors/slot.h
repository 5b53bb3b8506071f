/*  slot.h — the job life cycle every slot actor (echo.c, infer.c) shares.

    A slot actor registers with the link for its (instance, kind) and serves
    one JOB at a time: a second one is refused at once (FAIL unavailable
    "slot busy", retryable). What it sends about the job — CHUNKs, then one
    last RESULT or FAIL — goes through the link, and the last message frees
    the slot. A stop (the actor's def has handles_stop) leaves the link
    first, so no new job comes, and lets a running job finish.

    The actor embeds an nq_slot_state_t in its state and calls these
    functions on its own loop; what it does with a job (the kind-specific
    work, its timers and buffers) stays in the actor. */
#ifndef NQ_SLOT_H
#define NQ_SLOT_H

#include "actors/link.h"
#include "actors/worker_int.h"

#include <stdint.h>

typedef struct {
    nq_slot_arg_t *arg;
    nq_actor_t *actor;
    nq_msg_t *job;          //  the JOB being served (owned), or NULL
    uint64_t seq;           //  CHUNKs sent this attempt
    uint64_t started_ms;    //  when the job was taken
    int stop_after;         //  a stop was asked for while busy
} nq_slot_state_t;

/*  Sets up self for actor (borrowed) with its start argument arg
    (borrowed; it outlives the actor). Holds no job. */
void nq_slot_init (nq_slot_state_t *self, nq_actor_t *actor, nq_slot_arg_t *arg);
/*  Frees a job still held (the actor stopped while serving it: the link
    fails it back). Accepts a self that was never initialised (zeroed). */
void nq_slot_fini (nq_slot_state_t *self);

/*  Registers the actor with the running link for its (instance, kind).
    Returns 0, NQ_EUNAVAILABLE (no link) or nq_link_register's error. */
int nq_slot_register (nq_slot_state_t *self);

/*  The running link (borrowed), or NULL between links. */
nq_actor_t *nq_slot_link (const nq_slot_state_t *self);
/*  The runtime clock's monotonic milliseconds. */
uint64_t nq_slot_now (const nq_slot_state_t *self);

/*  The job being served; only while one is. */
static inline const nq_job_t *
nq_slot_job (const nq_slot_state_t *self)
{
    return &self->job->u.job.job;
}

/*  Takes the job of an NQ_LINK_JOB mail. An idle slot now holds it (seq
    and started_ms start over): returns 0. A busy slot refuses it — FAIL
    unavailable "slot busy", retryable, and released when released is
    non-zero (the attempt does not count) — frees it and returns
    NQ_EUNAVAILABLE. */
int nq_slot_take (nq_slot_state_t *self, const nq_mail_t *mail, int released);

/*  1 when cancel names the job being served (id and attempt), else 0. */
int nq_slot_is (const nq_slot_state_t *self, const nq_link_cancel_t *cancel);

/*  Sends a CHUNK of the job with the next seq. text is borrowed. */
void nq_slot_chunk (nq_slot_state_t *self, const char *text);

/*  Initialises m as a FAIL of the job being served with code, message
    (borrowed) and retryable; the caller may set more fields. */
void nq_slot_fail_init (const nq_slot_state_t *self, nq_msg_t *m, int code, const char *message,
                        int retryable);
/*  Sets what a RESULT m (initialised by the caller, who fills its body)
    says of the job being served: job_id, attempt, kind, model_used,
    instance and duration_ms. The strings are borrowed from the job and the
    instance. */
void nq_slot_result_fill (const nq_slot_state_t *self, nq_msg_t *m);

/*  Sends last (borrowed), the job's last message, and frees the job: the
    slot is free. Returns 1 when a stop waits for this job (the caller then
    ends the actor), else 0. */
int nq_slot_finish (nq_slot_state_t *self, const nq_msg_t *last);

/*  Handles NQ_MSG_STOP: leaves the link, then ends the actor with reason
    at once when idle, or after the running job's last message (see
    nq_slot_finish). */
void nq_slot_stop (nq_slot_state_t *self, int reason);

#endif
