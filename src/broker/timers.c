/*  timers.c — a binary min-heap of deadlines (see timers.h). */
#include "broker/timers.h"

#include "common/alloc.h"
#include "common/errors.h"

#include <assert.h>

struct nq_timers_t {
    nq_timer_t *heap;
    size_t count, cap;
};

nq_timers_t *
nq_timers_new (void)
{
    return nq_calloc (1, sizeof (nq_timers_t));
}

void
nq_timers_destroy (nq_timers_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        nq_free ((*self_p)->heap);
        nq_free (*self_p);
        *self_p = NULL;
    }
}

static void
s_swap (nq_timer_t *a, nq_timer_t *b)
{
    nq_timer_t t = *a;
    *a = *b;
    *b = t;
}

static void
s_up (nq_timers_t *self, size_t i)
{
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (self->heap[parent].due_ms <= self->heap[i].due_ms)
            break;
        s_swap (&self->heap[parent], &self->heap[i]);
        i = parent;
    }
}

static void
s_down (nq_timers_t *self, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < self->count && self->heap[l].due_ms < self->heap[m].due_ms)
            m = l;
        if (r < self->count && self->heap[r].due_ms < self->heap[m].due_ms)
            m = r;
        if (m == i)
            return;
        s_swap (&self->heap[m], &self->heap[i]);
        i = m;
    }
}

int
nq_timers_add (nq_timers_t *self, uint64_t due_ms, void *owner, int kind, uint64_t generation)
{
    assert (self);
    if (self->count == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 64;
        nq_timer_t *heap = nq_realloc (self->heap, cap * sizeof *heap);
        if (!heap)
            return NQ_ENOMEM;
        self->heap = heap;
        self->cap = cap;
    }
    self->heap[self->count] = (nq_timer_t){due_ms, owner, kind, generation};
    s_up (self, self->count++);
    return 0;
}

uint64_t
nq_timers_next (const nq_timers_t *self)
{
    return self->count ? self->heap[0].due_ms : UINT64_MAX;
}

int
nq_timers_pop_due (nq_timers_t *self, uint64_t now_ms, nq_timer_t *timer)
{
    if (!self->count || self->heap[0].due_ms > now_ms)
        return 0;
    *timer = self->heap[0];
    self->heap[0] = self->heap[--self->count];
    s_down (self, 0);
    return 1;
}

size_t
nq_timers_size (const nq_timers_t *self)
{
    return self->count;
}

void
nq_timers_forget (nq_timers_t *self, const void *owner)
{
    size_t kept = 0;
    for (size_t i = 0; i < self->count; i++)
        if (self->heap[i].owner != owner)
            self->heap[kept++] = self->heap[i];
    self->count = kept;
    //  Rebuild the heap bottom-up.
    for (size_t i = self->count / 2; i-- > 0;)
        s_down (self, i);
}
