/*  sim.c — an ollama-sim instance and its request router. See sim.h. */
#include "sim.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/alloc.h"
#include "common/errors.h"
#include "common/log.h"

static int
s_env_int (const char *name, int fallback)
{
    const char *v = getenv (name);
    if (!v || !*v)
        return fallback;
    char *end;
    long n = strtol (v, &end, 10);
    return (*end || n < 1 || n > 1000000) ? fallback : (int)n;
}

void
nq_sim_opts_default (nq_sim_opts_t *opts)
{
    assert (opts);
    memset (opts, 0, sizeof *opts);
    snprintf (opts->host, sizeof opts->host, "127.0.0.1");
    opts->port = 11434;
    opts->speed = 1.0;
    opts->sched.num_parallel = s_env_int ("OLLAMA_NUM_PARALLEL", 1);
    opts->sched.max_loaded = s_env_int ("OLLAMA_MAX_LOADED_MODELS", 3);
    opts->sched.max_queue = s_env_int ("OLLAMA_MAX_QUEUE", 512);
    opts->sched.keep_alive_ms = 5 * 60 * 1000;
    opts->sched.speed = 1.0;
    opts->max_connections = 10000;
    opts->idle_timeout_ms = 5 * 60 * 1000;
}

//  --------------------------------------------------------------------------
//  Helpers shared by the handlers

void
nq_sim_reply_json (nq_sim_t *self, nq_http_req_t *req, int status, json_t *obj)
{
    char *text = obj ? json_dumps (obj, JSON_COMPACT) : NULL;
    json_decref (obj);
    if (!text) {
        static const char oom[] = "{\"error\":\"out of memory\"}";
        nq_http_req_respond (req, 500, "application/json; charset=utf-8", oom, sizeof oom - 1);
        return;
    }
    if (status == 400)
        self->stats.bad_requests++;
    else if (status == 404)
        self->stats.not_found++;
    else if (status == 503)
        self->stats.busy++;
    nq_http_req_respond (req, status, "application/json; charset=utf-8", text, strlen (text));
    free (text);
}

void
nq_sim_reply_error (nq_sim_t *self, nq_http_req_t *req, int status, const char *msg)
{
    nq_sim_reply_json (self, req, status, json_pack ("{s:s}", "error", msg));
}

json_t *
nq_sim_parse_body (nq_sim_t *self, nq_http_req_t *req)
{
    size_t len = nq_http_req_body_len (req);
    const char *body = nq_http_req_body (req);
    size_t i = 0;
    while (i < len && isspace ((unsigned char)body[i]))
        i++;
    if (i == len) {
        nq_sim_reply_error (self, req, 400, "missing request body");
        return NULL;
    }
    json_error_t err;
    json_t *obj = json_loadb (body, len, JSON_REJECT_DUPLICATES, &err);
    if (!obj) {
        char msg[256];
        snprintf (msg, sizeof msg, "invalid character in request body: %s", err.text);
        nq_sim_reply_error (self, req, 400, msg);
        return NULL;
    }
    if (!json_is_object (obj)) {
        json_decref (obj);
        nq_sim_reply_error (self, req, 400,
                            "json: cannot unmarshal non-object into Go value of type api.Request");
        return NULL;
    }
    return obj;
}

static void
s_hang_abort (void *user, nq_http_req_t *req)
{
    nq_sim_t *self = user;
    (void)req;
    self->stats.disconnects++;
    self->stats.in_flight--;
}

int
nq_sim_arrival_faults (nq_sim_t *self, nq_http_req_t *req)
{
    if (nq_sim_faults_take_exit (&self->faults)) {
        NQ_LOG_WARN ("sim_fault_exit", NQ_LI ("code", self->faults.exit_code));
        _exit (self->faults.exit_code);
    }
    if (nq_sim_faults_take (&self->faults.reset)) {
        self->stats.resets++;
        nq_http_req_reset (req);
        return 1;
    }
    if (nq_sim_faults_take_busy (&self->faults, &self->rng)) {
        nq_sim_reply_error (self, req, 503,
                            "server busy, please try again.  maximum pending requests exceeded");
        return 1;
    }
    if (self->faults.hang_mode == NQ_SIM_HANG_ACCEPT && nq_sim_faults_take (&self->faults.hang)) {
        //  hold the request and never answer; only the client's close ends it
        self->stats.hangs++;
        self->stats.in_flight++;
        if (self->stats.in_flight > self->stats.max_in_flight)
            self->stats.max_in_flight = self->stats.in_flight;
        nq_http_req_set_user (req, self, s_hang_abort, NULL);
        return 1;
    }
    return 0;
}

int
nq_sim_keep_alive_ms (json_t *v, int64_t *out)
{
    if (!v || json_is_null (v)) {
        *out = INT64_MIN;
        return 0;
    }
    if (json_is_number (v)) {
        double s = json_number_value (v);
        *out = s < 0 ? -1 : (int64_t)(s * 1000);
        return 0;
    }
    const char *str = json_string_value (v);
    if (!str || !*str)
        return NQ_EINVALID;
    //  a bare number is seconds; otherwise Go durations: number + unit, repeated
    char *end;
    errno = 0;
    double d = strtod (str, &end);
    if (end != str && !*end && !errno) {
        *out = d < 0 ? -1 : (int64_t)(d * 1000);
        return 0;
    }
    const char *at = str;
    int neg = 0;
    if (*at == '-') {
        neg = 1;
        at++;
    }
    double total = 0;
    while (*at) {
        d = strtod (at, &end);
        if (end == at)
            return NQ_EINVALID;
        at = end;
        double unit;
        if (strncmp (at, "ms", 2) == 0) {
            unit = 1;
            at += 2;
        }
        else if (*at == 'h') {
            unit = 3600000;
            at++;
        }
        else if (*at == 'm') {
            unit = 60000;
            at++;
        }
        else if (*at == 's') {
            unit = 1000;
            at++;
        }
        else
            return NQ_EINVALID;
        total += d * unit;
    }
    *out = neg ? -1 : (int64_t)total;
    return 0;
}

//  --------------------------------------------------------------------------
//  Router

static void
s_handle (void *arg, nq_http_req_t *req)
{
    nq_sim_t *self = arg;
    const char *method = nq_http_req_method (req);
    const char *path = nq_http_req_path (req);
    int get = strcmp (method, "GET") == 0 || strcmp (method, "HEAD") == 0;
    int post = strcmp (method, "POST") == 0;
    self->stats.requests_total++;
    NQ_LOG_DEBUG ("sim_request", NQ_LS ("method", method), NQ_LS ("path", path));
    if (strncmp (path, "/_sim/", 6) == 0) {
        self->stats.requests[NQ_SIM_EP_ADMIN]++;
        nq_sim_admin (self, req);
    }
    else if (post && strcmp (path, "/api/chat") == 0)
        nq_sim_generate (self, req, 1);
    else if (post && strcmp (path, "/api/generate") == 0)
        nq_sim_generate (self, req, 0);
    else if (post && strcmp (path, "/api/embed") == 0)
        nq_sim_embed (self, req, 0);
    else if (post && strcmp (path, "/api/embeddings") == 0)
        nq_sim_embed (self, req, 1);
    else if (get && strcmp (path, "/") == 0)
        nq_sim_info (self, req, NQ_SIM_EP_ROOT);
    else if (get && strcmp (path, "/api/version") == 0)
        nq_sim_info (self, req, NQ_SIM_EP_VERSION);
    else if (get && strcmp (path, "/api/tags") == 0)
        nq_sim_info (self, req, NQ_SIM_EP_TAGS);
    else if (get && strcmp (path, "/api/ps") == 0)
        nq_sim_info (self, req, NQ_SIM_EP_PS);
    else if (post && strcmp (path, "/api/show") == 0)
        nq_sim_info (self, req, NQ_SIM_EP_SHOW);
    else {
        //  gin's answer for an unknown route (and a known one with the wrong method)
        self->stats.requests[NQ_SIM_EP_OTHER]++;
        static const char nf[] = "404 page not found";
        nq_http_req_respond (req, 404, "text/plain", nf, sizeof nf - 1);
    }
}

//  --------------------------------------------------------------------------
//  Lifecycle

nq_sim_t *
nq_sim_new (uv_loop_t *loop, const nq_sim_opts_t *opts, nq_sim_catalogue_t **catalogue_p,
            const nq_sim_faults_t *faults)
{
    assert (loop && opts && catalogue_p && *catalogue_p);
    nq_sim_t *self = nq_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->loop = loop;
    self->opts = *opts;
    if (self->opts.speed <= 0)
        self->opts.speed = 1;
    self->opts.sched.speed = self->opts.speed;
    if (faults)
        self->faults = *faults;
    else
        nq_sim_faults_init (&self->faults);
    nq_rng_seed (&self->rng, opts->seed ^ 0x5eed);
    nq_http_limits_t limits;
    nq_http_limits_default (&limits);
    limits.max_connections = opts->max_connections;
    limits.idle_timeout_ms = opts->idle_timeout_ms;
    limits.max_body_bytes = 64 * 1024 * 1024;
    self->http = nq_http_server_new (loop, &limits, s_handle, self);
    self->sched = nq_sim_sched_new (loop, &self->opts.sched, &self->stats, &self->faults);
    if (!self->http || !self->sched) {
        nq_http_server_destroy (&self->http);
        if (self->sched) {
            //  a fresh scheduler only has its kick timer to close
            nq_sim_sched_stop (self->sched, NULL, NULL);
            uv_run (loop, UV_RUN_NOWAIT);
            nq_sim_sched_destroy (&self->sched);
        }
        nq_free (self);
        return NULL;
    }
    self->catalogue = *catalogue_p;
    *catalogue_p = NULL;
    return self;
}

int
nq_sim_start (nq_sim_t *self)
{
    assert (self);
    int rc = nq_http_server_listen (self->http, self->opts.host, self->opts.port);
    if (rc == 0)
        NQ_LOG_INFO ("sim_listening", NQ_LS ("host", self->opts.host),
                     NQ_LI ("port", nq_http_server_port (self->http)), NQ_LD ("speed", self->opts.speed),
                     NQ_LU ("seed", self->opts.seed));
    return rc;
}

void
nq_sim_stop (nq_sim_t *self)
{
    assert (self);
    if (self->stopping)
        return;
    self->stopping = 1;
    //  the server first: aborting its requests gives their tickets back
    nq_http_server_stop (self->http, NULL, NULL);
    nq_sim_sched_stop (self->sched, NULL, NULL);
}

void
nq_sim_destroy (nq_sim_t **self_p)
{
    assert (self_p);
    nq_sim_t *self = *self_p;
    if (!self)
        return;
    nq_http_server_destroy (&self->http);
    nq_sim_sched_destroy (&self->sched);
    nq_sim_catalogue_destroy (&self->catalogue);
    nq_free (self);
    *self_p = NULL;
}
