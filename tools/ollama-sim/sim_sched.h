/*  sim_sched.h — ollama-sim's model scheduler, after Ollama's server/sched.go.

    Requests for a model enter a pending queue bounded by max_queue (a full
    queue is Ollama's 503 "server busy"). The queue is served in order: a
    request whose model is loaded with the same options leaves it at once and
    waits, without bound, for one of that model's slots (num_parallel slots;
    one for embedding models). A request whose model is not loaded holds the
    head of the queue while the model loads: one load at a time, taking the
    model's load time (plus any slow-load fault) divided by speed. When
    max_loaded models are loaded, the least recently used idle model is
    evicted (a "swap"); when none is idle the scheduler waits for one to
    become idle. A request for a loaded model with a different num_ctx makes
    the model reload once its running requests end. An idle model unloads
    after its keep-alive (the last request's keep_alive, or the default; 0
    unloads at once, negative never).

    Everything runs on one libuv loop; callbacks never run inside the call
    that caused them (a zero timer defers them). Tickets are owned by the
    scheduler; a caller gives its ticket back with release or cancel. */
#ifndef NQ_SIM_SCHED_H
#define NQ_SIM_SCHED_H

#include <jansson.h>
#include <stdint.h>
#include <uv.h>

#include "catalogue.h"
#include "sim_faults.h"
#include "sim_stats.h"

typedef struct nq_sim_sched_t nq_sim_sched_t;
typedef struct nq_sim_ticket_t nq_sim_ticket_t;

/*  A ticket got its model (and its slot when it asked for one). */
typedef void (nq_sim_granted_fn) (void *arg, nq_sim_ticket_t *ticket);
typedef void (nq_sim_sched_stopped_fn) (void *arg);

typedef struct {
    int num_parallel;         //  slots per loaded chat model
    int max_loaded;           //  models loaded at once
    int max_queue;            //  pending requests before 503
    int64_t keep_alive_ms;    //  default keep-alive; < 0 forever
    double speed;             //  every simulated delay is divided by it
} nq_sim_sched_opts_t;

/*  Creates a scheduler on loop. catalogue, stats and faults are borrowed and
    must outlive it. NULL on no memory. */
nq_sim_sched_t *nq_sim_sched_new (uv_loop_t *loop, const nq_sim_sched_opts_t *opts, nq_sim_stats_t *stats,
                                  nq_sim_faults_t *faults);

/*  Queues a request for model. num_ctx 0 means the default (2048);
    keep_alive_ms is the request's keep-alive (INT64_MIN: the default);
    want_slot 0 asks only for the model to be loaded. granted is called with
    arg later. Returns 0 and sets *ticket_p, or NQ_EOVERLOADED when the
    pending queue is full, or NQ_ENOMEM. */
int nq_sim_sched_submit (nq_sim_sched_t *self, const nq_sim_model_t *model, int num_ctx,
                         int64_t keep_alive_ms, int want_slot, nq_sim_granted_fn *granted, void *arg,
                         nq_sim_ticket_t **ticket_p);

/*  Microseconds (loop time) the ticket waited from submit to grant; 0 if not
    granted. */
uint64_t nq_sim_ticket_wait_us (const nq_sim_ticket_t *ticket);

/*  Whether the ticket was granted. */
int nq_sim_ticket_granted (const nq_sim_ticket_t *ticket);

/*  Gives a ticket back — granted or not — freeing its slot; nulls
 *ticket_p; accepts NULL. */
void nq_sim_sched_release (nq_sim_sched_t *self, nq_sim_ticket_t **ticket_p);

/*  Expires model: it unloads as soon as no request uses it. */
void nq_sim_sched_expire (nq_sim_sched_t *self, const nq_sim_model_t *model);

/*  Appends /api/ps entries (Ollama's shape) for loaded models to array. */
void nq_sim_sched_ps (nq_sim_sched_t *self, json_t *array);

/*  Closes every handle (tickets still held are freed); stopped is called
    with arg once they are closed. */
void nq_sim_sched_stop (nq_sim_sched_t *self, nq_sim_sched_stopped_fn *stopped, void *arg);

/*  Frees a stopped scheduler; nulls *self_p; accepts NULL. */
void nq_sim_sched_destroy (nq_sim_sched_t **self_p);

#endif
