/*  mpsc.h — an intrusive, lock-free multi-producer single-consumer queue.

    Dmitry Vyukov's node-based MPSC design: producers on any thread push with
    one atomic exchange; the one consumer pops without atomics read-modify-
    write. Nodes are embedded in the queued objects (messages, actors), so a
    push never allocates. The queue does not count its items: callers that
    need "was it empty?" keep their own counter (see mailbox.h).

    A push is two steps (swing the tail, then link the previous node), so for
    a few instructions an item can be pushed but not yet reachable: pop then
    returns NULL while nq_mpsc_busy is true. Callers that know an item was
    pushed (their counter says so) retry. Everything here is inline because it
    sits on the hot path of every message. */
#ifndef NQ_MPSC_H
#define NQ_MPSC_H

#include <stdatomic.h>
#include <stddef.h>

typedef struct nq_mpsc_node_t {
    _Atomic (struct nq_mpsc_node_t *) next;
} nq_mpsc_node_t;

typedef struct {
    _Atomic (nq_mpsc_node_t *) tail;    //  producers swing this
    nq_mpsc_node_t *head;               //  consumer only
    nq_mpsc_node_t stub;
} nq_mpsc_t;

/*  Initialises an empty queue (the queue is embedded in its owner). */
static inline void
nq_mpsc_init (nq_mpsc_t *self)
{
    atomic_store_explicit (&self->stub.next, NULL, memory_order_relaxed);
    self->head = &self->stub;
    atomic_store_explicit (&self->tail, &self->stub, memory_order_release);
}

/*  Pushes node (from any thread). The node must not be in a queue. */
static inline void
nq_mpsc_push (nq_mpsc_t *self, nq_mpsc_node_t *node)
{
    atomic_store_explicit (&node->next, NULL, memory_order_relaxed);
    nq_mpsc_node_t *prev = atomic_exchange_explicit (&self->tail, node, memory_order_acq_rel);
    atomic_store_explicit (&prev->next, node, memory_order_release);
}

/*  Pops the oldest node, or NULL when the queue is empty or a push is half
    done (consumer thread only). */
static inline nq_mpsc_node_t *
nq_mpsc_pop (nq_mpsc_t *self)
{
    nq_mpsc_node_t *head = self->head;
    nq_mpsc_node_t *next = atomic_load_explicit (&head->next, memory_order_acquire);
    if (head == &self->stub) {
        if (!next)
            return NULL;
        self->head = next;
        head = next;
        next = atomic_load_explicit (&next->next, memory_order_acquire);
    }
    if (next) {
        self->head = next;
        return head;
    }
    nq_mpsc_node_t *tail = atomic_load_explicit (&self->tail, memory_order_acquire);
    if (head != tail)
        return NULL;    //  a producer is between its two steps
    nq_mpsc_push (self, &self->stub);
    next = atomic_load_explicit (&head->next, memory_order_acquire);
    if (next) {
        self->head = next;
        return head;
    }
    return NULL;
}

#endif
