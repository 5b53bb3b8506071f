/*  broker_http.c — /metrics and /health on NOVAQ_HTTP (see broker_http.h). */
#include "broker/broker_http.h"

#include "common/alloc.h"
#include "common/errors.h"
#include "common/http_server.h"
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct nq_broker_http_t {
    nq_http_server_t *server;
    nq_engine_t *engine;
    nq_journal_t *journal;
    void (*done) (void *arg);
    void *done_arg;
};

//  A growing text buffer.
typedef struct {
    char *data;
    size_t len, cap;
    int failed;
} s_buf_t;

static void s_printf (s_buf_t *b, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static void
s_printf (s_buf_t *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    for (;;) {
        va_list ap;
        va_start (ap, fmt);
        int n = vsnprintf (b->data ? b->data + b->len : NULL, b->data ? b->cap - b->len : 0, fmt, ap);
        va_end (ap);
        if (n < 0) {
            b->failed = 1;
            return;
        }
        if (b->data && b->len + (size_t) n < b->cap) {
            b->len += (size_t) n;
            return;
        }
        size_t cap = b->cap ? b->cap * 2 : 8192;
        while (cap < b->len + (size_t) n + 1)
            cap *= 2;
        char *grown = nq_realloc (b->data, cap);
        if (!grown) {
            b->failed = 1;
            return;
        }
        b->data = grown;
        b->cap = cap;
    }
}

//  A label value, escaped as the exposition format requires.
static void
s_label (s_buf_t *b, const char *v)
{
    for (const char *p = v ? v : ""; *p; p++) {
        if (*p == '\\')
            s_printf (b, "\\\\");
        else if (*p == '"')
            s_printf (b, "\\\"");
        else if (*p == '\n')
            s_printf (b, "\\n");
        else
            s_printf (b, "%c", *p);
    }
}

static void
s_help (s_buf_t *b, const char *name, const char *type, const char *help)
{
    s_printf (b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

typedef struct {
    s_buf_t *b;
    uint64_t now_ms;
    int pass;    //  0 depth, 1 oldest wait, 2 paused
} s_q_t;

static void
s_queue (void *arg, const char *key, nq_class_t klass, size_t depth, uint64_t oldest, int paused)
{
    s_q_t *q = arg;
    const char *names[] = {"novaq_queue_depth", "novaq_queue_oldest_wait_seconds", "novaq_queue_paused"};
    s_printf (q->b, "%s{queue=\"", names[q->pass]);
    s_label (q->b, key);
    s_printf (q->b, "\",class=\"%s\"} ", nq_class_name (klass));
    if (q->pass == 0)
        s_printf (q->b, "%zu\n", depth);
    else if (q->pass == 1)
        s_printf (q->b, "%.3f\n", oldest != UINT64_MAX && q->now_ms > oldest ? (double) (q->now_ms - oldest) / 1000.0 : 0.0);
    else
        s_printf (q->b, "%d\n", paused ? 1 : 0);
}

char *
nq_broker_metrics (nq_engine_t *engine, nq_journal_t *journal, size_t *len)
{
    s_buf_t b = {0};
    nq_engine_stats_t st;
    nq_engine_stats (engine, &st);
    nq_admission_t *adm = nq_engine_admission (engine);

    s_help (&b, "novaq_jobs_total", "counter", "Jobs by what happened to them since the broker started.");
    const struct {
        const char *event;
        uint64_t n;
    } jobs[] = {{"submitted", st.submitted}, {"accepted", st.accepted},   {"refused", st.refused},
                {"coalesced", st.coalesced}, {"dispatched", st.dispatched}, {"succeeded", st.succeeded},
                {"failed", st.failed},       {"cancelled", st.cancelled},   {"expired", st.expired},
                {"dead", st.dead}};
    for (size_t i = 0; i < sizeof jobs / sizeof jobs[0]; i++)
        s_printf (&b, "novaq_jobs_total{event=\"%s\"} %llu\n", jobs[i].event, (unsigned long long) jobs[i].n);
    s_help (&b, "novaq_retries_total", "counter", "Retryable failures that were retried after a backoff.");
    s_printf (&b, "novaq_retries_total %llu\n", (unsigned long long) st.retries);
    s_help (&b, "novaq_requeued_total", "counter", "Jobs put back in their queue (backoff over, lease lost or handed back).");
    s_printf (&b, "novaq_requeued_total %llu\n", (unsigned long long) st.requeued);
    s_help (&b, "novaq_stale_messages_total", "counter", "Worker messages refused because they named a superseded attempt.");
    s_printf (&b, "novaq_stale_messages_total %llu\n", (unsigned long long) st.stale);
    s_help (&b, "novaq_workers_joined_total", "counter", "Workers that introduced themselves (READY).");
    s_printf (&b, "novaq_workers_joined_total %llu\n", (unsigned long long) st.workers_joined);
    s_help (&b, "novaq_workers_dead_total", "counter", "Workers declared dead (silent past liveness, unreachable, malformed).");
    s_printf (&b, "novaq_workers_dead_total %llu\n", (unsigned long long) st.workers_dead);
    s_help (&b, "novaq_jobs_queued", "gauge", "Jobs waiting in a queue.");
    s_printf (&b, "novaq_jobs_queued %zu\n", nq_admission_queued (adm));
    s_help (&b, "novaq_jobs_running", "gauge", "Jobs leased to a worker slot.");
    s_printf (&b, "novaq_jobs_running %zu\n", nq_engine_running (engine));
    s_help (&b, "novaq_jobs_known", "gauge", "Jobs the broker holds (queued, running, finished within retention, dead).");
    s_printf (&b, "novaq_jobs_known %zu\n", nq_engine_jobs (engine));
    s_help (&b, "novaq_journal_durable", "gauge", "1 when accepted jobs survive a broker restart.");
    s_printf (&b, "novaq_journal_durable{journal=\"%s\"} %d\n", nq_journal_name (journal), nq_journal_durable (journal));

    s_q_t q = {&b, nq_clock_now_ms (nq_clock_system ()), 0};
    s_help (&b, "novaq_queue_depth", "gauge", "Jobs waiting, per queue (kind/model) and class.");
    nq_sched_visit (nq_engine_sched (engine), s_queue, &q);
    q.pass = 1;
    s_help (&b, "novaq_queue_oldest_wait_seconds", "gauge", "How long the oldest waiting job of a queue and class has waited.");
    nq_sched_visit (nq_engine_sched (engine), s_queue, &q);
    q.pass = 2;
    s_help (&b, "novaq_queue_paused", "gauge", "1 when an operator paused the queue.");
    nq_sched_visit (nq_engine_sched (engine), s_queue, &q);

    nq_registry_t *reg = nq_engine_registry (engine);
    s_help (&b, "novaq_workers", "gauge", "Workers connected.");
    s_printf (&b, "novaq_workers %zu\n", nq_registry_size (reg));
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 0)
            s_help (&b, "novaq_slots", "gauge", "Slots a worker offers, per instance and kind.");
        else
            s_help (&b, "novaq_slots_busy", "gauge", "Slots running a job, per worker, instance and kind.");
        for (nq_bworker_t *w = nq_registry_first (reg); w; w = nq_registry_next (reg))
            for (size_t i = 0; i < w->ngroups; i++)
                for (int k = NQ_KIND__FIRST; k < NQ_KIND__COUNT; k++) {
                    const nq_slot_group_t *g = &w->groups[i];
                    if (!(g->kinds & (1u << k)))
                        continue;
                    s_printf (&b, "%s{worker=\"", pass ? "novaq_slots_busy" : "novaq_slots");
                    s_label (&b, w->name);
                    s_printf (&b, "\",instance=\"");
                    s_label (&b, g->instance);
                    s_printf (&b, "\",kind=\"%s\"} %u\n", nq_kind_name ((nq_kind_t) k), pass ? g->in_flight : g->capacity);
                }
    }
    if (b.failed) {
        nq_free (b.data);
        return NULL;
    }
    if (len)
        *len = b.len;
    return b.data;
}

static void
s_handle (void *arg, nq_http_req_t *req)
{
    nq_broker_http_t *self = arg;
    const char *path = nq_http_req_path (req);
    if (strcmp (nq_http_req_method (req), "GET") != 0) {
        const char *msg = "{\"error\":\"only GET\"}";
        nq_http_req_respond (req, 405, "application/json", msg, strlen (msg));
        return;
    }
    if (strcmp (path, "/metrics") == 0) {
        size_t len = 0;
        char *text = nq_broker_metrics (self->engine, self->journal, &len);
        if (text)
            nq_http_req_respond (req, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
        else
            nq_http_req_respond (req, 500, "text/plain", "out of memory\n", 14);
        nq_free (text);
    }
    else if (strcmp (path, "/health") == 0) {
        char body[256];
        int n = snprintf (body, sizeof body,
                          "{\"status\":\"ok\",\"journal\":\"%s\",\"durable\":%s,\"workers\":%zu,\"queued\":%zu,"
                          "\"running\":%zu}",
                          nq_journal_name (self->journal), nq_journal_durable (self->journal) ? "true" : "false",
                          nq_registry_size (nq_engine_registry (self->engine)),
                          nq_admission_queued (nq_engine_admission (self->engine)), nq_engine_running (self->engine));
        nq_http_req_respond (req, 200, "application/json", body, (size_t) n);
    }
    else {
        const char *msg = "{\"error\":\"not found: /metrics or /health\"}";
        nq_http_req_respond (req, 404, "application/json", msg, strlen (msg));
    }
}

nq_broker_http_t *
nq_broker_http_start (uv_loop_t *loop, const char *hostport, nq_engine_t *engine, nq_journal_t *journal)
{
    //  host:port, the host possibly [IPv6] (the configuration validated the shape).
    char host[128];
    const char *colon = strrchr (hostport, ':');
    if (!colon || colon == hostport)
        return NULL;
    const char *h = hostport;
    size_t hlen = (size_t) (colon - hostport);
    if (h[0] == '[' && hlen >= 2 && h[hlen - 1] == ']') {
        h++;
        hlen -= 2;
    }
    snprintf (host, sizeof host, "%.*s", (int) hlen, h);
    int port = atoi (colon + 1);
    nq_broker_http_t *self = nq_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->engine = engine;
    self->journal = journal;
    nq_http_limits_t limits;
    nq_http_limits_default (&limits);
    limits.max_body_bytes = 4096;    //  GET only
    limits.max_connections = 256;
    self->server = nq_http_server_new (loop, &limits, s_handle, self);
    if (!self->server) {
        nq_free (self);
        return NULL;
    }
    if (nq_http_server_listen (self->server, host, port) != 0) {
        NQ_LOG_ERROR ("http_bind_failed", NQ_LS ("address", hostport),
                      NQ_LS ("message", "set NOVAQ_HTTP to a free host:port, or off"));
        //  Its handles close on the loop; everything is freed once they have.
        nq_broker_http_stop (self, NULL, NULL);
        return NULL;
    }
    NQ_LOG_INFO ("http_listening", NQ_LS ("address", hostport), NQ_LS ("paths", "/metrics /health"));
    return self;
}

static void
s_stopped (void *arg)
{
    nq_broker_http_t *self = arg;
    nq_http_server_destroy (&self->server);
    void (*done) (void *) = self->done;
    void *done_arg = self->done_arg;
    nq_free (self);
    if (done)
        done (done_arg);
}

void
nq_broker_http_stop (nq_broker_http_t *self, void (*done) (void *arg), void *arg)
{
    self->done = done;
    self->done_arg = arg;
    nq_http_server_stop (self->server, s_stopped, self);
}
