/*  sim_faults.h — the faults ollama-sim injects on model requests.

    Set by command-line flags at start and by POST /_sim/faults at run time
    (a JSON object with the same keys). A count is "how many of the next model
    requests" (chat, generate, embed, embeddings) get the fault: 0 is off, -1
    is every request. Faults are checked in this order when a request arrives:
    exit, reset, busy, hang (mode "accept"); then while streaming: error line,
    hang (mode "stream"). slow_load_ms is added to every model load.

    Keys: busy (count), busy_rate (0..1, each request independently),
    error (count), error_after (tokens before the error line), error_message,
    hang (count), hang_mode ("accept" | "stream"), hang_after (tokens before a
    stream stops), reset (count), slow_load_ms, exit_after (model requests
    before the process exits; 0 off), exit_code. */
#ifndef NQ_SIM_FAULTS_H
#define NQ_SIM_FAULTS_H

#include <jansson.h>
#include <stdint.h>

#include "common/rng.h"

typedef enum { NQ_SIM_HANG_ACCEPT = 0, NQ_SIM_HANG_STREAM = 1 } nq_sim_hang_mode_t;

typedef struct {
    int64_t busy;
    double busy_rate;
    int64_t error;
    int64_t error_after;
    char error_message[256];
    int64_t hang;
    nq_sim_hang_mode_t hang_mode;
    int64_t hang_after;
    int64_t reset;
    uint64_t slow_load_ms;
    int64_t exit_after;
    int exit_code;
} nq_sim_faults_t;

/*  All faults off; error_message "an error was encountered while running the
    model: simulated fault"; exit_code 3. */
void nq_sim_faults_init (nq_sim_faults_t *self);

/*  Applies the keys present in obj (others unchanged). Returns 0, or
    NQ_EINVALID with nothing changed when a key is unknown or a value has the
    wrong type or range; *bad_key (may be NULL) names the offending key. */
int nq_sim_faults_apply (nq_sim_faults_t *self, json_t *obj, const char **bad_key);

/*  The current settings as a new JSON object (NULL on no memory). */
json_t *nq_sim_faults_json (const nq_sim_faults_t *self);

/*  Takes one use of a counted fault: returns 1 when *count is non-zero
    (decrementing a positive one), else 0. */
int nq_sim_faults_take (int64_t *count);

/*  Whether this request gets a 503: busy taken, or busy_rate drawn. */
int nq_sim_faults_take_busy (nq_sim_faults_t *self, nq_rng_t *rng);

/*  Counts one model request towards exit_after; returns 1 when the process
    must exit now. */
int nq_sim_faults_take_exit (nq_sim_faults_t *self);

#endif
