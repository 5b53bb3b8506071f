/*  sim_info.c — GET /, /api/version, /api/tags, /api/ps and POST /api/show,
    in Ollama's shapes. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sim.h"
#include "sim_text.h"

static json_t *
s_details (const nq_sim_model_t *m)
{
    return json_pack ("{s:s, s:s, s:s, s:[s], s:s, s:s}", "parent_model", "", "format", "gguf", "family",
                      m->family, "families", m->family, "parameter_size", m->parameter_size,
                      "quantization_level", m->quantization);
}

static void
s_tags (nq_sim_t *sim, nq_http_req_t *req)
{
    json_t *models = json_array ();
    char modified[64];
    //  a fixed date: the catalogue never changes while the simulator runs
    nq_sim_rfc3339 (1714000000ULL * 1000000000ULL, modified, sizeof modified);
    for (size_t i = 0; i < nq_sim_catalogue_count (sim->catalogue); i++) {
        const nq_sim_model_t *m = nq_sim_catalogue_at (sim->catalogue, i);
        json_array_append_new (models,
                               json_pack ("{s:s, s:s, s:s, s:I, s:s, s:o}", "name", m->name, "model", m->name,
                                          "modified_at", modified, "size", (json_int_t)m->size, "digest",
                                          m->digest, "details", s_details (m)));
    }
    nq_sim_reply_json (sim, req, 200, json_pack ("{s:o}", "models", models));
}

static void
s_show (nq_sim_t *sim, nq_http_req_t *req)
{
    json_t *body = nq_sim_parse_body (sim, req);
    if (!body)
        return;
    const char *name = json_string_value (json_object_get (body, "model"));
    if (!name)
        name = json_string_value (json_object_get (body, "name"));
    const nq_sim_model_t *m = name ? nq_sim_catalogue_find (sim->catalogue, name) : NULL;
    if (!m) {
        char msg[256];
        snprintf (msg, sizeof msg, "model '%.200s' not found", name ? name : "");
        json_decref (body);
        nq_sim_reply_error (sim, req, 404, msg);
        return;
    }
    json_decref (body);
    char arch_ctx[64];
    snprintf (arch_ctx, sizeof arch_ctx, "%s.context_length", m->family);
    json_t *info = json_pack ("{s:s, s:I}", "general.architecture", m->family, arch_ctx, (json_int_t)32768);
    if (m->kind == NQ_SIM_KIND_EMBED) {
        char key[64];
        snprintf (key, sizeof key, "%s.embedding_length", m->family);
        json_object_set_new (info, key, json_integer (m->dim));
    }
    json_t *caps = json_pack ("[s]", m->kind == NQ_SIM_KIND_EMBED ? "embedding" : "completion");
    nq_sim_reply_json (sim, req, 200,
                       json_pack ("{s:s, s:s, s:s, s:o, s:o, s:o}", "license", "", "modelfile", "",
                                  "template", m->kind == NQ_SIM_KIND_EMBED ? "" : "{{ .Prompt }}", "details",
                                  s_details (m), "model_info", info, "capabilities", caps));
}

void
nq_sim_info (nq_sim_t *sim, nq_http_req_t *req, nq_sim_endpoint_t ep)
{
    sim->stats.requests[ep]++;
    switch (ep) {
    case NQ_SIM_EP_ROOT: {
        static const char text[] = "Ollama is running";
        nq_http_req_respond (req, 200, "text/plain; charset=utf-8", text, sizeof text - 1);
        break;
    }
    case NQ_SIM_EP_VERSION:
        nq_sim_reply_json (sim, req, 200, json_pack ("{s:s}", "version", NQ_SIM_VERSION));
        break;
    case NQ_SIM_EP_TAGS:
        s_tags (sim, req);
        break;
    case NQ_SIM_EP_PS: {
        json_t *models = json_array ();
        nq_sim_sched_ps (sim->sched, models);
        nq_sim_reply_json (sim, req, 200, json_pack ("{s:o}", "models", models));
        break;
    }
    case NQ_SIM_EP_SHOW:
        s_show (sim, req);
        break;
    default:
        nq_sim_reply_error (sim, req, 404, "not found");
    }
}
