/*  ollama.c — the Ollama HTTP client (see ollama.h). */
#include "actors/ollama.h"

#include "actors/ndjson.h"
#include "common/alloc.h"
#include "common/errors.h"
#include "common/log.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

typedef enum { S_CHAT, S_GENERATE, S_EMBED, S_GET } s_kind_t;

struct nq_ollama_req_t {
    nq_ollama_t *client;
    nq_ollama_req_t *prev, *next;
    s_kind_t kind;
    int streaming;
    CURL *easy;
    struct curl_slist *headers;
    char *body_out;    //  request body (libcurl does not copy it)
    nq_ollama_handler_t handler;
    nq_ndjson_t *ndjson;
    char *body;    //  non-streamed response
    size_t body_len, body_cap;
    json_t *final;         //  the done:true object
    uint64_t started;      //  uv_now at start
    uint64_t last_byte;    //  uv_now of the last response byte, 0 before the first
    int status;
    int streamed;    //  text delivered
    int cancelled;
    int finishing;      //  out of the multi, terminal callback due
    int in_callback;    //  a user callback of this request is running
    //  A terminal error noticed while data flowed (error line, bad line,
    //  our own timeout): reported once the transfer ends.
    int err_code;
    nq_call_kind_t err_kind;
    const char *err_timeout;
    char *err_message;
};

struct nq_ollama_t {
    uv_loop_t *loop;
    nq_ollama_options_t options;
    char *base_url;
    char *ca_file;
    nq_curl_uv_t *glue;
    uv_timer_t watchdog;    //  first-byte and idle deadlines
    nq_curl_uv_closer_fn *closer;
    void *owner_arg;
    nq_ollama_req_t *reqs;
    size_t active;
    nq_ollama_stats_t stats;
    int closing;
    int pending_closes;
    nq_ollama_close_fn *close_fn;
    void *close_arg;
};

//  --------------------------------------------------------------------------
//  Error mapping

void
nq_ollama_classify (nq_call_kind_t kind, int http_status, nq_ollama_error_t *error)
{
    assert (error);
    error->call.kind = kind;
    error->call.http_status = http_status;
    switch (kind) {
    case NQ_CALL_HTTP:
        if (http_status == 404) {
            error->code = NQ_ENOT_FOUND;
            error->retryable = 0;
        }
        else if (http_status == 429) {
            error->code = NQ_ERATE_LIMITED;
            error->retryable = 1;
        }
        else if (http_status == 503) {
            error->code = NQ_EOVERLOADED;
            error->retryable = 1;
        }
        else if (http_status >= 500) {
            error->code = NQ_EUPSTREAM_FAILED;
            error->retryable = 1;
        }
        else {
            error->code = NQ_EINVALID;
            error->retryable = 0;
        }
        break;
    case NQ_CALL_TRANSPORT:
        error->code = NQ_EUNAVAILABLE;
        error->retryable = 1;
        break;
    case NQ_CALL_TIMEOUT:
        error->code = NQ_ETIMEOUT;
        error->retryable = 1;
        break;
    case NQ_CALL_STREAM:
        error->code = NQ_EUPSTREAM_FAILED;
        error->retryable = 1;
        break;
    case NQ_CALL_CANCELLED:
        error->code = NQ_ECANCELLED;
        error->retryable = 0;
        break;
    case NQ_CALL_OK:
        error->code = 0;
        error->retryable = 0;
        break;
    }
    error->verdict = nq_breaker_classify_default (&error->call, NULL);
}

//  --------------------------------------------------------------------------
//  Request lifetime

static void s_watchdog_arm (nq_ollama_t *self);

static void
s_req_free (nq_ollama_req_t *req)
{
    nq_ollama_t *self = req->client;
    if (req->prev)
        req->prev->next = req->next;
    else
        self->reqs = req->next;
    if (req->next)
        req->next->prev = req->prev;
    self->active--;
    if (req->easy)
        curl_easy_cleanup (req->easy);
    curl_slist_free_all (req->headers);
    nq_free (req->body_out);
    nq_ndjson_destroy (&req->ndjson);
    nq_free (req->body);
    json_decref (req->final);
    nq_free (req->err_message);
    nq_free (req);
    s_watchdog_arm (self);
}

//  Notes a terminal error (the first one wins) to report at the end.
static void
s_req_fail (nq_ollama_req_t *req, int code, nq_call_kind_t kind, const char *timeout, const char *message)
{
    if (req->err_code)
        return;
    req->err_code = code;
    req->err_kind = kind;
    req->err_timeout = timeout;
    req->err_message = nq_strdup (message ? message : nq_strerror (code));
}

static void
s_report_error (nq_ollama_req_t *req, nq_call_kind_t kind, int code, const char *timeout, const char *message)
{
    nq_ollama_t *self = req->client;
    nq_ollama_error_t error;
    memset (&error, 0, sizeof error);
    nq_ollama_classify (kind, req->status, &error);
    if (code)
        error.code = code;
    error.http_status = req->status;
    error.timeout = timeout;
    error.message = message ? message : nq_strerror (error.code);
    error.streamed = req->streamed;
    error.call.duration_ms = uv_now (self->loop) - req->started;
    self->stats.failed++;
    if (kind == NQ_CALL_TIMEOUT)
        self->stats.timeouts++;
    NQ_LOG_DEBUG ("ollama_request_failed", NQ_LS ("error", nq_strerror (error.code)),
                  NQ_LI ("status", req->status), NQ_LS ("message", error.message),
                  NQ_LS ("timeout", timeout ? timeout : ""));
    if (req->handler.error) {
        req->in_callback = 1;
        req->handler.error (req->handler.arg, req, &error);
        req->in_callback = 0;
    }
}

static uint64_t
s_ns (const json_t *obj, const char *key)
{
    json_t *v = json_object_get (obj, key);
    if (json_is_integer (v) && json_integer_value (v) > 0)
        return (uint64_t)json_integer_value (v);
    if (json_is_real (v) && json_real_value (v) > 0)
        return (uint64_t)json_real_value (v);
    return 0;
}

static void
s_report_done (nq_ollama_req_t *req, const json_t *json, int reused)
{
    nq_ollama_t *self = req->client;
    nq_ollama_result_t result;
    memset (&result, 0, sizeof result);
    result.status = req->status;
    result.json = json;
    result.reused_connection = reused;
    result.call.kind = NQ_CALL_OK;
    result.call.http_status = req->status;
    result.call.duration_ms = uv_now (self->loop) - req->started;
    result.verdict = nq_breaker_classify_default (&result.call, NULL);
    nq_ollama_metrics_t *m = &result.metrics;
    m->total_duration_ns = s_ns (json, "total_duration");
    m->load_duration_ns = s_ns (json, "load_duration");
    m->prompt_eval_count = s_ns (json, "prompt_eval_count");
    m->prompt_eval_duration_ns = s_ns (json, "prompt_eval_duration");
    m->eval_count = s_ns (json, "eval_count");
    m->eval_duration_ns = s_ns (json, "eval_duration");
    const char *reason = json_string_value (json_object_get (json, "done_reason"));
    if (reason)
        snprintf (m->done_reason, sizeof m->done_reason, "%s", reason);
    self->stats.completed++;
    if (req->handler.done) {
        req->in_callback = 1;
        req->handler.done (req->handler.arg, req, &result);
        req->in_callback = 0;
    }
}

//  The message of an error body ({"error": "…"}), or NULL.
static char *
s_error_message (const char *body, size_t len)
{
    if (!body || !len)
        return NULL;
    json_t *o = json_loadb (body, len, 0, NULL);
    const char *msg = json_string_value (json_object_get (o, "error"));
    char *copy = msg ? nq_strdup (msg) : NULL;
    json_decref (o);
    return copy;
}

static void
s_finish (nq_ollama_req_t *req, CURLcode result)
{
    nq_ollama_t *self = req->client;
    long num_connects = 0;
    curl_easy_getinfo (req->easy, CURLINFO_NUM_CONNECTS, &num_connects);
    self->stats.connections += (uint64_t)num_connects;
    if (req->status == 0) {
        long status = 0;
        curl_easy_getinfo (req->easy, CURLINFO_RESPONSE_CODE, &status);
        req->status = (int)status;
    }
    if (req->err_code) {
        s_report_error (req, req->err_kind, req->err_code, req->err_timeout, req->err_message);
        return;
    }
    if (result != CURLE_OK) {
        const char *what = curl_easy_strerror (result);
        if (result == CURLE_OPERATION_TIMEDOUT) {
            curl_off_t connected = 0;
            curl_easy_getinfo (req->easy, CURLINFO_CONNECT_TIME_T, &connected);
            s_report_error (req, NQ_CALL_TIMEOUT, 0, connected ? "total" : "connect", what);
        }
        else if (req->status == 0 && req->last_byte == 0)
            //  refused, reset, DNS, TLS: no HTTP answer at all
            s_report_error (req, NQ_CALL_TRANSPORT, 0, NULL, what);
        else
            s_report_error (req, req->status >= 200 && req->status < 300 ? NQ_CALL_STREAM : NQ_CALL_TRANSPORT,
                            0, NULL, what);
        return;
    }
    int reused = num_connects == 0;
    if (req->status < 200 || req->status >= 300) {
        char *msg = s_error_message (req->body, req->body_len);
        s_report_error (req, NQ_CALL_HTTP, 0, NULL, msg);
        nq_free (msg);
        return;
    }
    if (req->streaming) {
        int rc = nq_ndjson_finish (req->ndjson);
        if (rc == 0 && req->err_code == 0 && !req->final)
            s_req_fail (req, NQ_EUPSTREAM_FAILED, NQ_CALL_STREAM, NULL, "stream ended without done");
        if (rc && !req->err_code)
            s_req_fail (req, rc, NQ_CALL_STREAM, NULL, NULL);
        if (req->err_code) {
            s_report_error (req, req->err_kind, req->err_code, req->err_timeout, req->err_message);
            return;
        }
        s_report_done (req, req->final, reused);
        return;
    }
    json_error_t jerr;
    json_t *json = req->body ? json_loadb (req->body, req->body_len, 0, &jerr) : NULL;
    if (!json_is_object (json)) {
        json_decref (json);
        s_report_error (req, NQ_CALL_STREAM, NQ_EUPSTREAM_FAILED, NULL, "response is not a JSON object");
        return;
    }
    s_report_done (req, json, reused);
    json_decref (json);
}

static void
s_on_done (void *arg, CURL *easy, CURLcode result)
{
    nq_ollama_t *self = arg;
    (void)self;
    nq_ollama_req_t *req = NULL;
    curl_easy_getinfo (easy, CURLINFO_PRIVATE, (char **)&req);
    assert (req && req->easy == easy);
    req->finishing = 1;
    if (!req->cancelled)
        s_finish (req, result);
    else
        self->stats.cancelled++;
    s_req_free (req);
}

//  --------------------------------------------------------------------------
//  Response data

static int
s_on_line (void *arg, const char *line, size_t len)
{
    nq_ollama_req_t *req = arg;
    json_error_t jerr;
    json_t *o = json_loadb (line, len, 0, &jerr);
    if (!json_is_object (o)) {
        json_decref (o);
        s_req_fail (req, NQ_EUPSTREAM_FAILED, NQ_CALL_STREAM, NULL, "stream line is not a JSON object");
        return NQ_EUPSTREAM_FAILED;
    }
    const char *err = json_string_value (json_object_get (o, "error"));
    if (err) {
        //  After 200, Ollama reports a failure as a last {"error"} line.
        s_req_fail (req, NQ_EUPSTREAM_FAILED, NQ_CALL_STREAM, NULL, err);
        json_decref (o);
        return 0;
    }
    const char *text = NULL;
    if (req->kind == S_CHAT)
        text = json_string_value (json_object_get (json_object_get (o, "message"), "content"));
    else
        text = json_string_value (json_object_get (o, "response"));
    if (text && *text && !req->err_code && req->handler.chunk) {
        req->streamed = 1;
        req->in_callback = 1;
        req->handler.chunk (req->handler.arg, req, text, strlen (text));
        req->in_callback = 0;
        if (req->cancelled) {
            json_decref (o);
            return NQ_ECANCELLED;
        }
    }
    if (json_is_true (json_object_get (o, "done"))) {
        json_decref (req->final);
        req->final = o;
        return 0;
    }
    json_decref (o);
    return 0;
}

static size_t
s_on_write (char *data, size_t size, size_t nmemb, void *userp)
{
    nq_ollama_req_t *req = userp;
    size_t n = size * nmemb;
    if (req->cancelled || req->err_code)
        //  Refusing the data ends the transfer (a write error).
        return req->cancelled || !req->streaming ? 0 : n;
    int first = req->last_byte == 0;
    req->last_byte = uv_now (req->client->loop);
    //  The first byte moves the request from its first-byte deadline to its
    //  idle deadline, which may be earlier (idle < first-byte timeout):
    //  re-arm. Later bytes only push the idle deadline later.
    if (first)
        s_watchdog_arm (req->client);
    if (req->status == 0) {
        long status = 0;
        curl_easy_getinfo (req->easy, CURLINFO_RESPONSE_CODE, &status);
        req->status = (int)status;
    }
    if (req->streaming && req->status >= 200 && req->status < 300) {
        int rc = nq_ndjson_feed (req->ndjson, data, n);
        if (rc == NQ_ECANCELLED || req->cancelled)
            return 0;
        if (rc) {
            s_req_fail (req, rc, NQ_CALL_STREAM, NULL, NULL);
            return 0;
        }
        return n;
    }
    size_t max = req->client->options.max_body;
    if (req->body_len + n > max) {
        s_req_fail (req, NQ_EPROTO_TOO_LARGE, NQ_CALL_STREAM, NULL, "response body over its limit");
        return 0;
    }
    if (req->body_len + n + 1 > req->body_cap) {
        size_t cap = req->body_cap ? req->body_cap : 4096;
        while (cap < req->body_len + n + 1)
            cap *= 2;
        char *body = nq_realloc (req->body, cap);
        if (!body) {
            s_req_fail (req, NQ_ENOMEM, NQ_CALL_STREAM, NULL, NULL);
            return 0;
        }
        req->body = body;
        req->body_cap = cap;
    }
    memcpy (req->body + req->body_len, data, n);
    req->body_len += n;
    req->body[req->body_len] = '\0';
    return n;
}

//  --------------------------------------------------------------------------
//  Watchdog: first-byte and idle deadlines of every request

static uint64_t
s_deadline (const nq_ollama_t *self, const nq_ollama_req_t *req, const char **which)
{
    if (req->last_byte == 0) {
        *which = "first_byte";
        return self->options.first_byte_timeout_ms ? req->started + self->options.first_byte_timeout_ms
                                                   : UINT64_MAX;
    }
    *which = "idle";
    return self->options.idle_timeout_ms ? req->last_byte + self->options.idle_timeout_ms : UINT64_MAX;
}

static void
s_on_watchdog (uv_timer_t *timer)
{
    nq_ollama_t *self = timer->data;
    uint64_t now = uv_now (self->loop);
    //  Each expiry runs callbacks that may cancel other requests, so the
    //  scan starts over after each one (expired requests leave the list).
    for (;;) {
        nq_ollama_req_t *req = self->reqs;
        const char *which = NULL;
        while (req && (req->cancelled || s_deadline (self, req, &which) > now))
            req = req->next;
        if (!req)
            break;
        char msg[96];
        int idle = strcmp (which, "idle") == 0;
        snprintf (
            msg, sizeof msg, "no %s from the instance within %llu ms", idle ? "data" : "response",
            (unsigned long long)(idle ? self->options.idle_timeout_ms : self->options.first_byte_timeout_ms));
        s_req_fail (req, NQ_ETIMEOUT, NQ_CALL_TIMEOUT, which, msg);
        //  The removal reports through s_on_done, which frees req.
        nq_curl_uv_remove (self->glue, req->easy);
    }
    s_watchdog_arm (self);
}

static void
s_watchdog_arm (nq_ollama_t *self)
{
    if (self->closing)
        return;
    uint64_t earliest = UINT64_MAX;
    for (nq_ollama_req_t *req = self->reqs; req; req = req->next) {
        const char *which;
        uint64_t d = s_deadline (self, req, &which);
        if (d < earliest)
            earliest = d;
    }
    if (earliest == UINT64_MAX) {
        uv_timer_stop (&self->watchdog);
        return;
    }
    uint64_t now = uv_now (self->loop);
    //  Bytes only push deadlines later, so an early wake-up just re-arms.
    uv_timer_start (&self->watchdog, s_on_watchdog, earliest > now ? earliest - now : 0, 0);
}

//  --------------------------------------------------------------------------
//  Starting requests

static int
s_start (nq_ollama_t *self, s_kind_t kind, const char *path, json_t *body, int streaming,
         const char *traceparent, const nq_ollama_handler_t *handler, nq_ollama_req_t **req_p)
{
    int rc = NQ_ENOMEM;
    if (self->closing) {
        json_decref (body);
        return NQ_ECLOSED;
    }
    nq_ollama_req_t *req = nq_calloc (1, sizeof *req);
    if (!req) {
        json_decref (body);
        return NQ_ENOMEM;
    }
    req->client = self;
    req->kind = kind;
    req->streaming = streaming;
    if (handler)
        req->handler = *handler;
    if (body) {
        req->body_out = json_dumps (body, JSON_COMPACT);
        json_decref (body);
        if (!req->body_out)
            goto fail;
    }
    if (streaming && !(req->ndjson = nq_ndjson_new (self->options.max_line, s_on_line, req)))
        goto fail;
    char url[2048];
    if ((size_t)snprintf (url, sizeof url, "%s%s", self->base_url, path) >= sizeof url) {
        rc = NQ_EINVALID;
        goto fail;
    }
    req->easy = curl_easy_init ();
    if (!req->easy)
        goto fail;
    rc = NQ_EINTERNAL;
    CURL *e = req->easy;
    curl_easy_setopt (e, CURLOPT_URL, url);
    curl_easy_setopt (e, CURLOPT_PRIVATE, (char *)req);
    curl_easy_setopt (e, CURLOPT_WRITEFUNCTION, s_on_write);
    curl_easy_setopt (e, CURLOPT_WRITEDATA, req);
    curl_easy_setopt (e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt (e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt (e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt (e, CURLOPT_USERAGENT, "novaq/" PACKAGE_VERSION);
    curl_easy_setopt (e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt (e, CURLOPT_CONNECTTIMEOUT_MS, (long)self->options.connect_timeout_ms);
    if (self->options.total_timeout_ms)
        curl_easy_setopt (e, CURLOPT_TIMEOUT_MS, (long)self->options.total_timeout_ms);
    if (self->ca_file)
        curl_easy_setopt (e, CURLOPT_CAINFO, self->ca_file);
    struct curl_slist *h = NULL;
    if (req->body_out) {
        h = curl_slist_append (h, "Content-Type: application/json");
        curl_easy_setopt (e, CURLOPT_POSTFIELDS, req->body_out);
        curl_easy_setopt (e, CURLOPT_POSTFIELDSIZE, (long)strlen (req->body_out));
    }
    //  No "Expect: 100-continue" round trip on large bodies.
    h = curl_slist_append (h, "Expect:");
    if (traceparent) {
        char tp[160];
        snprintf (tp, sizeof tp, "traceparent: %s", traceparent);
        h = curl_slist_append (h, tp);
    }
    req->headers = h;
    curl_easy_setopt (e, CURLOPT_HTTPHEADER, h);
    req->started = uv_now (self->loop);
    req->next = self->reqs;
    if (self->reqs)
        self->reqs->prev = req;
    self->reqs = req;
    self->active++;
    int arc = nq_curl_uv_add (self->glue, e);
    if (arc) {
        s_req_free (req);
        return arc;
    }
    self->stats.requests++;
    s_watchdog_arm (self);
    if (req_p)
        *req_p = req;
    return 0;
fail:
    if (req->easy)
        curl_easy_cleanup (req->easy);
    nq_ndjson_destroy (&req->ndjson);
    nq_free (req->body_out);
    nq_free (req);
    return rc;
}

//  Copies options without null entries; NULL when there is nothing to send.
static json_t *
s_options (const json_t *options)
{
    if (!json_is_object (options))
        return NULL;
    json_t *out = json_object ();
    const char *key;
    json_t *value;
    json_object_foreach ((json_t *)options, key, value)
    {
        if (!json_is_null (value))
            json_object_set (out, key, value);
    }
    if (json_object_size (out) == 0) {
        json_decref (out);
        return NULL;
    }
    return out;
}

static json_t *
s_body (const nq_ollama_params_t *p)
{
    json_t *body = json_object ();
    if (!body)
        return NULL;
    json_object_set_new (body, "model", json_string (p->model));
    json_t *options = s_options (p->options);
    if (options)
        json_object_set_new (body, "options", options);
    if (p->keep_alive)
        json_object_set_new (body, "keep_alive", json_string (p->keep_alive));
    if (p->format && !json_is_null (p->format))
        json_object_set (body, "format", (json_t *)p->format);
    return body;
}

int
nq_ollama_chat (nq_ollama_t *self, const nq_ollama_params_t *params, const nq_ollama_handler_t *handler,
                nq_ollama_req_t **req_p)
{
    assert (self);
    assert (params);
    if (!params->model || !json_is_array (params->messages))
        return NQ_EINVALID;
    json_t *body = s_body (params);
    if (!body)
        return NQ_ENOMEM;
    json_object_set (body, "messages", (json_t *)params->messages);
    json_object_set_new (body, "stream", json_boolean (!params->no_stream));
    return s_start (self, S_CHAT, "/api/chat", body, !params->no_stream, params->traceparent, handler, req_p);
}

int
nq_ollama_generate (nq_ollama_t *self, const nq_ollama_params_t *params, const nq_ollama_handler_t *handler,
                    nq_ollama_req_t **req_p)
{
    assert (self);
    assert (params);
    if (!params->model || !params->prompt)
        return NQ_EINVALID;
    json_t *body = s_body (params);
    if (!body)
        return NQ_ENOMEM;
    json_object_set_new (body, "prompt", json_string (params->prompt));
    if (params->system)
        json_object_set_new (body, "system", json_string (params->system));
    json_object_set_new (body, "stream", json_boolean (!params->no_stream));
    return s_start (self, S_GENERATE, "/api/generate", body, !params->no_stream, params->traceparent, handler,
                    req_p);
}

int
nq_ollama_embed (nq_ollama_t *self, const nq_ollama_params_t *params, const nq_ollama_handler_t *handler,
                 nq_ollama_req_t **req_p)
{
    assert (self);
    assert (params);
    if (!params->model || !(json_is_array (params->input) || json_is_string (params->input)))
        return NQ_EINVALID;
    json_t *body = s_body (params);
    if (!body)
        return NQ_ENOMEM;
    json_object_set (body, "input", (json_t *)params->input);
    if (params->dimensions)
        json_object_set_new (body, "dimensions", json_integer (params->dimensions));
    if (params->no_truncate)
        json_object_set_new (body, "truncate", json_false ());
    return s_start (self, S_EMBED, "/api/embed", body, 0, params->traceparent, handler, req_p);
}

int
nq_ollama_ps (nq_ollama_t *self, const nq_ollama_handler_t *handler, nq_ollama_req_t **req_p)
{
    assert (self);
    return s_start (self, S_GET, "/api/ps", NULL, 0, NULL, handler, req_p);
}

int
nq_ollama_tags (nq_ollama_t *self, const nq_ollama_handler_t *handler, nq_ollama_req_t **req_p)
{
    assert (self);
    return s_start (self, S_GET, "/api/tags", NULL, 0, NULL, handler, req_p);
}

int
nq_ollama_version (nq_ollama_t *self, const nq_ollama_handler_t *handler, nq_ollama_req_t **req_p)
{
    assert (self);
    return s_start (self, S_GET, "/api/version", NULL, 0, NULL, handler, req_p);
}

void
nq_ollama_cancel (nq_ollama_t *self, nq_ollama_req_t *req)
{
    assert (self);
    assert (req && req->client == self);
    if (req->cancelled)
        return;
    req->cancelled = 1;
    //  Inside the request's own done or error callback the transfer is
    //  already out of the multi; s_on_done frees it when the callback
    //  returns. Otherwise removal reports through s_on_done (now, or once
    //  libcurl returns), which counts and frees it without callbacks.
    if (!req->finishing)
        nq_curl_uv_remove (self->glue, req->easy);
}

size_t
nq_ollama_active (const nq_ollama_t *self)
{
    assert (self);
    return self->active;
}

void
nq_ollama_stats (const nq_ollama_t *self, nq_ollama_stats_t *stats)
{
    assert (self);
    assert (stats);
    *stats = self->stats;
}

//  --------------------------------------------------------------------------
//  Life cycle

nq_ollama_t *
nq_ollama_new (uv_loop_t *loop, const nq_ollama_options_t *options)
{
    assert (loop);
    assert (options);
    if (!options->base_url || !*options->base_url)
        return NULL;
    nq_ollama_t *self = nq_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->loop = loop;
    self->options = *options;
    if (!self->options.connect_timeout_ms)
        self->options.connect_timeout_ms = 5000;
    if (!self->options.first_byte_timeout_ms)
        self->options.first_byte_timeout_ms = 300000;
    if (!self->options.idle_timeout_ms)
        self->options.idle_timeout_ms = 60000;
    if (!self->options.max_line)
        self->options.max_line = 1024 * 1024;
    if (!self->options.max_body)
        self->options.max_body = 64 * 1024 * 1024;
    self->base_url = nq_strdup (options->base_url);
    if (!self->base_url)
        goto fail;
    size_t n = strlen (self->base_url);
    while (n > 0 && self->base_url[n - 1] == '/')
        self->base_url[--n] = '\0';
    self->options.base_url = self->base_url;
    if (options->ca_file && !(self->ca_file = nq_strdup (options->ca_file)))
        goto fail;
    self->options.ca_file = self->ca_file;
    self->glue = nq_curl_uv_new (loop, s_on_done, self);
    if (!self->glue)
        goto fail;
    if (options->max_host_connections > 0)
        curl_multi_setopt (nq_curl_uv_multi (self->glue), CURLMOPT_MAX_HOST_CONNECTIONS,
                           options->max_host_connections);
    uv_timer_init (loop, &self->watchdog);
    self->watchdog.data = self;
    return self;
fail:
    nq_free (self->ca_file);
    nq_free (self->base_url);
    nq_free (self);
    return NULL;
}

void
nq_ollama_set_owner (nq_ollama_t *self, nq_curl_uv_own_fn *own, nq_curl_uv_closer_fn *closer, void *arg)
{
    assert (self);
    self->closer = closer;
    self->owner_arg = arg;
    if (own)
        own (arg, (uv_handle_t *)&self->watchdog);
    nq_curl_uv_set_owner (self->glue, own, closer, arg);
}

static void
s_closed_one (nq_ollama_t *self)
{
    if (--self->pending_closes > 0)
        return;
    nq_ollama_close_fn *fn = self->close_fn;
    void *arg = self->close_arg;
    nq_free (self->ca_file);
    nq_free (self->base_url);
    nq_free (self);
    if (fn)
        fn (arg);
}

static void
s_watchdog_closed (uv_handle_t *handle)
{
    s_closed_one (handle->data);
}

static void
s_glue_closed (void *arg)
{
    s_closed_one (arg);
}

void
nq_ollama_close (nq_ollama_t *self, nq_ollama_close_fn *close_fn, void *arg)
{
    assert (self);
    assert (!self->closing);
    while (self->reqs)
        nq_ollama_cancel (self, self->reqs);
    self->closing = 1;
    self->close_fn = close_fn;
    self->close_arg = arg;
    self->pending_closes = 2;
    uv_timer_stop (&self->watchdog);
    if (self->closer)
        self->closer (self->owner_arg, (uv_handle_t *)&self->watchdog, s_watchdog_closed);
    else
        uv_close ((uv_handle_t *)&self->watchdog, s_watchdog_closed);
    nq_curl_uv_close (self->glue, s_glue_closed, self);
}
