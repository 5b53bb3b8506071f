/*  breaker.c — circuit breaker state machine (see breaker.h). */
#include "actors/breaker.h"

#include "common/alloc.h"
#include "common/errors.h"
#include "common/log.h"
#include "common/rng.h"

#include <assert.h>
#include <math.h>
#include <string.h>

struct nq_breaker_t {
    nq_breaker_opts_t opts;
    char *name;
    nq_clock_t *clock;
    nq_rng_t rng;
    nq_breaker_state_t state;
    //  Sliding window: a ring of outcomes (bit 0 failure, bit 1 slow).
    unsigned char *ring;
    unsigned ring_len, ring_pos;
    unsigned win_failures, win_slow;
    unsigned consecutive;
    unsigned trips_in_row;    //  trips since the last close (drives the open wait)
    uint64_t open_until_ms;
    unsigned probes_inflight;
    unsigned probe_successes;
    uint64_t probe_started_ms;    //  the oldest unanswered probe
    uint64_t closed_at_ms;        //  start of the weight ramp
    int ramping;
    //  Counters.
    uint64_t calls, failures, slow_calls, rejected, trips;
};

static const char *s_state_names[] = {"closed", "open", "half_open", "forced_open", "disabled"};

const char *
nq_breaker_state_name (nq_breaker_state_t state)
{
    return (unsigned)state < 5 ? s_state_names[state] : "unknown";
}

void
nq_breaker_opts_default (nq_breaker_opts_t *opts)
{
    assert (opts);
    memset (opts, 0, sizeof *opts);
    opts->name = "upstream";
    opts->consecutive_failures = 5;
    opts->window_size = 20;
    opts->minimum_calls = 10;
    opts->failure_rate = 0.5;
    opts->slow_call_ms = 120000;
    opts->slow_call_rate = 0.8;
    opts->open_wait = (nq_backoff_t){.min_ms = 5000, .max_ms = 120000, .factor = 2.0, .jitter = 0.2};
    opts->half_open_probes = 1;
    opts->half_open_max_wait_ms = 60000;
    opts->ramp_ms = 30000;
    opts->ramp_start = 0.25;
}

nq_verdict_t
nq_breaker_classify_default (const nq_call_result_t *result, void *arg)
{
    (void)arg;
    assert (result);
    switch (result->kind) {
    case NQ_CALL_OK:
        return result->http_status >= 500 ? NQ_VERDICT_FAILURE : NQ_VERDICT_SUCCESS;
    case NQ_CALL_HTTP:
        //  5xx (a fast 503 burst included) says the box is sick; 4xx says
        //  the request was wrong (bad request, unknown model, 429): the box
        //  answered, so it is healthy.
        return result->http_status >= 500 || result->http_status <= 0 ? NQ_VERDICT_FAILURE
                                                                      : NQ_VERDICT_SUCCESS;
    case NQ_CALL_TRANSPORT:
    case NQ_CALL_TIMEOUT:
    case NQ_CALL_STREAM:
        return NQ_VERDICT_FAILURE;
    case NQ_CALL_CANCELLED:
    default:
        return NQ_VERDICT_IGNORE;
    }
}

nq_breaker_t *
nq_breaker_new (const nq_breaker_opts_t *opts, nq_clock_t *clock)
{
    nq_breaker_opts_t defaults;
    nq_breaker_opts_default (&defaults);
    if (!opts)
        opts = &defaults;
    assert (clock);
    if (opts->window_size == 0 || opts->minimum_calls > opts->window_size || opts->half_open_probes == 0 ||
        opts->failure_rate < 0 || opts->failure_rate > 1 || opts->slow_call_rate < 0 ||
        opts->slow_call_rate > 1 || opts->ramp_start < 0 || opts->ramp_start > 1)
        return NULL;
    nq_breaker_t *self = nq_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->opts = *opts;
    self->name = nq_strdup (opts->name ? opts->name : "upstream");
    self->ring = nq_calloc (opts->window_size, 1);
    if (!self->name || !self->ring) {
        nq_breaker_destroy (&self);
        return NULL;
    }
    self->opts.name = self->name;
    if (!self->opts.classify)
        self->opts.classify = nq_breaker_classify_default;
    self->clock = clock;
    if (opts->seed)
        nq_rng_seed (&self->rng, opts->seed);
    else
        nq_rng_seed_os (&self->rng);
    self->state = NQ_BREAKER_CLOSED;
    return self;
}

void
nq_breaker_destroy (nq_breaker_t **self_p)
{
    assert (self_p);
    nq_breaker_t *self = *self_p;
    if (!self)
        return;
    nq_free (self->ring);
    nq_free (self->name);
    nq_free (self);
    *self_p = NULL;
}

static void
s_window_clear (nq_breaker_t *self)
{
    memset (self->ring, 0, self->opts.window_size);
    self->ring_len = self->ring_pos = 0;
    self->win_failures = self->win_slow = 0;
    self->consecutive = 0;
}

static void
s_transition (nq_breaker_t *self, nq_breaker_state_t to, const char *cause)
{
    nq_breaker_state_t from = self->state;
    if (from == to)
        return;
    uint64_t now = nq_clock_now_ms (self->clock);
    self->state = to;
    self->probes_inflight = 0;
    self->probe_successes = 0;
    switch (to) {
    case NQ_BREAKER_OPEN: {
        self->trips++;
        self->trips_in_row++;
        uint64_t wait = nq_backoff_delay_ms (&self->opts.open_wait, self->trips_in_row, &self->rng);
        self->open_until_ms = now + wait;
        self->ramping = 0;
        NQ_LOG_WARN ("breaker_opened", NQ_LS ("instance", self->name),
                     NQ_LS ("from", nq_breaker_state_name (from)), NQ_LS ("cause", cause),
                     NQ_LU ("open_ms", wait), NQ_LU ("trips_in_row", self->trips_in_row));
        break;
    }
    case NQ_BREAKER_HALF_OPEN:
        s_window_clear (self);
        NQ_LOG_INFO ("breaker_half_open", NQ_LS ("instance", self->name), NQ_LS ("cause", cause));
        break;
    case NQ_BREAKER_CLOSED:
        s_window_clear (self);
        self->trips_in_row = 0;
        self->closed_at_ms = now;
        self->ramping = self->opts.ramp_ms > 0;
        NQ_LOG_INFO ("breaker_closed", NQ_LS ("instance", self->name),
                     NQ_LS ("from", nq_breaker_state_name (from)), NQ_LS ("cause", cause),
                     NQ_LU ("ramp_ms", self->opts.ramp_ms));
        break;
    case NQ_BREAKER_FORCED_OPEN:
        self->ramping = 0;
        NQ_LOG_WARN ("breaker_forced_open", NQ_LS ("instance", self->name), NQ_LS ("cause", cause));
        break;
    case NQ_BREAKER_DISABLED:
        self->ramping = 0;
        NQ_LOG_WARN ("breaker_disabled", NQ_LS ("instance", self->name), NQ_LS ("cause", cause));
        break;
    }
    if (self->opts.on_transition)
        self->opts.on_transition (self, from, to, cause, self->opts.transition_arg);
}

//  Time-driven transitions, evaluated lazily on every entry point.
static void
s_advance (nq_breaker_t *self)
{
    uint64_t now = nq_clock_now_ms (self->clock);
    if (self->state == NQ_BREAKER_OPEN && now >= self->open_until_ms)
        s_transition (self, NQ_BREAKER_HALF_OPEN, "open_wait_elapsed");
    else if (self->state == NQ_BREAKER_HALF_OPEN && self->probes_inflight > 0 &&
             now >= self->probe_started_ms + self->opts.half_open_max_wait_ms)
        s_transition (self, NQ_BREAKER_OPEN, "probe_timeout");
    if (self->ramping && now >= self->closed_at_ms + self->opts.ramp_ms)
        self->ramping = 0;
}

int
nq_breaker_allow (nq_breaker_t *self, uint64_t *retry_after_ms)
{
    assert (self);
    s_advance (self);
    uint64_t now = nq_clock_now_ms (self->clock);
    uint64_t retry = 0;
    switch (self->state) {
    case NQ_BREAKER_CLOSED:
    case NQ_BREAKER_DISABLED:
        return 0;
    case NQ_BREAKER_HALF_OPEN:
        if (self->probes_inflight < self->opts.half_open_probes) {
            if (self->probes_inflight++ == 0)
                self->probe_started_ms = now;
            return 0;
        }
        retry = self->probe_started_ms + self->opts.half_open_max_wait_ms - now;
        break;
    case NQ_BREAKER_OPEN:
        retry = self->open_until_ms - now;
        break;
    case NQ_BREAKER_FORCED_OPEN:
        //  Drained until an operator resets it: suggest the base open wait.
        retry = self->opts.open_wait.min_ms;
        break;
    }
    self->rejected++;
    if (retry_after_ms)
        *retry_after_ms = retry;
    return NQ_EUPSTREAM_UNAVAILABLE;
}

static void
s_window_push (nq_breaker_t *self, int failure, int slow)
{
    unsigned size = self->opts.window_size;
    if (self->ring_len == size) {
        unsigned char old = self->ring[self->ring_pos];
        self->win_failures -= old & 1;
        self->win_slow -= (old >> 1) & 1;
    }
    else
        self->ring_len++;
    self->ring[self->ring_pos] = (unsigned char)((failure ? 1 : 0) | (slow ? 2 : 0));
    self->ring_pos = (self->ring_pos + 1) % size;
    self->win_failures += failure ? 1 : 0;
    self->win_slow += slow ? 1 : 0;
}

void
nq_breaker_record (nq_breaker_t *self, const nq_call_result_t *result)
{
    assert (self && result);
    s_advance (self);
    nq_verdict_t verdict = self->opts.classify (result, self->opts.classify_arg);
    int was_probe = self->state == NQ_BREAKER_HALF_OPEN && self->probes_inflight > 0;
    if (was_probe)
        self->probes_inflight--;
    if (verdict == NQ_VERDICT_IGNORE)
        return;
    int failure = verdict == NQ_VERDICT_FAILURE;
    int slow = self->opts.slow_call_ms && result->duration_ms >= self->opts.slow_call_ms;
    if (self->state == NQ_BREAKER_DISABLED || self->state == NQ_BREAKER_FORCED_OPEN ||
        self->state == NQ_BREAKER_OPEN)
        return;    //  stragglers from before the trip, or not counting at all
    self->calls++;
    self->failures += failure;
    self->slow_calls += slow;
    if (self->state == NQ_BREAKER_HALF_OPEN) {
        if (!was_probe)
            return;
        if (failure || (slow && self->opts.slow_call_rate > 0))
            s_transition (self, NQ_BREAKER_OPEN, failure ? "probe_failed" : "probe_slow");
        else if (++self->probe_successes >= self->opts.half_open_probes)
            s_transition (self, NQ_BREAKER_CLOSED, "probes_succeeded");
        else if (self->probes_inflight > 0)
            self->probe_started_ms = nq_clock_now_ms (self->clock);
        return;
    }
    //  Closed.
    s_window_push (self, failure, slow);
    self->consecutive = failure ? self->consecutive + 1 : 0;
    if (self->opts.consecutive_failures && self->consecutive >= self->opts.consecutive_failures) {
        s_transition (self, NQ_BREAKER_OPEN, "consecutive_failures");
        return;
    }
    if (self->ring_len < self->opts.minimum_calls || self->ring_len == 0)
        return;
    double n = (double)self->ring_len;
    if (self->opts.failure_rate > 0 && (double)self->win_failures / n >= self->opts.failure_rate)
        s_transition (self, NQ_BREAKER_OPEN, "failure_rate");
    else if (self->opts.slow_call_ms && self->opts.slow_call_rate > 0 &&
             (double)self->win_slow / n >= self->opts.slow_call_rate)
        s_transition (self, NQ_BREAKER_OPEN, "slow_call_rate");
}

void
nq_breaker_force_open (nq_breaker_t *self)
{
    assert (self);
    s_transition (self, NQ_BREAKER_FORCED_OPEN, "operator");
}

void
nq_breaker_disable (nq_breaker_t *self)
{
    assert (self);
    s_transition (self, NQ_BREAKER_DISABLED, "operator");
}

void
nq_breaker_reset (nq_breaker_t *self)
{
    assert (self);
    if (self->state == NQ_BREAKER_CLOSED) {
        s_window_clear (self);
        self->trips_in_row = 0;
        return;
    }
    s_transition (self, NQ_BREAKER_CLOSED, "operator");
}

nq_breaker_state_t
nq_breaker_state (nq_breaker_t *self)
{
    assert (self);
    s_advance (self);
    return self->state;
}

const char *
nq_breaker_name (const nq_breaker_t *self)
{
    assert (self);
    return self->name;
}

double
nq_breaker_weight (nq_breaker_t *self)
{
    assert (self);
    s_advance (self);
    switch (self->state) {
    case NQ_BREAKER_CLOSED:
        if (self->ramping) {
            double t =
                (double)(nq_clock_now_ms (self->clock) - self->closed_at_ms) / (double)self->opts.ramp_ms;
            double w = self->opts.ramp_start + (1.0 - self->opts.ramp_start) * t;
            return w > 1.0 ? 1.0 : w;
        }
        return 1.0;
    case NQ_BREAKER_DISABLED:
        return 1.0;
    default:
        return 0.0;
    }
}

unsigned
nq_breaker_permits (nq_breaker_t *self, unsigned slots)
{
    assert (self);
    nq_breaker_state_t state = nq_breaker_state (self);
    if (slots == 0)
        return 0;
    if (state == NQ_BREAKER_HALF_OPEN)
        return self->opts.half_open_probes < slots ? self->opts.half_open_probes : slots;
    double w = nq_breaker_weight (self);
    if (w <= 0.0)
        return 0;
    unsigned n = (unsigned)ceil (w * (double)slots - 1e-9);
    return n < 1 ? 1 : (n > slots ? slots : n);
}

void
nq_breaker_stats (nq_breaker_t *self, nq_breaker_stats_t *stats)
{
    assert (self && stats);
    stats->state = nq_breaker_state (self);
    stats->calls = self->calls;
    stats->failures = self->failures;
    stats->slow_calls = self->slow_calls;
    stats->rejected = self->rejected;
    stats->trips = self->trips;
    stats->consecutive = self->consecutive;
    stats->window_calls = self->ring_len;
    stats->window_failure_rate = self->ring_len ? (double)self->win_failures / self->ring_len : 0.0;
    stats->window_slow_rate = self->ring_len ? (double)self->win_slow / self->ring_len : 0.0;
    stats->open_until_ms = self->state == NQ_BREAKER_OPEN ? self->open_until_ms : 0;
    stats->weight = nq_breaker_weight (self);
}
