/*  supervisor.h — OTP-style supervisors: actors that start, watch and
    restart other actors.

    A supervisor is an actor. It starts its children in order when it
    starts, and every child is linked to it (the child's start function
    passes the supervisor as parent to nq_actor_spawn or
    nq_supervisor_start), so it hears of each exit. On a child's exit its
    restart type decides whether to restart it (permanent: always;
    transient: only after a failure, reason < 0; temporary: never — it is
    removed), and the strategy decides what else happens:
      one_for_one   only that child is restarted;
      one_for_all   the others are stopped in reverse order, then all are
                    restarted in order;
      rest_for_one  the children started after it are stopped in reverse
                    order, then it and they are restarted in order;
      pool          identical dynamic children from one template, grown and
                    shrunk at run time (nq_supervisor_pool_resize); a failed
                    one is restarted alone.
    Restarts wait a delay with exponential backoff and jitter (per child; the
    count starts over once a child has lived reset_after_ms). A restart whose
    start fails is retried later by a timer message to the supervisor itself
    — it never blocks its loop waiting.

    Restart intensity: more than `intensity` restarts within `period_ms` on
    the monotonic clock (failed restart attempts included) and the supervisor
    gives up: it logs supervisor_gave_up, stops its children in reverse order
    and exits with NQ_EUNAVAILABLE, which its own supervisor sees as a failure
    (escalation). A root supervisor (no parent) that gives up ends the
    process with a non-zero status through nq_runtime_root_exit, so systemd
    or Kubernetes restarts it and the broker requeues its leases.

    Stopping a supervisor (nq_actor_stop) stops its children in reverse
    order, each given its shutdown_ms to finish (then it is abandoned and
    logged: an actor cannot be killed), and then the supervisor.

    A supervisor can own one object for its children (user, e.g. the breaker
    of an Ollama instance), which therefore survives their restarts. */
#ifndef NQ_SUPERVISOR_H
#define NQ_SUPERVISOR_H

#include "actors/actor.h"
#include "common/backoff.h"

#include <stddef.h>
#include <stdint.h>

typedef enum { NQ_RESTART_PERMANENT = 0, NQ_RESTART_TRANSIENT, NQ_RESTART_TEMPORARY } nq_restart_t;

typedef enum {
    NQ_SUP_ONE_FOR_ONE = 0,
    NQ_SUP_ONE_FOR_ALL,
    NQ_SUP_REST_FOR_ONE,
    NQ_SUP_POOL
} nq_sup_strategy_t;

/*  Starts one child linked to parent (pass parent in nq_spawn_opts_t) and
    returns 0 with a reference in *child_p, or a negative code. Called on the
    supervisor's loop. */
typedef int (nq_child_start_fn) (nq_runtime_t *rt, nq_actor_t *parent, void *arg, nq_actor_t **child_p);

typedef struct {
    const char *id;    //  unique among the supervisor's children (copied)
    nq_child_start_fn *start;
    void *arg;    //  borrowed; must outlive the supervisor
    nq_restart_t restart;
    uint64_t shutdown_ms;    //  how long a stop may take; 0: 5000
} nq_child_spec_t;

typedef struct {
    const char *name;    //  for logs (copied)
    nq_sup_strategy_t strategy;
    unsigned intensity;    //  restarts allowed within period_ms
    uint64_t period_ms;
    nq_backoff_t restart_delay;         //  delay before restart n of a child
    uint64_t reset_after_ms;            //  a child alive this long starts its backoff over
    unsigned loop;                      //  the supervisor's loop
    const nq_child_spec_t *children;    //  static children, in start order (copied)
    size_t nchildren;
    nq_child_spec_t pool_child;        //  pool: the template (id is a prefix)
    unsigned pool_size;                //  pool: children at start
    void *user;                        //  owned by the supervisor from start on
    void (*user_free) (void *user);    //  frees user with the supervisor (may be NULL)
} nq_supervisor_opts_t;

typedef struct {
    size_t children;           //  child specs held
    size_t running;            //  children alive now
    uint64_t restarts;         //  restarts done (all children)
    uint64_t failed_starts;    //  restart attempts whose start failed
    size_t pending;            //  children waiting for a (re)start
    int gave_up;               //  intensity exceeded
} nq_supervisor_info_t;

typedef struct {
    char id[64];
    int running;
    uint64_t restarts;
    uint64_t actor_id;    //  current incarnation (0 when down)
} nq_child_info_t;

/*  Fills opts with the defaults (docs/actors.md). */
void nq_supervisor_opts_default (nq_supervisor_opts_t *opts);

/*  Starts a supervisor linked to parent (NULL for a root) and its children
    in order; returns 0 with a reference in *sup_p. When a child fails to
    start, the ones already started are stopped and the child's code is
    returned (user is freed then too). NQ_EINVALID for duplicate or missing
    ids or a pool without a template, and NQ_ENOMEM before the supervisor
    exists: in those two cases the caller keeps user. */
int nq_supervisor_start (nq_runtime_t *rt, const nq_supervisor_opts_t *opts, nq_actor_t *parent,
                         nq_actor_t **sup_p);

/*  Pool supervisors: asks for n children (grow starts new ones at the end;
    shrink stops the newest first). Any thread; applied on the supervisor's
    loop. Returns 0, NQ_EINVALID (not a pool) or NQ_ECLOSED. */
int nq_supervisor_pool_resize (nq_actor_t *sup, unsigned n);

/*  Introspection for status and metrics (any thread). */
void nq_supervisor_info (nq_actor_t *sup, nq_supervisor_info_t *info);
/*  Fills *info for child index i (start order); NQ_ENOT_FOUND past the end. */
int nq_supervisor_child_info (nq_actor_t *sup, size_t i, nq_child_info_t *info);
/*  A reference to the running child with id, or NULL (any thread). */
nq_actor_t *nq_supervisor_child (nq_actor_t *sup, const char *id);
/*  The object given as opts.user (valid while a reference to sup is held). */
void *nq_supervisor_user (nq_actor_t *sup);
/*  1 when actor is a supervisor. */
int nq_supervisor_is (nq_actor_t *actor);

#endif
