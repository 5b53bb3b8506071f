/*  timer.c — each loop's timer heap on the runtime's clock (see actor.h,
    nq_actor_timer_start). A binary min-heap ordered by (due, id); cancelled
    entries are marked and freed lazily when they reach the top, so cancel is
    O(1). Loop thread only. */
#include "actors/actor_int.h"

#include "common/alloc.h"
#include "common/errors.h"

#include <assert.h>

static int
s_before (const nq_timer_ent_t *a, const nq_timer_ent_t *b)
{
    return a->due_ms < b->due_ms || (a->due_ms == b->due_ms && a->id < b->id);
}

static int
s_heap_push (nq_loop_t *loop, nq_timer_ent_t *ent)
{
    if (loop->heap_len == loop->heap_cap) {
        size_t cap = loop->heap_cap ? loop->heap_cap * 2 : 16;
        nq_timer_ent_t **heap = nq_realloc (loop->heap, cap * sizeof *heap);
        if (!heap)
            return NQ_ENOMEM;
        loop->heap = heap;
        loop->heap_cap = cap;
    }
    size_t i = loop->heap_len++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!s_before (ent, loop->heap[parent]))
            break;
        loop->heap[i] = loop->heap[parent];
        i = parent;
    }
    loop->heap[i] = ent;
    return 0;
}

static nq_timer_ent_t *
s_heap_pop (nq_loop_t *loop)
{
    assert (loop->heap_len > 0);
    nq_timer_ent_t *top = loop->heap[0];
    nq_timer_ent_t *last = loop->heap[--loop->heap_len];
    size_t i = 0, n = loop->heap_len;
    while (n > 0) {
        size_t child = 2 * i + 1;
        if (child >= n)
            break;
        if (child + 1 < n && s_before (loop->heap[child + 1], loop->heap[child]))
            child++;
        if (!s_before (loop->heap[child], last))
            break;
        loop->heap[i] = loop->heap[child];
        i = child;
    }
    if (n > 0)
        loop->heap[i] = last;
    return top;
}

static void
s_unlink (nq_timer_ent_t *ent)
{
    nq_actor_t *actor = ent->actor;
    if (!actor)
        return;
    if (ent->prev)
        ent->prev->next = ent->next;
    else
        actor->timers = ent->next;
    if (ent->next)
        ent->next->prev = ent->prev;
    ent->next = ent->prev = NULL;
    ent->actor = NULL;
}

nq_timer_ent_t *
nq_timer_add_ (nq_loop_t *loop, nq_actor_t *actor, uint64_t delay_ms, uint64_t repeat_ms, uint32_t type,
               uint32_t flags, uint64_t corr)
{
    nq_timer_ent_t *ent = nq_calloc (1, sizeof *ent);
    if (!ent)
        return NULL;
    ent->due_ms = nq_clock_now_ms (loop->rt->opts.clock) + delay_ms;
    ent->id = atomic_fetch_add (&loop->rt->next_id, 1);
    ent->repeat_ms = repeat_ms;
    ent->type = type;
    ent->flags = flags;
    ent->corr = corr ? corr : ent->id;
    if (s_heap_push (loop, ent) != 0) {
        nq_free (ent);
        return NULL;
    }
    ent->actor = actor;
    ent->next = actor->timers;
    if (actor->timers)
        actor->timers->prev = ent;
    actor->timers = ent;
    nq_loop_timers_changed_ (loop);
    return ent;
}

void
nq_timer_cancel_ (nq_timer_ent_t *ent)
{
    assert (ent);
    s_unlink (ent);
}

size_t
nq_timer_fire_due_ (nq_loop_t *loop, uint64_t now_ms)
{
    size_t fired = 0;
    while (loop->heap_len > 0 && loop->heap[0]->due_ms <= now_ms) {
        nq_timer_ent_t *ent = s_heap_pop (loop);
        nq_actor_t *actor = ent->actor;
        if (!actor) {
            nq_free (ent);
            continue;
        }
        nq_mail_t *msg = nq_mail_new (ent->type, NULL, 0);
        if (msg) {
            msg->flags = ent->flags;
            msg->corr = ent->corr;
            nq_actor_deliver_ (actor, msg, NQ_LANE_NORMAL, 0);
            fired++;
        }
        if (ent->repeat_ms && ent->actor && msg) {
            //  From now, not from the old due time: a stalled loop does not
            //  owe a burst of catch-up ticks.
            ent->due_ms = now_ms + ent->repeat_ms;
            if (s_heap_push (loop, ent) == 0)
                continue;
        }
        else if (!msg && ent->actor) {
            //  No memory for the message: try again shortly rather than lose it.
            ent->due_ms = now_ms + 1;
            if (s_heap_push (loop, ent) == 0)
                continue;
        }
        s_unlink (ent);
        nq_free (ent);
    }
    return fired;
}

uint64_t
nq_timer_next_due_ (nq_loop_t *loop)
{
    while (loop->heap_len > 0 && !loop->heap[0]->actor)
        nq_free (s_heap_pop (loop));
    return loop->heap_len ? loop->heap[0]->due_ms : UINT64_MAX;
}

void
nq_timer_heap_fini_ (nq_loop_t *loop)
{
    while (loop->heap_len > 0) {
        nq_timer_ent_t *ent = s_heap_pop (loop);
        s_unlink (ent);
        nq_free (ent);
    }
    nq_free (loop->heap);
    loop->heap = NULL;
    loop->heap_cap = 0;
}
