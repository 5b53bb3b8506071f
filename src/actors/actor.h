/*  actor.h — actors: state machines with a mailbox, run on a libuv loop.

    An actor is pinned to one loop of a runtime and handles one message at a
    time, to completion, never blocking the loop (blocking work goes to the
    libuv thread pool; I/O through handles the actor owns on its loop). Each
    activation handles at most the runtime's budget of messages, bounded by
    the mailbox snapshot taken when it starts, then re-arms, so no actor
    monopolises a loop.

    Life cycle:
    - nq_actor_spawn is synchronous: it returns once the actor's init has run
      on its loop and said "ready" (0), or with init's error, or NQ_ETIMEOUT.
      On the caller's own loop (and in driven runtimes) init runs inline.
    - A handler that returns a negative code crashes the actor: it stops with
      that code as its exit reason.
    - Stop is two-phase: stop requested → the stopping callback closes the
      handles the actor owns (nq_actor_close) → when the last one is closed
      the actor is stopped; its parent (if linked) then receives an
      NQ_MSG_EXIT message carrying the actor (from) and the reason.
    - Sending to an actor that is not running fails fast with NQ_ECLOSED and
      is counted as a dead letter; messages still queued when it stops are
      counted as dead letters too. Nothing is lost silently.

    References: an nq_actor_t pointer is a counted reference. spawn hands the
    caller one; nq_actor_ref takes another, nq_actor_unref drops one. A
    reference keeps the memory (and the state, see fini) alive, not the actor
    running. Every function here is thread-safe unless it says it runs "on
    the actor's loop" (inside its callbacks). */
#ifndef NQ_ACTOR_H
#define NQ_ACTOR_H

#include "actors/mailbox.h"
#include "actors/runtime.h"

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct nq_actor_t nq_actor_t;

/*  Message types at or above NQ_MSG_SYSTEM belong to the runtime. */
#define NQ_MSG_SYSTEM 0x80000000u
enum {
    NQ_MSG_START = NQ_MSG_SYSTEM,    //  internal: run init on the loop
    NQ_MSG_STOP,                     //  stop requested (reason in msg->reason)
    NQ_MSG_EXIT,                     //  a linked child stopped: from = child, reason
    NQ_MSG_ASK_TIMEOUT               //  an ask got no reply in time: corr = the ask
};

/*  Exit reasons: >= 0 are orderly, < 0 (an NQ_E* code) are failures. */
enum { NQ_EXIT_NORMAL = 0, NQ_EXIT_SHUTDOWN = 1 };

typedef struct {
    const char *name;    //  for logs (copied)
    /*  On the actor's loop, before any message: set up state and handles.
        Return 0 when ready, or a negative code to fail the start (the actor
        then stops: its stopping callback runs to close what init opened). */
    int (*init) (nq_actor_t *self, void *arg);
    /*  On the actor's loop: handle msg (owned by the runtime; copy what you
        keep). Return 0, or a negative code to crash the actor. */
    int (*handle) (nq_actor_t *self, nq_mail_t *msg);
    /*  On the actor's loop, once, when it starts to stop: close every owned
        handle with nq_actor_close. May be NULL. */
    void (*stopping) (nq_actor_t *self, int reason);
    /*  When the last reference goes (any thread): free the state. May be
        NULL. Touch nothing but memory here. */
    void (*fini) (nq_actor_t *self);
    /*  When non-zero, NQ_MSG_STOP is handed to handle instead of stopping the
        actor at once; the actor calls nq_actor_exit when it is done (a
        supervisor stops its children first). */
    int handles_stop;
} nq_actor_def_t;

typedef struct {
    unsigned loop;                //  loop index (< nq_runtime_loop_count)
    nq_actor_t *parent;           //  linked parent, or NULL (borrowed; referenced inside)
    uint64_t start_timeout_ms;    //  0: the runtime's default
} nq_spawn_opts_t;

/*  Creates an actor from def (copied) with init's argument arg, on the loop
    and with the parent that opts names (NULL opts: loop 0, no parent), and
    waits until it is ready. Returns 0 and a reference in *actor_p; or init's
    code, NQ_ETIMEOUT (the actor is stopped as soon as it is ready), NQ_ENOMEM,
    NQ_ECLOSED (the runtime is shutting down), NQ_ERANGE (bad loop index). */
int nq_actor_spawn (nq_runtime_t *rt, const nq_actor_def_t *def, void *arg, const nq_spawn_opts_t *opts,
                    nq_actor_t **actor_p);

/*  Takes another reference; returns self. */
nq_actor_t *nq_actor_ref (nq_actor_t *self);
/*  Drops the reference *self_p (NULL accepted) and nulls it. The last one
    frees the actor (after it stopped; a running actor also holds one). */
void nq_actor_unref (nq_actor_t **self_p);

/*  Sends a copy of size bytes of data as a message of type (< NQ_MSG_SYSTEM).
    Returns 0, NQ_ECLOSED (the actor is not running: a dead letter) or
    NQ_ENOMEM. */
int nq_actor_send (nq_actor_t *to, uint32_t type, const void *data, size_t size);

/*  Sends a message built with nq_mail_new; takes ownership of *msg_p in every
    case and nulls it. Same returns as nq_actor_send. */
int nq_actor_post (nq_actor_t *to, nq_mail_t **msg_p);

/*  Requests a stop with reason (any thread, system lane, ahead of work).
    Returns 0, or NQ_ECLOSED when it is already stopping or stopped. */
int nq_actor_stop (nq_actor_t *to, int reason);

/*  On the actor's loop: stop self with reason (after the current message). */
void nq_actor_exit (nq_actor_t *self, int reason);

/*  On self's loop: sends a request that expects a reply within timeout_ms.
    The reply arrives at self as a message with NQ_MSGF_REPLY and the same
    corr; if none arrives in time, an NQ_MSG_ASK_TIMEOUT message with that
    corr arrives instead (exactly one of the two). Returns 0 and the
    correlation id in *corr_p, or an nq_actor_send error. */
int nq_actor_ask (nq_actor_t *self, nq_actor_t *to, uint32_t type, const void *data, size_t size,
                  uint64_t timeout_ms, uint64_t *corr_p);

/*  Answers request (a message with NQ_MSGF_ASK) with a message of type.
    Returns 0, NQ_ECLOSED (the asker is gone), NQ_EINVALID (not an ask). */
int nq_actor_reply (const nq_mail_t *request, uint32_t type, const void *data, size_t size);

/*  On self's loop: after delay_ms (then every repeat_ms when non-zero), a
    message of type with NQ_MSGF_TIMER and corr = the timer id is delivered
    to self. Timers are cancelled when the actor stops. Returns the timer id
    (non-zero), or 0 on no memory. */
uint64_t nq_actor_timer_start (nq_actor_t *self, uint64_t delay_ms, uint64_t repeat_ms, uint32_t type);
/*  On self's loop: cancels a timer. Returns 0 or NQ_ENOT_FOUND. */
int nq_actor_timer_cancel (nq_actor_t *self, uint64_t timer_id);

/*  On self's loop: declares that handle h (initialised on nq_actor_uv_loop)
    belongs to self, so the actor is stopped only after it is closed. */
void nq_actor_own (nq_actor_t *self, uv_handle_t *h);
/*  On self's loop: closes an owned handle; close_cb (may be NULL) is called
    with it once libuv has closed it, to free its memory. h->data is kept. */
void nq_actor_close (nq_actor_t *self, uv_handle_t *h, uv_close_cb close_cb);
/*  The same two as ownership hooks for a component that makes libuv
    handles on an actor's behalf (nq_zuv_set_owner, nq_curl_uv_set_owner,
    nq_ollama_set_owner), with the actor as their arg. On its loop. */
void nq_actor_hook_own (void *actor, uv_handle_t *h);
void nq_actor_hook_close (void *actor, uv_handle_t *h, uv_close_cb close_cb);

uv_loop_t *nq_actor_uv_loop (nq_actor_t *self);
unsigned nq_actor_loop_index (const nq_actor_t *self);
nq_runtime_t *nq_actor_runtime (nq_actor_t *self);
void *nq_actor_state (nq_actor_t *self);
void nq_actor_set_state (nq_actor_t *self, void *state);
const char *nq_actor_name (const nq_actor_t *self);
/*  Unique id within the process (non-zero). */
uint64_t nq_actor_id (const nq_actor_t *self);
/*  1 while the actor is starting or running (not stopping or stopped). */
int nq_actor_is_alive (const nq_actor_t *self);
/*  The exit reason once stopped (0 before). */
int nq_actor_exit_reason (const nq_actor_t *self);

#endif
