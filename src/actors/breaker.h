/*  breaker.h — a circuit breaker for one upstream (an Ollama instance).

    A pure state machine over an injected clock: no thread, no loop, no
    timer. The owner asks before each call (nq_breaker_allow) and reports
    each outcome (nq_breaker_record); time-driven transitions (open → half
    open, an unanswered probe → open) happen lazily on the next call of any
    function here, so a breaker nobody talks to needs no timer. The instance
    supervisor owns it so that it survives restarts of the instance's
    actors. Not thread-safe: use it from one loop (or under the owner's lock).

    States:
      closed      calls flow; outcomes fill a count-based sliding window.
      open        calls fail fast with NQ_EUPSTREAM_UNAVAILABLE and a
                  retry_after_ms; after the open wait it turns half open.
      half_open   admits up to half_open_probes calls at a time; that many
                  successes close it, one failure (or a probe unanswered
                  for half_open_max_wait_ms) opens it again.
      forced_open operator drain: fails fast until reset.
      disabled    operator bypass: everything allowed, nothing recorded.

    It trips (closed → open) on consecutive failures, or, once the window
    holds minimum_calls outcomes, on a failure rate or a slow-call rate at or
    over their thresholds. The open wait grows by the backoff factor on each
    trip without a close in between (capped, with jitter) and returns to its
    base when the breaker closes. After closing, the instance's routing
    weight ramps from ramp_start to 1 over ramp_ms (nq_breaker_weight,
    nq_breaker_permits), so a recovered box is not flooded at once. */
#ifndef NQ_BREAKER_H
#define NQ_BREAKER_H

#include "common/backoff.h"
#include "common/clock.h"

#include <stdint.h>

typedef struct nq_breaker_t nq_breaker_t;

typedef enum {
    NQ_BREAKER_CLOSED = 0,
    NQ_BREAKER_OPEN,
    NQ_BREAKER_HALF_OPEN,
    NQ_BREAKER_FORCED_OPEN,
    NQ_BREAKER_DISABLED
} nq_breaker_state_t;

/*  What happened to one call, as the caller saw it. */
typedef enum {
    NQ_CALL_OK = 0,       //  a complete answer (status in http_status, 2xx or 4xx)
    NQ_CALL_HTTP,         //  an HTTP error answer (http_status says which)
    NQ_CALL_TRANSPORT,    //  connect, reset, DNS, TLS: no HTTP answer
    NQ_CALL_TIMEOUT,      //  no (complete) answer within the call's timeout
    NQ_CALL_STREAM,       //  the answer broke off mid-stream
    NQ_CALL_CANCELLED     //  our side cancelled it (client went away)
} nq_call_kind_t;

typedef struct {
    nq_call_kind_t kind;
    int http_status;         //  0 when there was no HTTP answer
    uint64_t duration_ms;    //  from allow to the end of the call
} nq_call_result_t;

typedef enum { NQ_VERDICT_SUCCESS = 0, NQ_VERDICT_FAILURE, NQ_VERDICT_IGNORE } nq_verdict_t;

/*  Classifies an outcome. The default (nq_breaker_classify_default):
    transport errors, timeouts, mid-stream errors and 5xx (503 included,
    however fast) are failures; 4xx (bad request, unknown model, 429) are
    successes — the instance answered, the request was at fault; cancelled
    calls are ignored. */
typedef nq_verdict_t (nq_breaker_classify_fn) (const nq_call_result_t *result, void *arg);
nq_verdict_t nq_breaker_classify_default (const nq_call_result_t *result, void *arg);

/*  Called on every state change, after it happened; cause is a short static
    string ("consecutive_failures", "failure_rate", "slow_call_rate",
    "open_wait_elapsed", "probe_failed", "probe_slow", "probe_timeout",
    "probes_succeeded",
    "operator"). */
typedef void (nq_breaker_transition_fn) (nq_breaker_t *breaker, nq_breaker_state_t from,
                                         nq_breaker_state_t to, const char *cause, void *arg);

typedef struct {
    const char *name;                    //  the instance, for logs (copied)
    unsigned consecutive_failures;       //  trip after this many in a row; 0: off
    unsigned window_size;                //  outcomes in the sliding window
    unsigned minimum_calls;              //  rates count only with this many in the window
    double failure_rate;                 //  trip at or over this share of failures; 0: off
    uint64_t slow_call_ms;               //  a call at or over this is slow; 0: off
    double slow_call_rate;               //  trip at or over this share of slow calls
    nq_backoff_t open_wait;              //  open for min_ms × factor^(trips-1), ≤ max_ms, jitter
    unsigned half_open_probes;           //  probes admitted at once; successes needed to close
    uint64_t half_open_max_wait_ms;      //  an unanswered probe reopens after this
    uint64_t ramp_ms;                    //  weight ramp after closing; 0: full weight at once
    double ramp_start;                   //  weight right after closing (0..1]
    uint64_t seed;                       //  jitter seed (0: from the OS)
    nq_breaker_classify_fn *classify;    //  NULL: the default
    void *classify_arg;
    nq_breaker_transition_fn *on_transition;    //  may be NULL
    void *transition_arg;
} nq_breaker_opts_t;

typedef struct {
    nq_breaker_state_t state;
    uint64_t calls;    //  outcomes recorded (successes and failures)
    uint64_t failures;
    uint64_t slow_calls;
    uint64_t rejected;        //  fail-fast answers given
    uint64_t trips;           //  closed/half_open → open transitions, ever
    unsigned consecutive;     //  current run of failures
    unsigned window_calls;    //  outcomes in the window now
    double window_failure_rate;
    double window_slow_rate;
    uint64_t open_until_ms;    //  when open: the end of the wait
    double weight;             //  nq_breaker_weight
} nq_breaker_stats_t;

/*  Fills opts with the documented defaults (docs/actors.md). */
void nq_breaker_opts_default (nq_breaker_opts_t *opts);

/*  Creates a closed breaker reading time from clock (borrowed; must outlive
    it). NULL on no memory or invalid options (window_size 0, minimum_calls
    over window_size, half_open_probes 0, rates outside [0, 1]). */
nq_breaker_t *nq_breaker_new (const nq_breaker_opts_t *opts, nq_clock_t *clock);
void nq_breaker_destroy (nq_breaker_t **self_p);

/*  May a call go now? Returns 0 (go, then record its outcome), or
    NQ_EUPSTREAM_UNAVAILABLE with *retry_after_ms (may be NULL) set to when
    to try again: the rest of the open wait, or for a full half-open breaker
    the probe's remaining maximum wait. */
int nq_breaker_allow (nq_breaker_t *self, uint64_t *retry_after_ms);

/*  Reports the outcome of a call that allow let through. */
void nq_breaker_record (nq_breaker_t *self, const nq_call_result_t *result);

/*  Operator controls: force_open drains the instance until reset; disable
    lets everything through unrecorded; reset closes the breaker, clears the
    window and the trip count and starts the weight ramp. */
void nq_breaker_force_open (nq_breaker_t *self);
void nq_breaker_disable (nq_breaker_t *self);
void nq_breaker_reset (nq_breaker_t *self);

nq_breaker_state_t nq_breaker_state (nq_breaker_t *self);
const char *nq_breaker_state_name (nq_breaker_state_t state);
const char *nq_breaker_name (const nq_breaker_t *self);

/*  Routing weight in [0, 1]: 0 while open or forced open, 0 while half open
    (only probes go), ramp_start rising linearly to 1 over ramp_ms after it
    closed, 1 when closed for longer or disabled. */
double nq_breaker_weight (nq_breaker_t *self);

/*  How many of slots (an instance's parallel slots) may take work now:
    ceil (weight × slots), at least 1 when closed; half_open_probes (at most
    slots) when half open; 0 when open. This is the credit a worker offers. */
unsigned nq_breaker_permits (nq_breaker_t *self, unsigned slots);

void nq_breaker_stats (nq_breaker_t *self, nq_breaker_stats_t *stats);

#endif
