/*  slot.c — the job life cycle of a slot actor; see slot.h. */
#include "actors/slot.h"

#include "common/alloc.h"
#include "common/errors.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

void
nq_slot_init (nq_slot_state_t *self, nq_actor_t *actor, nq_slot_arg_t *arg)
{
    assert (self && actor && arg);
    memset (self, 0, sizeof *self);
    self->actor = actor;
    self->arg = arg;
}

static void
s_free_job (nq_msg_t **job_p)
{
    if (*job_p) {
        nq_msg_fini (*job_p);
        nq_free (*job_p);
        *job_p = NULL;
    }
}

void
nq_slot_fini (nq_slot_state_t *self)
{
    assert (self);
    s_free_job (&self->job);
}

nq_actor_t *
nq_slot_link (const nq_slot_state_t *self)
{
    return atomic_load (&self->arg->ctx->link);
}

uint64_t
nq_slot_now (const nq_slot_state_t *self)
{
    return nq_clock_now_ms (nq_runtime_clock (nq_actor_runtime (self->actor)));
}

int
nq_slot_register (nq_slot_state_t *self)
{
    nq_actor_t *link = nq_slot_link (self);
    if (!link)
        return NQ_EUNAVAILABLE;
    return nq_link_register (link, self->actor, self->arg->kind, self->arg->inst);
}

int
nq_slot_take (nq_slot_state_t *self, const nq_mail_t *mail, int released)
{
    nq_msg_t *job;
    memcpy (&job, mail->data, sizeof job);
    if (!self->job) {
        self->job = job;
        self->seq = 0;
        self->started_ms = nq_slot_now (self);
        return 0;
    }
    //  The link gives a slot one job at a time; hand a second back.
    nq_msg_t m;
    nq_msg_init (&m, NQ_CMD_FAIL);
    snprintf (m.u.fail.job_id, sizeof m.u.fail.job_id, "%s", job->u.job.job.id);
    m.u.fail.attempt = job->u.job.attempt;
    m.u.fail.code = NQ_EUNAVAILABLE;
    m.u.fail.message = "slot busy";
    m.u.fail.retryable = true;
    m.u.fail.released = released != 0;
    nq_actor_t *link = nq_slot_link (self);
    if (link)
        nq_link_send (link, self->actor, &m, 0);
    s_free_job (&job);
    return NQ_EUNAVAILABLE;
}

int
nq_slot_is (const nq_slot_state_t *self, const nq_link_cancel_t *cancel)
{
    return self->job && self->job->u.job.attempt == cancel->attempt &&
           strcmp (nq_slot_job (self)->id, cancel->job_id) == 0;
}

void
nq_slot_chunk (nq_slot_state_t *self, const char *text)
{
    nq_msg_t m;
    nq_msg_init (&m, NQ_CMD_W_CHUNK);
    snprintf (m.u.chunk.job_id, sizeof m.u.chunk.job_id, "%s", nq_slot_job (self)->id);
    m.u.chunk.attempt = self->job->u.job.attempt;
    m.u.chunk.seq = self->seq++;
    m.u.chunk.text = text;
    nq_actor_t *link = nq_slot_link (self);
    if (link)
        nq_link_send (link, self->actor, &m, 0);
}

void
nq_slot_fail_init (const nq_slot_state_t *self, nq_msg_t *m, int code, const char *message, int retryable)
{
    nq_msg_init (m, NQ_CMD_FAIL);
    snprintf (m->u.fail.job_id, sizeof m->u.fail.job_id, "%s", nq_slot_job (self)->id);
    m->u.fail.attempt = self->job->u.job.attempt;
    m->u.fail.code = code;
    m->u.fail.message = message;
    m->u.fail.retryable = retryable;
}

void
nq_slot_result_fill (const nq_slot_state_t *self, nq_msg_t *m)
{
    const nq_job_t *job = nq_slot_job (self);
    nq_result_t *r = &m->u.result;
    snprintf (r->job_id, sizeof r->job_id, "%s", job->id);
    r->attempt = self->job->u.job.attempt;
    r->kind = job->kind;
    r->model_used = job->model;
    r->instance = nq_instance_name (self->arg->ctx->instances[self->arg->inst]);
    r->duration_ms = nq_slot_now (self) - self->started_ms;
}

int
nq_slot_finish (nq_slot_state_t *self, const nq_msg_t *last)
{
    nq_actor_t *link = nq_slot_link (self);
    if (link)
        nq_link_send (link, self->actor, last, 1);
    s_free_job (&self->job);
    return self->stop_after;
}

void
nq_slot_stop (nq_slot_state_t *self, int reason)
{
    //  Leave the link first so no new job comes; finish a running one.
    nq_actor_t *link = nq_slot_link (self);
    if (link)
        nq_link_unregister (link, self->actor);
    if (self->job)
        self->stop_after = 1;
    else
        nq_actor_exit (self->actor, reason);
}
