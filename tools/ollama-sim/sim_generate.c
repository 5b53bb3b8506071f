/*  sim_generate.c — /api/chat and /api/generate: load, unload and streamed
    (or whole) replies with the token timing model.

    A request takes a scheduler ticket; once granted, its first token is due
    after the prompt's evaluation time and each next one after 1/tps seconds,
    all divided by --speed. A timer emits every token that is due, so timing
    holds even when many tokens fall due within one millisecond. While the
    connection's write queue is full the timer is not re-armed; the drain
    callback resumes it. A client that closes mid-stream aborts the request:
    its slot is freed and a disconnect counted. */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "common/errors.h"
#include "common/log.h"
#include "sim.h"
#include "sim_format.h"
#include "sim_text.h"

typedef struct {
    nq_sim_t *sim;
    nq_http_req_t *req;
    int is_chat;
    int stream;
    int load_only;
    char *model_name;    //  as the request spelled it
    const nq_sim_model_t *model;
    nq_sim_ticket_t *ticket;
    uv_timer_t timer;
    nq_rng_t rng;
    int prompt_tokens;
    int count;
    int emitted;
    int hit_limit;
    int num_predict;
    int64_t error_after;    //  -1: none
    int64_t hang_after;     //  -1: none
    int waiting_drain;
    int hung;
    uint64_t start_us;
    uint64_t grant_ms;    //  loop time at grant
    double prompt_ms;     //  real (scaled) delays
    double token_ms;
    char *structured;    //  the JSON answer to a `format`, sent in count pieces (or NULL)
    size_t slen;
    char *content;    //  the whole reply, for stream:false
    size_t clen, ccap;
} s_gen_t;

static uint64_t
s_wall_ns (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static json_t *
s_base (const char *model)
{
    char ts[64];
    nq_sim_rfc3339 (s_wall_ns (), ts, sizeof ts);
    return json_pack ("{s:s, s:s}", "model", model, "created_at", ts);
}

//  {"model","created_at","message":{…}} or {"model","created_at","response"}
static json_t *
s_object (const char *model, int is_chat, const char *text)
{
    json_t *o = s_base (model);
    if (!o)
        return NULL;
    if (is_chat)
        json_object_set_new (o, "message", json_pack ("{s:s, s:s}", "role", "assistant", "content", text));
    else
        json_object_set_new (o, "response", json_string (text));
    return o;
}

static void
s_set_nonzero (json_t *o, const char *key, uint64_t v)
{
    //  Ollama's metrics are omitempty
    if (v)
        json_object_set_new (o, key, json_integer ((json_int_t)v));
}

static void
s_timer_closed (uv_handle_t *handle)
{
    s_gen_t *g = handle->data;
    nq_free (g->model_name);
    nq_free (g->content);
    nq_free (g->structured);
    nq_free (g);
}

typedef enum { S_END_DONE = 0, S_END_ABORTED } s_end_t;

//  The request is over (response ended or client gone): give everything back.
static void
s_gen_end (s_gen_t *g, s_end_t how)
{
    nq_sim_t *sim = g->sim;
    if (how == S_END_ABORTED) {
        sim->stats.disconnects++;
        if (g->ticket && !nq_sim_ticket_granted (g->ticket))
            sim->stats.canceled++;
        NQ_LOG_DEBUG ("sim_client_gone", NQ_LS ("model", g->model_name), NQ_LI ("emitted", g->emitted));
    }
    else
        sim->stats.completed++;
    nq_sim_sched_release (sim->sched, &g->ticket);
    sim->stats.in_flight--;
    g->req = NULL;
    uv_timer_stop (&g->timer);
    uv_close ((uv_handle_t *)&g->timer, s_timer_closed);
}

static void
s_on_abort (void *user, nq_http_req_t *req)
{
    (void)req;
    s_gen_end (user, S_END_ABORTED);
}

static void s_tick (uv_timer_t *timer);

static void
s_on_drain (void *user, nq_http_req_t *req)
{
    (void)req;
    s_gen_t *g = user;
    g->waiting_drain = 0;
    uv_timer_start (&g->timer, s_tick, 0, 0);
}

//  Writes one NDJSON line; returns 0, 1 (queue full) or NQ_ECLOSED.
static int
s_write_line (s_gen_t *g, json_t *o)
{
    char *text = o ? json_dumps (o, JSON_COMPACT) : NULL;
    json_decref (o);
    if (!text)
        return 0;    //  nothing encodable to send (no memory): the line is skipped
    size_t n = strlen (text);
    text[n] = '\n';    //  json_dumps leaves room: the NUL becomes the newline
    int rc = nq_http_req_stream_write (g->req, text, n + 1);
    free (text);
    return rc;
}

static void
s_finish (s_gen_t *g)
{
    nq_sim_t *sim = g->sim;
    double speed = sim->opts.speed;
    uint64_t load_ns = (uint64_t)((double)nq_sim_ticket_wait_us (g->ticket) * 1000.0 * speed);
    uint64_t prompt_ns = nq_sim_duration_ns (g->prompt_tokens, g->model->prompt_tps);
    uint64_t eval_ns = nq_sim_duration_ns (g->count, g->model->tps);
    uint64_t total_ns = (uint64_t)((double)(uv_hrtime () / 1000 - g->start_us) * 1000.0 * speed);
    if (total_ns < load_ns + prompt_ns + eval_ns)
        total_ns = load_ns + prompt_ns + eval_ns;
    json_t *o = s_object (g->model_name, g->is_chat, g->stream ? "" : (g->content ? g->content : ""));
    if (!o) {
        s_gen_end (g, S_END_ABORTED);
        return;
    }
    if (g->is_chat) {
        json_object_set_new (o, "done_reason", json_string (g->hit_limit ? "length" : "stop"));
        json_object_set_new (o, "done", json_true ());
    }
    else {
        json_object_set_new (o, "done", json_true ());
        json_object_set_new (o, "done_reason", json_string (g->hit_limit ? "length" : "stop"));
        json_t *ctx = json_array ();
        int n = g->prompt_tokens + g->count;
        for (int i = 0; i < n && ctx; i++)
            json_array_append_new (ctx, json_integer ((json_int_t)(nq_rng_next (&g->rng) % 32000)));
        json_object_set_new (o, "context", ctx);
    }
    s_set_nonzero (o, "total_duration", total_ns);
    s_set_nonzero (o, "load_duration", load_ns);
    s_set_nonzero (o, "prompt_eval_count", (uint64_t)g->prompt_tokens);
    s_set_nonzero (o, "prompt_eval_duration", prompt_ns);
    s_set_nonzero (o, "eval_count", (uint64_t)g->count);
    s_set_nonzero (o, "eval_duration", eval_ns);
    nq_http_req_t *req = g->req;
    s_gen_end (g, S_END_DONE);
    if (g->stream) {
        char *text = json_dumps (o, JSON_COMPACT);
        json_decref (o);
        if (text) {
            size_t n = strlen (text);
            text[n] = '\n';
            nq_http_req_stream_write (req, text, n + 1);
            free (text);
        }
        nq_http_req_stream_end (req);
    }
    else
        nq_sim_reply_json (sim, req, 200, o);
}

static void
s_error_line (s_gen_t *g)
{
    nq_sim_t *sim = g->sim;
    sim->stats.stream_errors++;
    nq_http_req_t *req = g->req;
    const char *msg = sim->faults.error_message;
    if (!g->stream) {
        s_gen_end (g, S_END_DONE);
        nq_sim_reply_error (sim, req, 500, msg);
        return;
    }
    //  after streaming began an error is a last line, status 200, no done
    json_t *o = json_pack ("{s:s}", "error", msg);
    s_gen_end (g, S_END_DONE);
    char *text = o ? json_dumps (o, JSON_COMPACT) : NULL;
    json_decref (o);
    if (text) {
        size_t n = strlen (text);
        text[n] = '\n';
        nq_http_req_stream_write (req, text, n + 1);
        free (text);
    }
    nq_http_req_stream_end (req);
}

static void
s_tick (uv_timer_t *timer)
{
    s_gen_t *g = timer->data;
    nq_sim_t *sim = g->sim;
    if (!g->req || g->hung || g->waiting_drain)
        return;
    double now = (double)uv_now (sim->loop);
    while (g->emitted < g->count) {
        if (g->error_after >= 0 && g->emitted >= g->error_after) {
            s_error_line (g);
            return;
        }
        if (g->hang_after >= 0 && g->emitted >= g->hang_after) {
            g->hung = 1;
            sim->stats.hangs++;
            return;    //  the stream stops here; only the client's close ends it
        }
        double due = (double)g->grant_ms + g->prompt_ms + (g->emitted + 1) * g->token_ms;
        if (due > now) {
            uv_timer_start (&g->timer, s_tick, (uint64_t)ceil (due - now), 0);
            return;
        }
        char word[512];
        size_t wl;
        if (g->structured) {
            //  Piece i of the structured answer (ASCII: any cut is safe).
            size_t from = g->slen * (size_t)g->emitted / (size_t)g->count;
            size_t to = g->slen * (size_t)(g->emitted + 1) / (size_t)g->count;
            wl = to - from < sizeof word - 1 ? to - from : sizeof word - 1;
            memcpy (word, g->structured + from, wl);
            word[wl] = '\0';
        }
        else
            wl = nq_sim_token_text (&g->rng, g->emitted, g->count, word, sizeof word);
        g->emitted++;
        sim->stats.tokens++;
        if (!g->stream) {
            size_t ncap = g->ccap ? g->ccap : 256;
            while (ncap < g->clen + wl + 1)
                ncap *= 2;
            if (ncap != g->ccap) {
                char *nc = nq_realloc (g->content, ncap);
                if (!nc) {
                    nq_http_req_t *req = g->req;
                    s_gen_end (g, S_END_DONE);
                    nq_sim_reply_error (sim, req, 500, "out of memory");
                    return;
                }
                g->content = nc;
                g->ccap = ncap;
            }
            memcpy (g->content + g->clen, word, wl);
            g->clen += wl;
            g->content[g->clen] = 0;
            continue;
        }
        json_t *line = s_object (g->model_name, g->is_chat, word);
        if (line)
            json_object_set_new (line, "done", json_false ());
        int rc = s_write_line (g, line);
        if (rc < 0) {
            s_gen_end (g, S_END_ABORTED);
            return;
        }
        if (rc == 1) {
            g->waiting_drain = 1;
            return;
        }
    }
    if (g->error_after >= 0 && g->emitted >= g->error_after) {
        s_error_line (g);
        return;
    }
    s_finish (g);
}

static void
s_granted (void *arg, nq_sim_ticket_t *ticket)
{
    s_gen_t *g = arg;
    (void)ticket;
    nq_sim_t *sim = g->sim;
    if (g->load_only) {
        json_t *o = s_object (g->model_name, g->is_chat, "");
        if (o && g->is_chat) {
            json_object_set_new (o, "done_reason", json_string ("load"));
            json_object_set_new (o, "done", json_true ());
        }
        else if (o) {
            json_object_del (o, "response");
            json_object_set_new (o, "response", json_string (""));
            json_object_set_new (o, "done", json_true ());
            json_object_set_new (o, "done_reason", json_string ("load"));
        }
        nq_http_req_t *req = g->req;
        s_gen_end (g, S_END_DONE);
        nq_sim_reply_json (sim, req, 200, o);
        return;
    }
    g->grant_ms = uv_now (sim->loop);
    double speed = sim->opts.speed;
    g->prompt_ms = (double)nq_sim_duration_ns (g->prompt_tokens, g->model->prompt_tps) / 1e6 / speed;
    g->token_ms = 1000.0 / g->model->tps / speed;
    g->error_after = nq_sim_faults_take (&sim->faults.error) ? sim->faults.error_after : -1;
    g->hang_after = (sim->faults.hang_mode == NQ_SIM_HANG_STREAM && nq_sim_faults_take (&sim->faults.hang))
                        ? sim->faults.hang_after
                        : -1;
    if (g->stream && nq_http_req_stream_begin (g->req, 200, "application/x-ndjson") != 0) {
        s_gen_end (g, S_END_ABORTED);
        return;
    }
    s_tick (&g->timer);
}

//  Text of the prompt: chat messages' contents, or generate's system + prompt.
static int
s_prompt (json_t *body, int is_chat, char **out, size_t *len, int *messages)
{
    size_t cap = 256, n = 0;
    char *buf = nq_malloc (cap);
    if (!buf)
        return NQ_ENOMEM;
    buf[0] = 0;
    const char *parts[2] = {NULL, NULL};
    json_t *msgs = json_object_get (body, "messages");
    size_t count = 0;
    if (is_chat) {
        if (msgs && !json_is_array (msgs) && !json_is_null (msgs)) {
            nq_free (buf);
            return NQ_EINVALID;
        }
        count = json_array_size (msgs);
    }
    else {
        parts[0] = json_string_value (json_object_get (body, "system"));
        parts[1] = json_string_value (json_object_get (body, "prompt"));
        count = 2;
    }
    *messages = 0;
    for (size_t i = 0; i < count; i++) {
        const char *text;
        if (is_chat) {
            json_t *m = json_array_get (msgs, i);
            if (!json_is_object (m)) {
                nq_free (buf);
                return NQ_EINVALID;
            }
            text = json_string_value (json_object_get (m, "content"));
            (*messages)++;
        }
        else {
            text = parts[i];
            if (i == 1 && text && *text)
                (*messages)++;
        }
        if (!text)
            continue;
        size_t tl = strlen (text);
        if (n + tl + 2 > cap) {
            while (n + tl + 2 > cap)
                cap *= 2;
            char *nb = nq_realloc (buf, cap);
            if (!nb) {
                nq_free (buf);
                return NQ_ENOMEM;
            }
            buf = nb;
        }
        memcpy (buf + n, text, tl);
        n += tl;
        buf[n++] = '\n';
        buf[n] = 0;
    }
    *out = buf;
    *len = n;
    return 0;
}

static int
s_option_int (json_t *options, const char *key, int *out)
{
    json_t *v = json_object_get (options, key);
    if (!v)
        return 0;
    if (!json_is_number (v))
        return -1;
    *out = (int)json_number_value (v);
    return 0;
}

void
nq_sim_generate (nq_sim_t *sim, nq_http_req_t *req, int is_chat)
{
    sim->stats.requests[is_chat ? NQ_SIM_EP_CHAT : NQ_SIM_EP_GENERATE]++;
    if (nq_sim_arrival_faults (sim, req))
        return;
    json_t *body = nq_sim_parse_body (sim, req);
    if (!body)
        return;
    char msg[256];
    const char *name = json_string_value (json_object_get (body, "model"));
    if (!name || !*name) {
        if (is_chat)
            nq_sim_reply_error (sim, req, 400, "model is required");
        else
            nq_sim_reply_error (sim, req, 404, "model '' not found");
        json_decref (body);
        return;
    }
    const nq_sim_model_t *model = nq_sim_catalogue_find (sim->catalogue, name);
    if (!model) {
        snprintf (msg, sizeof msg, "model '%.200s' not found", name);
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
    json_t *options = json_object_get (body, "options");
    int num_ctx = 0, num_predict = 0, opt_seed = 0;
    if ((options && !json_is_object (options)) || s_option_int (options, "num_ctx", &num_ctx) != 0 ||
        s_option_int (options, "num_predict", &num_predict) != 0 ||
        s_option_int (options, "seed", &opt_seed) != 0) {
        nq_sim_reply_error (sim, req, 400, "invalid options");
        json_decref (body);
        return;
    }
    json_t *stream_v = json_object_get (body, "stream");
    uint64_t fh = nq_sim_hash (name, strlen (name), sim->opts.seed);
    char *structured = nq_sim_format_text (json_object_get (body, "format"), fh);
    int stream = !(stream_v && json_is_false (stream_v));
    char *prompt = NULL;
    size_t prompt_len = 0;
    int messages = 0;
    int rc = s_prompt (body, is_chat, &prompt, &prompt_len, &messages);
    char *model_name = nq_strdup (name);    //  name lives in body
    json_decref (body);
    name = model_name;
    if (rc == 0 && !model_name) {
        nq_free (prompt);
        rc = NQ_ENOMEM;
    }
    if (rc != 0 || messages == 0 || model->kind == NQ_SIM_KIND_EMBED) {
        nq_free (structured);    //  only a generation has an answer to shape
        structured = NULL;
    }
    if (rc != 0) {
        nq_free (model_name);
        nq_sim_reply_error (sim, req, rc == NQ_EINVALID ? 400 : 500,
                            rc == NQ_EINVALID ? "invalid messages" : "out of memory");
        return;
    }
    if (messages == 0 && keep_alive == 0) {
        //  an empty request with keep_alive 0 unloads the model
        nq_free (prompt);
        nq_sim_sched_expire (sim->sched, model);
        json_t *o = s_object (name, is_chat, "");
        if (o) {
            json_object_set_new (o, "done_reason", json_string ("unload"));
            json_object_set_new (o, "done", json_true ());
        }
        nq_free (model_name);
        nq_sim_reply_json (sim, req, 200, o);
        return;
    }
    if (model->kind == NQ_SIM_KIND_EMBED) {
        nq_free (prompt);
        snprintf (msg, sizeof msg, "\"%.200s\" does not support %s", name, is_chat ? "chat" : "generate");
        nq_free (model_name);
        nq_sim_reply_error (sim, req, 400, msg);
        return;
    }
    s_gen_t *g = nq_calloc (1, sizeof *g);
    if (!g) {
        nq_free (model_name);
        nq_free (prompt);
        nq_free (structured);
        nq_sim_reply_error (sim, req, 500, "out of memory");
        return;
    }
    g->sim = sim;
    g->req = req;
    g->is_chat = is_chat;
    g->stream = stream;
    g->load_only = messages == 0;
    g->model_name = model_name;
    g->model = model;
    g->num_predict = num_predict;
    g->start_us = uv_hrtime () / 1000;
    g->error_after = g->hang_after = -1;
    g->prompt_tokens = nq_sim_token_estimate (prompt, prompt_len);
    uint64_t h = nq_sim_hash (model->name, strlen (model->name), sim->opts.seed);
    h = nq_sim_hash (prompt, prompt_len, h ^ (uint64_t)(int64_t)opt_seed);
    nq_free (prompt);
    g->count = nq_sim_reply_tokens (g->prompt_tokens, h, num_predict, &g->hit_limit);
    if (structured) {
        //  The whole document, in count pieces (no fewer than 1 byte each).
        g->structured = structured;
        g->slen = strlen (structured);
        if ((size_t)g->count > g->slen)
            g->count = (int)g->slen;
        if (g->count < 1)
            g->count = 1;
        g->hit_limit = 0;
    }
    nq_rng_seed (&g->rng, h);
    uv_timer_init (sim->loop, &g->timer);
    g->timer.data = g;
    sim->stats.in_flight++;
    if (sim->stats.in_flight > sim->stats.max_in_flight)
        sim->stats.max_in_flight = sim->stats.in_flight;
    nq_http_req_set_user (req, g, s_on_abort, s_on_drain);
    rc =
        nq_sim_sched_submit (sim->sched, model, num_ctx, keep_alive, !g->load_only, s_granted, g, &g->ticket);
    if (rc != 0) {
        s_gen_end (g, S_END_DONE);
        nq_sim_reply_error (sim, req, 503,
                            rc == NQ_EOVERLOADED
                                ? "server busy, please try again.  maximum pending requests exceeded"
                                : "simulator shutting down");
    }
}
