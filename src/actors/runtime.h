/*  runtime.h — the actor runtime: N libuv loops, each on its own thread.

    A runtime owns its loops. Every actor is pinned to one loop for its whole
    life and runs there one message at a time; sends between loops go through
    the receiver's MPSC mailbox and a uv_async wake-up of its loop. Each loop
    keeps a ready queue of actors with mail (itself an MPSC queue with one
    wake-up per empty→non-empty transition) and a timer heap on the runtime's
    clock.

    Two ways to run it:
    - threaded (the default): nq_runtime_start spawns one thread per loop;
      timers fire on the system clock through one uv_timer per loop.
    - driven (threaded = 0): no threads; the caller runs every loop with
      nq_runtime_run_once / nq_runtime_settle. With a manual clock, timers fire
      when the caller has advanced the clock and runs the loops again — this is
      how tests exercise restart delays and windows without sleeping.

    nq_runtime_destroy stops every actor (roots first, so supervisors stop
    their children in order; then whatever is left), waits for each to close
    its handles, closes the loops' own handles and checks that uv_loop_close
    succeeds on each loop. */
#ifndef NQ_RUNTIME_H
#define NQ_RUNTIME_H

#include "common/clock.h"

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct nq_runtime_t nq_runtime_t;

/*  Called when a root supervisor gives up (see supervisor.h). The default
    logs nothing more and exits the process with status 1 (NQ_EXIT_FAILED). */
typedef void (nq_root_exit_fn) (nq_runtime_t *rt, const char *name, int reason, void *arg);

typedef struct {
    unsigned loops;                   //  number of loops (threads); default 1
    int threaded;                     //  1: a thread per loop (default); 0: driven by the caller
    nq_clock_t *clock;                //  time for timers and supervisors; default the system clock
    unsigned budget;                  //  most messages per activation; default 64
    uint64_t seed;                    //  seed for jitter generators; 0: from the OS
    uint64_t start_timeout_ms;        //  default for synchronous starts; default 5000
    uint64_t shutdown_grace_ms;       //  destroy: how long roots get before all are stopped; 2000
    nq_root_exit_fn *on_root_exit;    //  NULL: exit (1)
    void *on_root_exit_arg;
} nq_runtime_opts_t;

typedef struct {
    uint64_t actors_live;       //  started and not yet stopped
    uint64_t actors_started;    //  ever
    uint64_t dead_letters;      //  sends refused or dropped because the receiver stopped
    uint64_t late_replies;      //  replies that arrived after their ask timed out
    uint64_t activations;       //  actor activations (all loops)
    uint64_t messages;          //  messages handled (all loops)
} nq_runtime_stats_t;

/*  Fills opts with the defaults above. */
void nq_runtime_opts_default (nq_runtime_opts_t *opts);

/*  Creates a runtime (loops initialised, no thread yet). opts NULL means the
    defaults. The clock is borrowed and must outlive the runtime. NULL on no
    memory or when a loop cannot be initialised. */
nq_runtime_t *nq_runtime_new (const nq_runtime_opts_t *opts);

/*  Starts one thread per loop (threaded runtimes; a no-op when driven).
    Returns 0, or NQ_EINTERNAL when a thread cannot be created. */
int nq_runtime_start (nq_runtime_t *self);

/*  Driven runtimes: fires due timers and runs each loop once without
    blocking. Returns the amount of work done (activations, timers fired,
    handles closed); 0 means every loop is idle. */
size_t nq_runtime_run_once (nq_runtime_t *self);

/*  Driven runtimes: run_once until idle or max_rounds rounds; returns the
    total work done. */
size_t nq_runtime_settle (nq_runtime_t *self, size_t max_rounds);

/*  Stops every actor, joins the threads, closes the loops and frees the
    runtime; nulls *self_p and accepts NULL. Returns 0, or NQ_EINTERNAL when a
    loop still had handles open (a leak the tests treat as a failure). Call
    it from a thread that is not one of the runtime's loops. */
int nq_runtime_destroy (nq_runtime_t **self_p);

unsigned nq_runtime_loop_count (const nq_runtime_t *self);
/*  The libuv loop of index i (for handles owned by actors pinned there). */
uv_loop_t *nq_runtime_uv_loop (nq_runtime_t *self, unsigned i);
nq_clock_t *nq_runtime_clock (const nq_runtime_t *self);
/*  Index of the loop the calling thread is running, or -1. */
int nq_runtime_current_loop (const nq_runtime_t *self);
/*  Counters (any thread, each read atomically). */
void nq_runtime_stats (const nq_runtime_t *self, nq_runtime_stats_t *stats);
/*  Derives a seed for an owner's own generator (thread-safe). */
uint64_t nq_runtime_seed (nq_runtime_t *self);

/*  A root supervisor gave up: logs nothing itself (the supervisor has), then
    calls on_root_exit, whose default exits the process with status 1. */
void nq_runtime_root_exit (nq_runtime_t *self, const char *name, int reason);

#endif
