/*  sim_embed.c — /api/embed and the older /api/embeddings.

    An embedding request takes a slot of its model (embedding models run with
    one slot), spends its prompt tokens / prompt_tps seconds (divided by
    --speed) and answers with deterministic unit vectors, one per input
    (sim_vec.h). Empty input answers {"model", "embeddings": []} without
    loading anything, as Ollama does. */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/errors.h"
#include "common/log.h"
#include "sim.h"
#include "sim_text.h"
#include "sim_vec.h"

typedef struct {
    nq_sim_t *sim;
    nq_http_req_t *req;
    int legacy;
    char *model_name;
    const nq_sim_model_t *model;
    json_t *inputs;    //  array of strings
    int dimensions;    //  0: the model's
    int prompt_tokens;
    uint64_t start_us;
    nq_sim_ticket_t *ticket;
    uv_timer_t timer;
} s_embed_t;

static void
s_closed (uv_handle_t *handle)
{
    s_embed_t *e = handle->data;
    json_decref (e->inputs);
    nq_free (e->model_name);
    nq_free (e);
}

static void
s_end (s_embed_t *e, int aborted)
{
    nq_sim_t *sim = e->sim;
    if (aborted) {
        sim->stats.disconnects++;
        if (e->ticket && !nq_sim_ticket_granted (e->ticket))
            sim->stats.canceled++;
    }
    else
        sim->stats.completed++;
    nq_sim_sched_release (sim->sched, &e->ticket);
    sim->stats.in_flight--;
    e->req = NULL;
    uv_timer_stop (&e->timer);
    uv_close ((uv_handle_t *)&e->timer, s_closed);
}

static void
s_on_abort (void *user, nq_http_req_t *req)
{
    (void)req;
    s_end (user, 1);
}

static json_t *
s_vector (nq_sim_t *sim, s_embed_t *e, const char *text)
{
    int full = e->model->dim;
    float *v = nq_malloc (sizeof (float) * (size_t)full);
    if (!v)
        return NULL;
    nq_sim_vec_fill (sim->opts.seed, e->model->name, text, strlen (text), v, full);
    int dim = e->dimensions > 0 && e->dimensions < full ? e->dimensions : full;
    double norm = dim < full ? nq_sim_vec_norm (v, dim) : 1.0;
    json_t *arr = json_array ();
    for (int i = 0; i < dim && arr; i++)
        json_array_append_new (arr, json_real (norm > 0 ? (double)v[i] / norm : 0.0));
    nq_free (v);
    return arr;
}

static void
s_respond (nq_sim_t *sim, nq_http_req_t *req, json_t *o)
{
    char *text = o ? json_dumps (o, JSON_COMPACT | JSON_REAL_PRECISION (9)) : NULL;
    json_decref (o);
    if (!text) {
        nq_sim_reply_error (sim, req, 500, "out of memory");
        return;
    }
    nq_http_req_respond (req, 200, "application/json; charset=utf-8", text, strlen (text));
    free (text);
}

static void
s_compute (uv_timer_t *timer)
{
    s_embed_t *e = timer->data;
    nq_sim_t *sim = e->sim;
    double speed = sim->opts.speed;
    uint64_t load_ns = (uint64_t)((double)nq_sim_ticket_wait_us (e->ticket) * 1000.0 * speed);
    uint64_t eval_ns = nq_sim_duration_ns (e->prompt_tokens, e->model->prompt_tps);
    uint64_t total_ns = (uint64_t)((double)(uv_hrtime () / 1000 - e->start_us) * 1000.0 * speed);
    if (total_ns < load_ns + eval_ns)
        total_ns = load_ns + eval_ns;
    json_t *o;
    if (e->legacy)
        o = json_pack ("{s:o}", "embedding",
                       s_vector (sim, e, json_string_value (json_array_get (e->inputs, 0))));
    else {
        json_t *list = json_array ();
        for (size_t i = 0; i < json_array_size (e->inputs) && list; i++)
            json_array_append_new (list,
                                   s_vector (sim, e, json_string_value (json_array_get (e->inputs, i))));
        o = json_pack ("{s:s, s:o}", "model", e->model_name, "embeddings", list);
        if (o) {
            json_object_set_new (o, "total_duration", json_integer ((json_int_t)total_ns));
            if (load_ns)
                json_object_set_new (o, "load_duration", json_integer ((json_int_t)load_ns));
            json_object_set_new (o, "prompt_eval_count", json_integer (e->prompt_tokens));
        }
    }
    nq_http_req_t *req = e->req;
    s_end (e, 0);
    s_respond (sim, req, o);
}

static void
s_granted (void *arg, nq_sim_ticket_t *ticket)
{
    (void)ticket;
    s_embed_t *e = arg;
    double ms =
        (double)nq_sim_duration_ns (e->prompt_tokens, e->model->prompt_tps) / 1e6 / e->sim->opts.speed;
    uv_timer_start (&e->timer, s_compute, (uint64_t)ms, 0);
}

void
nq_sim_embed (nq_sim_t *sim, nq_http_req_t *req, int legacy)
{
    sim->stats.requests[legacy ? NQ_SIM_EP_EMBEDDINGS : NQ_SIM_EP_EMBED]++;
    if (nq_sim_arrival_faults (sim, req))
        return;
    json_t *body = nq_sim_parse_body (sim, req);
    if (!body)
        return;
    char msg[256];
    const char *name = json_string_value (json_object_get (body, "model"));
    const nq_sim_model_t *model = name && *name ? nq_sim_catalogue_find (sim->catalogue, name) : NULL;
    if (!name || !*name) {
        nq_sim_reply_error (sim, req, 400, "model is required");
        json_decref (body);
        return;
    }
    if (!model) {
        snprintf (msg, sizeof msg, "model \"%.200s\" not found, try pulling it first", name);
        nq_sim_reply_error (sim, req, 404, msg);
        json_decref (body);
        return;
    }
    int64_t keep_alive;
    if (nq_sim_keep_alive_ms (json_object_get (body, "keep_alive"), &keep_alive) != 0) {
        nq_sim_reply_error (sim, req, 400, "invalid keep_alive duration");
        json_decref (body);
        return;
    }
    json_t *inputs = json_array ();
    json_t *in = json_object_get (body, legacy ? "prompt" : "input");
    int bad = 0;
    if (json_is_string (in)) {
        if (json_string_length (in) > 0 || legacy)
            json_array_append (inputs, in);
    }
    else if (json_is_array (in)) {
        size_t i;
        json_t *v;
        json_array_foreach (in, i, v)
        {
            if (!json_is_string (v))
                bad = 1;
            else
                json_array_append (inputs, v);
        }
    }
    else if (in && !json_is_null (in))
        bad = 1;
    json_t *dims = json_object_get (body, "dimensions");
    int dimensions = json_is_integer (dims) ? (int)json_integer_value (dims) : 0;
    if (dims && (!json_is_integer (dims) || dimensions < 0))
        bad = 1;
    char *model_name = nq_strdup (name);    //  name lives in body
    json_decref (body);
    name = model_name;
    if (bad || !inputs || !model_name) {
        nq_free (model_name);
        json_decref (inputs);
        nq_sim_reply_error (sim, req, 400, "invalid input type");
        return;
    }
    if (legacy && json_array_size (inputs) == 1 && json_string_length (json_array_get (inputs, 0)) == 0) {
        nq_free (model_name);
        json_decref (inputs);
        nq_sim_reply_json (sim, req, 200, json_pack ("{s:[]}", "embedding"));
        return;
    }
    if (json_array_size (inputs) == 0) {
        json_decref (inputs);
        if (legacy)
            nq_sim_reply_json (sim, req, 200, json_pack ("{s:[]}", "embedding"));
        else
            nq_sim_reply_json (sim, req, 200, json_pack ("{s:s, s:[]}", "model", name, "embeddings"));
        nq_free (model_name);
        return;
    }
    s_embed_t *e = nq_calloc (1, sizeof *e);
    if (!e) {
        nq_free (model_name);
        json_decref (inputs);
        nq_sim_reply_error (sim, req, 500, "out of memory");
        return;
    }
    e->sim = sim;
    e->req = req;
    e->legacy = legacy;
    e->model_name = model_name;
    e->model = model;
    e->inputs = inputs;
    e->dimensions = dimensions;
    e->start_us = uv_hrtime () / 1000;
    for (size_t i = 0; i < json_array_size (inputs); i++) {
        json_t *s = json_array_get (inputs, i);
        e->prompt_tokens += nq_sim_token_estimate (json_string_value (s), json_string_length (s));
    }
    uv_timer_init (sim->loop, &e->timer);
    e->timer.data = e;
    sim->stats.in_flight++;
    if (sim->stats.in_flight > sim->stats.max_in_flight)
        sim->stats.max_in_flight = sim->stats.in_flight;
    nq_http_req_set_user (req, e, s_on_abort, NULL);
    int rc = nq_sim_sched_submit (sim->sched, model, 0, keep_alive, 1, s_granted, e, &e->ticket);
    if (rc != 0) {
        s_end (e, 0);
        nq_sim_reply_error (sim, req, 503,
                            rc == NQ_EOVERLOADED
                                ? "server busy, please try again.  maximum pending requests exceeded"
                                : "simulator shutting down");
    }
}
