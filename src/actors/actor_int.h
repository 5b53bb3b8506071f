/*  actor_int.h — private to the actor runtime (runtime.c, actor.c, timer.c):
    the structures of loops and actors. Nothing outside src/actors/ includes
    this file. */
#ifndef NQ_ACTOR_INT_H
#define NQ_ACTOR_INT_H

#include "actors/actor.h"
#include "actors/mailbox.h"
#include "actors/mpsc.h"
#include "actors/runtime.h"
#include "common/rng.h"

#include <pthread.h>
#include <stdatomic.h>

typedef struct nq_timer_ent_t nq_timer_ent_t;
typedef struct nq_loop_t nq_loop_t;

enum { NQ_ACTOR_STARTING = 0, NQ_ACTOR_RUNNING, NQ_ACTOR_STOPPING, NQ_ACTOR_STOPPED };

struct nq_timer_ent_t {
    uint64_t due_ms;
    uint64_t id;
    uint64_t repeat_ms;
    uint32_t type;
    uint32_t flags;    //  NQ_MSGF_TIMER, or 0 for ask timeouts
    uint64_t corr;
    nq_actor_t *actor;              //  NULL once cancelled (freed when it reaches the top)
    nq_timer_ent_t *next, *prev;    //  the actor's list of live timers
};

typedef struct nq_ask_t {
    uint64_t corr;
    uint64_t timer_id;
    struct nq_ask_t *next;
} nq_ask_t;

struct nq_loop_t {
    nq_runtime_t *rt;
    unsigned index;
    uv_loop_t uv;
    uv_async_t async;
    uv_timer_t timer;
    int handles_open;            //  async and timer initialised, not yet closed
    _Atomic int async_closed;    //  set when the async handle starts closing
    nq_mpsc_t ready;             //  actors with mail
    _Atomic size_t ready_count;
    pthread_t thread;
    int thread_started;
    //  Loop thread only:
    nq_timer_ent_t **heap;
    size_t heap_len, heap_cap;
    nq_actor_t *actors;    //  registry of started, not yet stopped actors
    int stop_phase_seen;
    size_t work;    //  work done, for run_once
    //  Written by the loop thread, read by stats:
    _Atomic uint64_t activations;
    _Atomic uint64_t messages;
};

struct nq_runtime_t {
    nq_runtime_opts_t opts;
    nq_loop_t *loops;
    unsigned nloops;
    pthread_mutex_t mutex;    //  start handshakes and the live count
    pthread_cond_t cond;
    _Atomic uint64_t live;
    _Atomic uint64_t started;
    _Atomic uint64_t dead_letters;
    _Atomic uint64_t late_replies;
    _Atomic uint64_t next_id;
    _Atomic int stop_phase;    //  0 running, 1 stop roots, 2 stop all
    _Atomic int closing;       //  every actor stopped: loops close their handles
    _Atomic uint64_t seed_seq;
    uint64_t seed_base;
};

struct nq_actor_t {
    nq_mpsc_node_t ready_node;    //  link in the loop's ready queue
    nq_mailbox_t mbox;
    _Atomic int refs;
    _Atomic int state;
    nq_runtime_t *rt;
    nq_loop_t *loop;
    nq_actor_def_t def;
    char *name;
    uint64_t id;
    void *state_ptr;
    void *init_arg;
    nq_actor_t *parent;    //  referenced
    _Atomic int exit_reason;
    //  Loop thread only:
    size_t handles;    //  owned handles not yet closed
    int stop_reason;
    nq_actor_t *reg_next, *reg_prev;
    nq_timer_ent_t *timers;
    nq_ask_t *asks;
    uint64_t next_corr;
    int exit_pending;    //  nq_actor_exit called during the current message
    int exit_pending_reason;
    //  Start handshake (under rt->mutex):
    int start_done;
    int start_rc;
    int start_abandoned;
};

/*  runtime.c */
extern _Thread_local nq_loop_t *nq_loop_current_;
void nq_loop_schedule_ (nq_loop_t *loop, nq_actor_t *actor);
/*  Wakes loop (uv_async_send) unless its async handle is closing: after that
    the runtime's destroy drains the ready queue itself. */
void nq_loop_wake_ (nq_loop_t *loop);
void nq_loop_timers_changed_ (nq_loop_t *loop);

/*  actor.c */
void nq_actor_run_ (nq_actor_t *self, unsigned budget);
void nq_actor_stop_now_ (nq_actor_t *self, int reason);
/*  Pushes msg (owned) to self on lane and wakes it; when self is not alive
    frees msg and returns NQ_ECLOSED, counting a dead letter if counted. */
int nq_actor_deliver_ (nq_actor_t *self, nq_mail_t *msg, nq_lane_t lane, int counted);

/*  timer.c: the per-loop timer heap on the runtime's clock. */
nq_timer_ent_t *nq_timer_add_ (nq_loop_t *loop, nq_actor_t *actor, uint64_t delay_ms, uint64_t repeat_ms,
                               uint32_t type, uint32_t flags, uint64_t corr);
void nq_timer_cancel_ (nq_timer_ent_t *ent);
/*  Fires every timer due at now; returns how many fired. */
size_t nq_timer_fire_due_ (nq_loop_t *loop, uint64_t now_ms);
/*  Due time of the earliest live timer, or UINT64_MAX. */
uint64_t nq_timer_next_due_ (nq_loop_t *loop);
void nq_timer_heap_fini_ (nq_loop_t *loop);

#endif
