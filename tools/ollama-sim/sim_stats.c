/*  sim_stats.c — counters as JSON. See sim_stats.h. */
#include "sim_stats.h"

#include <assert.h>
#include <string.h>

static const char *s_names[NQ_SIM_EP_COUNT] = {"chat", "generate", "embed", "embeddings", "tags", "ps",
                                               "show", "version",  "root",  "admin",      "other"};

const char *
nq_sim_endpoint_name (nq_sim_endpoint_t ep)
{
    return ep < NQ_SIM_EP_COUNT ? s_names[ep] : "other";
}

json_t *
nq_sim_stats_json (const nq_sim_stats_t *s, const nq_sim_catalogue_t *catalogue)
{
    assert (s);
    json_t *root = json_object ();
    json_t *req = json_object ();
    json_t *models = json_object ();
    if (!root || !req || !models) {
        json_decref (root);
        json_decref (req);
        json_decref (models);
        return NULL;
    }
    for (int i = 0; i < NQ_SIM_EP_COUNT; i++)
        json_object_set_new (req, s_names[i], json_integer ((json_int_t)s->requests[i]));
    json_object_set_new (root, "requests", req);
#define S_SET(field) json_object_set_new (root, #field, json_integer ((json_int_t)s->field))
    S_SET (requests_total);
    S_SET (in_flight);
    S_SET (max_in_flight);
    S_SET (active);
    S_SET (max_active);
    S_SET (loads);
    S_SET (swaps);
    S_SET (reloads);
    S_SET (unloads);
    S_SET (disconnects);
    S_SET (canceled);
    S_SET (busy);
    S_SET (not_found);
    S_SET (bad_requests);
    S_SET (stream_errors);
    S_SET (hangs);
    S_SET (resets);
    S_SET (tokens);
    S_SET (completed);
    S_SET (queue_depth);
    S_SET (max_queue_depth);
#undef S_SET
    for (size_t i = 0; i < nq_sim_catalogue_count (catalogue); i++) {
        const nq_sim_model_stats_t *m = &s->model[i];
        json_object_set_new (models, nq_sim_catalogue_at (catalogue, i)->name,
                             json_pack ("{s:I, s:I, s:I, s:I}", "active", (json_int_t)m->active, "max_active",
                                        (json_int_t)m->max_active, "requests", (json_int_t)m->requests,
                                        "loads", (json_int_t)m->loads));
    }
    json_object_set_new (root, "models", models);
    return root;
}

void
nq_sim_stats_reset (nq_sim_stats_t *s)
{
    assert (s);
    nq_sim_stats_t keep = *s;
    memset (s, 0, sizeof *s);
    s->in_flight = s->max_in_flight = keep.in_flight;
    s->active = s->max_active = keep.active;
    s->queue_depth = s->max_queue_depth = keep.queue_depth;
    for (int i = 0; i < NQ_SIM_MAX_MODELS; i++)
        s->model[i].active = s->model[i].max_active = keep.model[i].active;
}
