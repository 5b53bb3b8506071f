/*  journal_mem.h — the in-memory journal: nothing survives the process.

    It commits at once and keeps an account of every job it has seen
    (submitted, and whether a terminal event was written and how often) until
    the job is purged, so that tests and `novaq status` can prove that every
    accepted job reached exactly one terminal state. */
#ifndef NQ_JOURNAL_MEM_H
#define NQ_JOURNAL_MEM_H

#include "broker/journal.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t events[NQ_JEV__COUNT];    //  appended, per type
    uint64_t jobs_tracked;             //  submitted and not purged
    uint64_t jobs_open;                //  tracked with no terminal event yet
    uint64_t violations;               //  a second terminal event, or an event for an unknown job
} nq_journal_mem_stats_t;

/*  A memory journal. NULL on no memory. */
nq_journal_t *nq_journal_mem_new (void);

/*  The account so far (journal must be a memory journal). */
void nq_journal_mem_stats (nq_journal_t *journal, nq_journal_mem_stats_t *stats);

/*  Test seam: the next n appends fail with code (0 turns it off). */
void nq_journal_mem_fail_next (nq_journal_t *journal, unsigned n, int code);

#endif
