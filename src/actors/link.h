/*  link.h — a worker's connection to the broker, as an actor.

    The link owns the worker's DEALER socket (on its actor loop, through
    zuv) and speaks the worker side of NQP/1: it introduces the worker with
    READY (one slot group per (instance, kind), as large as the number of
    slot actors of that instance and kind that registered, capped by the
    instance's breaker permits and 0 while its models are unknown), sends
    CREDIT (with the models and warm lists when they changed) whenever any
    of that changes, sends heartbeats and watches the
    broker's, hands each JOB to a free slot actor, relays what slot actors
    send back (chunks, results, failures), passes CANCEL to the actor running
    that attempt, answers SCALE by resizing the pools it names (and CREDIT
    follows as slot actors register or leave), and reconnects with READY
    when the broker says DISCONNECT or falls silent for liveness × heartbeat.

    Slot actors register when they start and unregister when they stop;
    they receive NQ_LINK_JOB mails and send NQP/1 messages to the broker with
    nq_link_send (any thread). A slot actor that dies holding a job is
    noticed at the next heartbeat and its job is failed back as retryable.

    Drain (SIGTERM): the link withdraws every credit (CREDIT 0), lets running
    jobs finish up to a deadline, fails what is left back to the broker as
    retryable, says BYE, and calls the worker's drained callback. */
#ifndef NQ_LINK_H
#define NQ_LINK_H

#include "actors/actor.h"
#include "common/protocol.h"

#include <stdint.h>

//  Mails.
enum {
    NQ_LINK_REGISTER = 0x100,    //  to the link: a slot actor is ready
    NQ_LINK_UNREGISTER,          //  to the link: a slot actor takes no more jobs
    NQ_LINK_SEND,                //  to the link: an encoded message for the broker
    NQ_LINK_FINISH,              //  to the link: a job's last message; the actor is free
    NQ_LINK_DRAIN,               //  to the link: stop taking work, finish, say BYE
    NQ_LINK_TICK,                //  the link's heartbeat timer
    NQ_LINK_REFRESH,             //  to the link: an instance changed (breaker, models, warm)
    NQ_LINK_JOB = 0x200,         //  to a slot actor: an nq_msg_t * (JOB) it now owns
    NQ_LINK_CANCEL               //  to a slot actor: nq_link_cancel_t
};

typedef struct {
    char job_id[NQ_ID_LEN + 1];
    uint32_t attempt;
} nq_link_cancel_t;

/*  Supervisor child start function of the link; arg is the worker's
    context (worker_int.h). */
int nq_link_start (nq_runtime_t *rt, nq_actor_t *parent, void *arg, nq_actor_t **child_p);

/*  Tells link that slot (of kind, serving instance inst — an index into the
    worker's instances) takes jobs, or no longer does. Any thread. */
int nq_link_register (nq_actor_t *link, nq_actor_t *slot, nq_kind_t kind, size_t inst);
int nq_link_unregister (nq_actor_t *link, nq_actor_t *slot);

/*  Encodes msg and has link send it to the broker; finish says it is the
    job's last message (slot is free again). Any thread. 0, or an encoder
    or send error. */
int nq_link_send (nq_actor_t *link, nq_actor_t *slot, const nq_msg_t *msg, int finish);

#endif
