/*  journal.h — where the broker writes down every job state transition.

    The journal is an interface with two implementations: memory (this
    issue; nothing survives a restart, and the broker says so at start) and
    PostgreSQL (later; ACCEPTED then means committed). The engine writes one
    event per transition, in order. Appending may complete asynchronously:
    done runs exactly once with 0 (durable) or a negative code, possibly
    before append returns. The engine waits for done only where the
    contract needs it (a submission is ACCEPTED after its commit). */
#ifndef NQ_JOURNAL_H
#define NQ_JOURNAL_H

#include "broker/job.h"

#include <stdint.h>

typedef enum {
    NQ_JEV_SUBMITTED = 0,    //  the job exists (carries the envelope and payload)
    NQ_JEV_DISPATCHED,       //  leased to a worker for an attempt
    NQ_JEV_SUCCEEDED,        //  terminal, with the result
    NQ_JEV_FAILED,           //  terminal, non-retryable failure
    NQ_JEV_RETRY,            //  a retryable failure; waits for its backoff
    NQ_JEV_REQUEUED,         //  back in the queue (after a backoff, a lost or released lease)
    NQ_JEV_CANCELLED,        //  terminal
    NQ_JEV_EXPIRED,          //  terminal, a deadline passed
    NQ_JEV_DEAD,             //  terminal, dead-lettered past its attempts
    NQ_JEV_DLQ_RETRIED,      //  taken out of the dead letters by an operator
    NQ_JEV_PURGED,           //  retention is over; the record is gone
    NQ_JEV__COUNT
} nq_journal_event_type_t;

typedef struct {
    nq_journal_event_type_t type;
    const nq_bjob_t *job;
    uint64_t at_ms;
    uint32_t attempt;
    const char *worker;      //  may be NULL
    int code;                //  error code for failures, 0 otherwise
    const char *message;     //  may be NULL
} nq_journal_event_t;

typedef void (nq_journal_done_fn) (void *arg, int rc);

typedef struct {
    const char *name;
    int durable;    //  1 when an appended event survives a crash of the broker
    int (*append) (void *impl, const nq_journal_event_t *event, nq_journal_done_fn *done, void *arg);
    void (*destroy) (void *impl);
} nq_journal_ops_t;

typedef struct nq_journal_t nq_journal_t;

/*  Wraps an implementation (ops static, impl owned). NULL on no memory. */
nq_journal_t *nq_journal_new (const nq_journal_ops_t *ops, void *impl);
void nq_journal_destroy (nq_journal_t **self_p);

/*  Appends event; done (may be NULL) runs exactly once when it is durable or
    failed. Returns 0 when taken (done will run), or a negative code when
    refused at once (done will not run). */
int nq_journal_append (nq_journal_t *self, const nq_journal_event_t *event, nq_journal_done_fn *done, void *arg);

const char *nq_journal_name (const nq_journal_t *self);
int nq_journal_durable (const nq_journal_t *self);
void *nq_journal_impl (const nq_journal_t *self);

/*  "submitted", "dispatched", … */
const char *nq_journal_event_name (nq_journal_event_type_t type);

#endif
