/*  journal_mem.c — the in-memory journal with its accounting (see
    journal_mem.h). */
#include "broker/journal_mem.h"

#include "common/alloc.h"
#include "common/errors.h"

#include <assert.h>
#include <czmq.h>
#include <string.h>

typedef struct {
    zhashx_t *jobs;    //  id → terminal count (boxed uint32_t)
    nq_journal_mem_stats_t stats;
    unsigned fail_next;
    int fail_code;
} s_mem_t;

static void
s_free_box (void **item)
{
    nq_free (*item);
    *item = NULL;
}

static int
s_is_terminal (nq_journal_event_type_t type)
{
    return type == NQ_JEV_SUCCEEDED || type == NQ_JEV_FAILED || type == NQ_JEV_CANCELLED
           || type == NQ_JEV_EXPIRED || type == NQ_JEV_DEAD;
}

static int
s_append (void *impl, const nq_journal_event_t *event, nq_journal_done_fn *done, void *arg)
{
    s_mem_t *self = impl;
    if (self->fail_next) {
        self->fail_next--;
        return self->fail_code;
    }
    const char *id = event->job->id;
    uint32_t *terminal = zhashx_lookup (self->jobs, id);
    switch (event->type) {
    case NQ_JEV_SUBMITTED:
        if (terminal)
            self->stats.violations++;
        else {
            terminal = nq_calloc (1, sizeof *terminal);
            if (!terminal || zhashx_insert (self->jobs, id, terminal) != 0) {
                nq_free (terminal);
                return NQ_ENOMEM;
            }
            self->stats.jobs_tracked++;
            self->stats.jobs_open++;
        }
        break;
    case NQ_JEV_PURGED:
        if (!terminal)
            self->stats.violations++;
        else {
            if (*terminal == 0)
                self->stats.jobs_open--;
            self->stats.jobs_tracked--;
            zhashx_delete (self->jobs, id);
        }
        break;
    case NQ_JEV_DLQ_RETRIED:
        //  A dead job lives again: it owes one more terminal event.
        if (!terminal || *terminal == 0)
            self->stats.violations++;
        else {
            (*terminal)--;
            if (*terminal == 0)
                self->stats.jobs_open++;
        }
        break;
    default:
        if (!terminal)
            self->stats.violations++;
        else if (s_is_terminal (event->type)) {
            if ((*terminal)++ > 0)
                self->stats.violations++;
            else
                self->stats.jobs_open--;
        }
        break;
    }
    self->stats.events[event->type]++;
    if (done)
        done (arg, 0);
    return 0;
}

static void
s_destroy (void *impl)
{
    s_mem_t *self = impl;
    zhashx_destroy (&self->jobs);
    nq_free (self);
}

static const nq_journal_ops_t s_ops = {"memory", 0, s_append, s_destroy};

nq_journal_t *
nq_journal_mem_new (void)
{
    s_mem_t *self = nq_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->jobs = zhashx_new ();
    if (!self->jobs) {
        nq_free (self);
        return NULL;
    }
    zhashx_set_destructor (self->jobs, s_free_box);
    nq_journal_t *journal = nq_journal_new (&s_ops, self);
    if (!journal)
        s_destroy (self);
    return journal;
}

void
nq_journal_mem_stats (nq_journal_t *journal, nq_journal_mem_stats_t *stats)
{
    s_mem_t *self = nq_journal_impl (journal);
    *stats = self->stats;
}

void
nq_journal_mem_fail_next (nq_journal_t *journal, unsigned n, int code)
{
    s_mem_t *self = nq_journal_impl (journal);
    self->fail_next = n;
    self->fail_code = code ? code : NQ_EIO;
}
