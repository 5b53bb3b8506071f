/*  sim_stats.h — what ollama-sim saw, for tests to assert on.

    Plain counters, updated by the request handlers and the scheduler and
    served as JSON by GET /_sim/stats. Per-model counters are indexed by the
    model's catalogue index. */
#ifndef NQ_SIM_STATS_H
#define NQ_SIM_STATS_H

#include <jansson.h>
#include <stdint.h>

#include "catalogue.h"

typedef enum {
    NQ_SIM_EP_CHAT = 0,
    NQ_SIM_EP_GENERATE,
    NQ_SIM_EP_EMBED,
    NQ_SIM_EP_EMBEDDINGS,
    NQ_SIM_EP_TAGS,
    NQ_SIM_EP_PS,
    NQ_SIM_EP_SHOW,
    NQ_SIM_EP_VERSION,
    NQ_SIM_EP_ROOT,
    NQ_SIM_EP_ADMIN,
    NQ_SIM_EP_OTHER,
    NQ_SIM_EP_COUNT
} nq_sim_endpoint_t;

typedef struct {
    uint64_t active;        //  requests holding a slot now
    uint64_t max_active;    //  the most that ever held a slot at once
    uint64_t requests;      //  requests granted a slot
    uint64_t loads;
} nq_sim_model_stats_t;

typedef struct {
    uint64_t requests[NQ_SIM_EP_COUNT];
    uint64_t requests_total;
    uint64_t in_flight;    //  model requests between arrival and end
    uint64_t max_in_flight;
    uint64_t active;    //  slots held, all models
    uint64_t max_active;
    uint64_t loads;
    uint64_t swaps;      //  loads that evicted another model
    uint64_t reloads;    //  loads that replaced the same model (options changed)
    uint64_t unloads;
    uint64_t disconnects;      //  clients that closed before their response ended
    uint64_t canceled;         //  of those, requests still waiting for a slot (499)
    uint64_t busy;             //  503 answers (queue full or injected)
    uint64_t not_found;        //  404 answers
    uint64_t bad_requests;     //  400 answers
    uint64_t stream_errors;    //  injected mid-stream error lines
    uint64_t hangs;            //  injected hangs
    uint64_t resets;           //  injected connection resets
    uint64_t tokens;           //  reply tokens produced
    uint64_t completed;        //  responses ended normally
    uint64_t queue_depth;      //  pending requests now
    uint64_t max_queue_depth;
    nq_sim_model_stats_t model[NQ_SIM_MAX_MODELS];
} nq_sim_stats_t;

/*  Name of an endpoint counter in the JSON ("chat", "generate", …). */
const char *nq_sim_endpoint_name (nq_sim_endpoint_t ep);

/*  Returns a new JSON object with every counter (per model under "models",
    keyed by model name), or NULL on no memory. */
json_t *nq_sim_stats_json (const nq_sim_stats_t *stats, const nq_sim_catalogue_t *catalogue);

/*  Zeroes the counters but keeps the gauges (in_flight, active, queue_depth). */
void nq_sim_stats_reset (nq_sim_stats_t *stats);

#endif
