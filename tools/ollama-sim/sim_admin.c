/*  sim_admin.c — the simulator's own endpoint under /_sim/ (not Ollama's).

    GET  /_sim/stats   counters (sim_stats.h) plus "connections" open now
    GET  /_sim/faults  the fault settings (sim_faults.h)
    POST /_sim/faults  change some settings: a JSON object of keys to set
    POST /_sim/reset   zero the counters and turn every fault off
    POST /_sim/exit    exit at once with the configured exit code (kill tests) */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "sim.h"

void
nq_sim_admin (nq_sim_t *sim, nq_http_req_t *req)
{
    const char *path = nq_http_req_path (req);
    int post = strcmp (nq_http_req_method (req), "POST") == 0;
    if (!post && strcmp (path, "/_sim/stats") == 0) {
        json_t *o = nq_sim_stats_json (&sim->stats, sim->catalogue);
        if (o)
            json_object_set_new (o, "connections",
                                 json_integer ((json_int_t)nq_http_server_connections (sim->http)));
        nq_sim_reply_json (sim, req, 200, o);
    }
    else if (!post && strcmp (path, "/_sim/faults") == 0)
        nq_sim_reply_json (sim, req, 200, nq_sim_faults_json (&sim->faults));
    else if (post && strcmp (path, "/_sim/faults") == 0) {
        json_t *body = nq_sim_parse_body (sim, req);
        if (!body)
            return;
        const char *bad = NULL;
        if (nq_sim_faults_apply (&sim->faults, body, &bad) != 0) {
            char msg[160];
            snprintf (msg, sizeof msg, "invalid fault setting: %.100s", bad ? bad : "?");
            json_decref (body);
            nq_sim_reply_error (sim, req, 400, msg);
            return;
        }
        json_decref (body);
        NQ_LOG_INFO ("sim_faults_set", NQ_LI ("busy", sim->faults.busy), NQ_LI ("error", sim->faults.error),
                     NQ_LI ("hang", sim->faults.hang), NQ_LI ("reset", sim->faults.reset),
                     NQ_LU ("slow_load_ms", sim->faults.slow_load_ms));
        nq_sim_reply_json (sim, req, 200, nq_sim_faults_json (&sim->faults));
    }
    else if (post && strcmp (path, "/_sim/reset") == 0) {
        nq_sim_stats_reset (&sim->stats);
        nq_sim_faults_init (&sim->faults);
        nq_sim_reply_json (sim, req, 200, json_pack ("{s:b}", "ok", 1));
    }
    else if (post && strcmp (path, "/_sim/exit") == 0) {
        NQ_LOG_WARN ("sim_fault_exit", NQ_LI ("code", sim->faults.exit_code));
        _exit (sim->faults.exit_code);
    }
    else
        nq_sim_reply_error (sim, req, 404, "no such admin endpoint");
}
