/*  mailbox.c — two-lane MPSC mailbox (see mailbox.h). */
#include "actors/mailbox.h"

#include "common/alloc.h"

#include <assert.h>
#include <sched.h>
#include <string.h>

nq_mail_t *
nq_mail_new (uint32_t type, const void *data, size_t size)
{
    assert (data || size == 0);
    if (size > UINT32_MAX)
        return NULL;
    nq_mail_t *self = nq_malloc (sizeof *self + size);
    if (!self)
        return NULL;
    self->type = type;
    self->size = (uint32_t)size;
    self->flags = 0;
    self->corr = 0;
    self->from = NULL;
    self->reason = 0;
    if (size)
        memcpy (self->data, data, size);
    return self;
}

void
nq_mail_destroy (nq_mail_t **self_p)
{
    assert (self_p);
    nq_free (*self_p);
    *self_p = NULL;
}

void
nq_mailbox_init (nq_mailbox_t *self)
{
    assert (self);
    nq_mpsc_init (&self->lane[NQ_LANE_NORMAL]);
    nq_mpsc_init (&self->lane[NQ_LANE_SYSTEM]);
    atomic_init (&self->count, 0);
}

size_t
nq_mailbox_fini (nq_mailbox_t *self)
{
    assert (self);
    size_t n = nq_mailbox_pending (self);
    for (size_t i = 0; i < n; i++) {
        nq_mail_t *msg = nq_mailbox_pop (self);
        nq_mail_destroy (&msg);
    }
    atomic_store (&self->count, 0);
    return n;
}

int
nq_mailbox_push (nq_mailbox_t *self, nq_mail_t *msg, nq_lane_t lane)
{
    assert (self && msg);
    nq_mpsc_push (&self->lane[lane], &msg->node_);
    //  Counted after the link so a consumer that sees the count can reach it
    //  (modulo another producer's half-done push, which pop waits out).
    return atomic_fetch_add_explicit (&self->count, 1, memory_order_acq_rel) == 0;
}

nq_mail_t *
nq_mailbox_pop (nq_mailbox_t *self)
{
    assert (self);
    for (unsigned spins = 0;; spins++) {
        nq_mpsc_node_t *node = nq_mpsc_pop (&self->lane[NQ_LANE_SYSTEM]);
        if (!node)
            node = nq_mpsc_pop (&self->lane[NQ_LANE_NORMAL]);
        if (node)
            return (nq_mail_t *)node;
        //  Empty for real only when no push is counted beyond what the
        //  consumer has popped; the caller's snapshot tells us it is not.
        if (atomic_load_explicit (&self->count, memory_order_acquire) == 0)
            return NULL;
        if (spins > 64)
            sched_yield ();
        if (spins > 100000)
            return NULL;    //  counted messages the caller already popped
    }
}

size_t
nq_mailbox_consumed (nq_mailbox_t *self, size_t n)
{
    assert (self);
    size_t before = atomic_fetch_sub_explicit (&self->count, n, memory_order_acq_rel);
    assert (before >= n);
    return before - n;
}
