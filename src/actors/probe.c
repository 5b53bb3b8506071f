/*  probe.c — the health and model probe of one Ollama instance.

    One probe actor per instance (under inst-NAME) polls the instance every
    NOVAQ_OLLAMA_PROBE: GET /api/tags until the served models are known
    (unless the entry lists them with models=), then again about once a
    minute; GET /api/ps otherwise, whose loaded models become the warm list
    the broker's dispatcher prefers. What it learns goes into the instance
    (instance.h), which tells the link (CREDIT with the lists).

    While the instance's breaker is open or half open, the probe's request
    passes through the breaker like any call: refused while open, admitted
    as the half-open probe once the open wait is over, and its outcome
    recorded. So a recovered instance closes its breaker, and its credit
    returns, even when no job is routed to it. While the breaker is closed
    the probe records nothing: the instance's health is judged by the work
    it does (a probe success must not hide a burst of failing model calls). */
#include "actors/ollama.h"
#include "actors/worker_int.h"
#include "common/alloc.h"
#include "common/errors.h"
#include "common/log.h"

#include <stdio.h>
#include <string.h>

#define S_TAGS_EVERY_MS 60000    //  installed models change rarely

enum { S_TICK = 0x400 };

typedef struct {
    nq_slot_arg_t *arg;
    nq_actor_t *self;
    nq_instance_t *inst;
    nq_ollama_t *ollama;
    nq_ollama_req_t *req;    //  in flight, or NULL
    int probing;             //  the request is the breaker's half-open probe
    int tags;                //  the request is /api/tags (else /api/ps)
    uint64_t tags_ms;        //  when /api/tags last answered
    int failing;             //  the last request failed (logged once per run of failures)
} s_probe_t;

static uint64_t
s_now (s_probe_t *P)
{
    return nq_clock_now_ms (nq_runtime_clock (nq_actor_runtime (P->self)));
}

//  The "name" of each object of body's "models", plus "x" for "x:latest"
//  (Ollama's default tag: a job may ask for either). Returns the count.
static size_t
s_names (const json_t *body, const char **out, size_t cap, char aliases[][128])
{
    size_t n = 0, a = 0;
    json_t *models = json_object_get (body, "models");
    size_t i;
    json_t *m;
    json_array_foreach (models, i, m)
    {
        const char *name = json_string_value (json_object_get (m, "name"));
        if (!name || !*name || n + 2 > cap)
            continue;
        out[n++] = name;
        size_t len = strlen (name);
        if (len > 7 && strcmp (name + len - 7, ":latest") == 0 && len - 7 < 128 && a < cap / 2) {
            snprintf (aliases[a], 128, "%.*s", (int)(len - 7), name);
            out[n++] = aliases[a++];
        }
    }
    return n;
}

static void
s_done (void *arg, nq_ollama_req_t *req, const nq_ollama_result_t *result)
{
    s_probe_t *P = arg;
    (void)req;
    P->req = NULL;
    if (P->probing)
        nq_instance_record (P->inst, &result->call);
    if (P->failing)
        NQ_LOG_INFO ("probe_recovered", NQ_LS ("instance", nq_instance_name (P->inst)));
    P->failing = 0;
    const char *names[128];
    char aliases[64][128];
    size_t n = s_names (result->json, names, 128, aliases);
    if (P->tags) {
        P->tags_ms = s_now (P);
        if (!nq_instance_models_configured (P->inst) && nq_instance_set_models (P->inst, names, n) == 1)
            NQ_LOG_INFO ("instance_models", NQ_LS ("instance", nq_instance_name (P->inst)),
                         NQ_LU ("models", n));
    }
    else if (nq_instance_set_warm (P->inst, names, n) == 1)
        NQ_LOG_DEBUG ("instance_warm", NQ_LS ("instance", nq_instance_name (P->inst)), NQ_LU ("loaded", n),
                      NQ_LS ("first", n ? names[0] : ""));
}

static void
s_error (void *arg, nq_ollama_req_t *req, const nq_ollama_error_t *error)
{
    s_probe_t *P = arg;
    (void)req;
    P->req = NULL;
    if (P->probing)
        nq_instance_record (P->inst, &error->call);
    if (!P->failing)
        NQ_LOG_WARN ("probe_failed", NQ_LS ("instance", nq_instance_name (P->inst)),
                     NQ_LS ("request", P->tags ? "tags" : "ps"), NQ_LS ("error", nq_error_name (error->code)),
                     NQ_LS ("message", error->message), NQ_LB ("breaker_probe", P->probing));
    P->failing = 1;
}

static void
s_tick (s_probe_t *P)
{
    if (P->req)
        return;    //  the last one is still running (bounded by the client's timeouts)
    nq_breaker_state_t state = nq_instance_state (P->inst);
    P->probing = state == NQ_BREAKER_OPEN || state == NQ_BREAKER_HALF_OPEN;
    if (P->probing && nq_instance_allow (P->inst, NULL) != 0)
        return;    //  still open, or another probe is out
    P->tags = !nq_instance_models_configured (P->inst) &&
              (!nq_instance_models_known (P->inst) || s_now (P) - P->tags_ms >= S_TAGS_EVERY_MS);
    nq_ollama_handler_t h = {NULL, s_done, s_error, P};
    int rc = P->tags ? nq_ollama_tags (P->ollama, &h, &P->req) : nq_ollama_ps (P->ollama, &h, &P->req);
    if (rc) {
        P->req = NULL;
        if (P->probing) {
            nq_call_result_t cancelled = {NQ_CALL_CANCELLED, 0, 0};
            nq_instance_record (P->inst, &cancelled);
        }
        NQ_LOG_WARN ("probe_not_sent", NQ_LS ("instance", nq_instance_name (P->inst)),
                     NQ_LS ("error", nq_strerror (rc)));
    }
}

static int
s_handle (nq_actor_t *self, nq_mail_t *mail)
{
    s_probe_t *P = nq_actor_state (self);
    if (mail->type == S_TICK)
        s_tick (P);
    return 0;
}

static int
s_init (nq_actor_t *self, void *arg)
{
    s_probe_t *P = nq_calloc (1, sizeof *P);
    if (!P)
        return NQ_ENOMEM;
    P->arg = arg;
    P->self = self;
    P->inst = P->arg->ctx->instances[P->arg->inst];
    nq_actor_set_state (self, P);
    P->ollama = nq_instance_ollama_new (P->inst, self);
    if (!P->ollama)
        return NQ_ENOMEM;
    uint64_t every = nq_instance_probe_ms (P->inst);
    if (!nq_actor_timer_start (self, 1, every, S_TICK))
        return NQ_ENOMEM;
    return 0;
}

static void
s_stopping (nq_actor_t *self, int reason)
{
    (void)reason;
    s_probe_t *P = nq_actor_state (self);
    if (P && P->ollama) {
        if (P->req && P->probing) {
            nq_call_result_t cancelled = {NQ_CALL_CANCELLED, 0, 0};
            nq_instance_record (P->inst, &cancelled);
        }
        P->req = NULL;
        nq_ollama_close (P->ollama, NULL, NULL);
        P->ollama = NULL;
    }
}

static void
s_fini (nq_actor_t *self)
{
    nq_free (nq_actor_state (self));
}

int
nq_probe_start (nq_runtime_t *rt, nq_actor_t *parent, void *arg, nq_actor_t **child_p)
{
    static const nq_actor_def_t def = {"probe", s_init, s_handle, s_stopping, s_fini, 0};
    nq_spawn_opts_t opts = {.loop = nq_actor_loop_index (parent), .parent = parent};
    return nq_actor_spawn (rt, &def, arg, &opts, child_p);
}
