/*  sim.h — one ollama-sim instance: its loop, HTTP server, catalogue,
    scheduler, faults and counters, and the routing of requests to the API
    handlers (sim_generate.c, sim_embed.c, sim_info.c, sim_admin.c).

    Internal to tools/ollama-sim: the struct is shared by the handler files
    on purpose, since they are one program split by concept. */
#ifndef NQ_SIM_H
#define NQ_SIM_H

#include <jansson.h>
#include <stdint.h>
#include <uv.h>

#include "catalogue.h"
#include "common/http_server.h"
#include "common/rng.h"
#include "sim_sched.h"
#include "sim_faults.h"
#include "sim_stats.h"

#define NQ_SIM_VERSION "0.12.6"

typedef struct {
    char host[64];
    int port;
    uint64_t seed;
    double speed;
    nq_sim_sched_opts_t sched;
    size_t max_connections;
    uint64_t idle_timeout_ms;
} nq_sim_opts_t;

typedef struct nq_sim_t {
    uv_loop_t *loop;
    nq_sim_opts_t opts;
    nq_sim_catalogue_t *catalogue;
    nq_sim_sched_t *sched;
    nq_http_server_t *http;
    nq_sim_stats_t stats;
    nq_sim_faults_t faults;
    nq_rng_t rng;    //  for busy_rate draws
    uint64_t seq;    //  requests seen, mixed into nothing that must repeat
    int stopping;
    int pending_stops;
} nq_sim_t;

/*  Defaults: 127.0.0.1:11434, seed 0, speed 1, OLLAMA_NUM_PARALLEL slots
    (env, default 1), OLLAMA_MAX_LOADED_MODELS (env, default 3),
    OLLAMA_MAX_QUEUE (env, default 512), keep-alive 5 minutes. */
void nq_sim_opts_default (nq_sim_opts_t *opts);

/*  Creates an instance on loop, taking ownership of *catalogue_p. faults are
    copied. NULL on no memory. */
nq_sim_t *nq_sim_new (uv_loop_t *loop, const nq_sim_opts_t *opts, nq_sim_catalogue_t **catalogue_p,
                      const nq_sim_faults_t *faults);
/*  Listens on opts.host:opts.port. Returns 0 or a negative NQ_E* code. */
int nq_sim_start (nq_sim_t *self);
/*  Stops serving and closes every handle; the loop then runs out. */
void nq_sim_stop (nq_sim_t *self);
/*  Frees a stopped instance (after its loop ran out); nulls *self_p. */
void nq_sim_destroy (nq_sim_t **self_p);

/*  Response helpers: JSON body (steals obj) and Ollama's {"error": msg}.
    Both count 400/404/503 answers in the stats. */
void nq_sim_reply_json (nq_sim_t *self, nq_http_req_t *req, int status, json_t *obj);
void nq_sim_reply_error (nq_sim_t *self, nq_http_req_t *req, int status, const char *msg);

/*  Parses a request body as a JSON object. On failure answers 400 with
    Ollama's wording ("missing request body" or the parse error) and returns
    NULL. */
json_t *nq_sim_parse_body (nq_sim_t *self, nq_http_req_t *req);

/*  Applies the arrival faults (exit, reset, busy, hang in accept mode) to a
    model request. Returns 1 when a fault took the request over. */
int nq_sim_arrival_faults (nq_sim_t *self, nq_http_req_t *req);

/*  Parses Ollama's keep_alive (number of seconds, or a duration string such
    as "5m", "10s", "1h", "-1", "0") into milliseconds; absent gives
    INT64_MIN (use the default). Returns 0 or NQ_EINVALID. */
int nq_sim_keep_alive_ms (json_t *value, int64_t *out_ms);

/*  The request handlers. */
void nq_sim_generate (nq_sim_t *self, nq_http_req_t *req, int is_chat);
void nq_sim_embed (nq_sim_t *self, nq_http_req_t *req, int legacy);
void nq_sim_info (nq_sim_t *self, nq_http_req_t *req, nq_sim_endpoint_t ep);
void nq_sim_admin (nq_sim_t *self, nq_http_req_t *req);

#endif
