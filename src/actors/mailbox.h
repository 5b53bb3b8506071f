/*  mailbox.h — an actor's mailbox: an MPSC queue with two lanes.

    Any thread may push; only the actor's loop pops. The system lane (stop,
    supervision, exits, timers of the runtime) is always served before the
    normal lane (work). One atomic counter covers both lanes: the push that
    moves it from 0 to 1 is told so, and only that sender wakes the actor —
    every other push is one exchange and one add. The consumer takes a
    snapshot of the counter at activation, pops at most that many (bounded by
    its budget) and then subtracts what it consumed: if messages remain, it
    re-arms itself instead of being woken again.

    Messages are allocated with nq_mail_new (payload copied inline) and owned
    by whoever holds them: the sender until the push, the mailbox until the
    pop, then the receiver. */
#ifndef NQ_MAILBOX_H
#define NQ_MAILBOX_H

#include "actors/mpsc.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct nq_actor_t;

typedef struct nq_mail_t {
    nq_mpsc_node_t node_;       //  private: the queue link
    uint32_t type;              //  application types are below NQ_MSG_SYSTEM
    uint32_t size;              //  bytes in data
    uint32_t flags;             //  NQ_MSGF_* (set by the runtime)
    uint64_t corr;              //  ask/reply correlation id, timer id for timer messages
    struct nq_actor_t *from;    //  set for asks and exits; the message holds a reference
    int reason;                 //  exit reason (system exit messages)
    unsigned char data[];       //  payload, size bytes (suitably aligned)
} nq_mail_t;

enum {
    NQ_MSGF_ASK = 1,      //  a request that expects nq_actor_reply; from is the asker
    NQ_MSGF_REPLY = 2,    //  the reply to an ask (corr matches)
    NQ_MSGF_TIMER = 4     //  fired by an actor timer (corr is the timer id)
};

typedef enum { NQ_LANE_NORMAL = 0, NQ_LANE_SYSTEM = 1 } nq_lane_t;

typedef struct {
    nq_mpsc_t lane[2];
    _Atomic size_t count;    //  messages pushed and not yet consumed, both lanes
} nq_mailbox_t;

/*  Allocates a message of type with a copy of size bytes of data (data may be
    NULL when size is 0). NULL on no memory. */
nq_mail_t *nq_mail_new (uint32_t type, const void *data, size_t size);
/*  Frees a message and nulls *self_p; accepts NULL. Does not touch from
    (the actor runtime releases that reference). */
void nq_mail_destroy (nq_mail_t **self_p);

void nq_mailbox_init (nq_mailbox_t *self);
/*  Frees every message still queued (single consumer, quiescent producers);
    returns how many there were. */
size_t nq_mailbox_fini (nq_mailbox_t *self);

/*  Pushes msg (ownership passes to the mailbox) on lane. Returns 1 when the
    mailbox went from empty to non-empty (the caller must wake the consumer),
    0 otherwise. Any thread. */
int nq_mailbox_push (nq_mailbox_t *self, nq_mail_t *msg, nq_lane_t lane);

/*  Messages pushed and not yet consumed (a snapshot). */
static inline size_t
nq_mailbox_pending (nq_mailbox_t *self)
{
    return atomic_load_explicit (&self->count, memory_order_acquire);
}

/*  Pops the next message, system lane first (consumer only). Call it only
    for messages the counter says are there: it waits out a producer caught
    between its two steps, so it never returns NULL in that case. Returns
    NULL only when both lanes are truly empty. */
nq_mail_t *nq_mailbox_pop (nq_mailbox_t *self);

/*  Tells the mailbox that n popped messages are consumed; returns how many
    remain. A non-zero return means the consumer must re-arm itself: no
    producer will wake it. */
size_t nq_mailbox_consumed (nq_mailbox_t *self, size_t n);

#endif
