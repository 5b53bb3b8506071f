/*  journal.c — the journal interface (see journal.h). */
#include "broker/journal.h"

#include "common/alloc.h"

#include <assert.h>

struct nq_journal_t {
    const nq_journal_ops_t *ops;
    void *impl;
};

static const char *s_names[NQ_JEV__COUNT] = {"submitted", "dispatched", "succeeded", "failed",
                                             "retry",     "requeued",   "cancelled", "expired",
                                             "dead",      "dlq_retried", "purged"};

const char *
nq_journal_event_name (nq_journal_event_type_t type)
{
    return (unsigned) type < NQ_JEV__COUNT ? s_names[type] : "unknown";
}

nq_journal_t *
nq_journal_new (const nq_journal_ops_t *ops, void *impl)
{
    assert (ops && ops->append);
    nq_journal_t *self = nq_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->ops = ops;
    self->impl = impl;
    return self;
}

void
nq_journal_destroy (nq_journal_t **self_p)
{
    assert (self_p);
    nq_journal_t *self = *self_p;
    if (!self)
        return;
    if (self->ops->destroy)
        self->ops->destroy (self->impl);
    nq_free (self);
    *self_p = NULL;
}

int
nq_journal_append (nq_journal_t *self, const nq_journal_event_t *event, nq_journal_done_fn *done, void *arg)
{
    assert (self && event && event->job);
    return self->ops->append (self->impl, event, done, arg);
}

const char *
nq_journal_name (const nq_journal_t *self)
{
    return self->ops->name;
}

int
nq_journal_durable (const nq_journal_t *self)
{
    return self->ops->durable;
}

void *
nq_journal_impl (const nq_journal_t *self)
{
    return self->impl;
}
