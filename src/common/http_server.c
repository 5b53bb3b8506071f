/*  http_server.c — HTTP/1.1 connections on libuv; requests are parsed by
    http_request.c (http-parser). See http_server.h.

    Each connection owns a TCP handle and a timer; it is freed when both close
    callbacks have run. The timer serves as the idle timeout and, armed at 0,
    as a deferred "parse what the client pipelined" kick, so the handler is
    never re-entered from inside its own respond call. */
#include "common/http_server.h"

#include "common/http_request.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/alloc.h"
#include "common/errors.h"
#include "common/log.h"

typedef enum {
    S_READING = 0,    //  parsing a request
    S_HANDLING,       //  the handler owns the request, nothing sent yet
    S_STREAMING,      //  chunked response under way
    S_CLOSING         //  handles are closing
} s_state_t;

typedef struct s_conn_t s_conn_t;

struct s_conn_t {
    uv_tcp_t tcp;
    uv_timer_t timer;
    nq_http_server_t *server;
    s_conn_t *prev, *next;
    nq_http_parser_t parser;
    s_state_t state;
    int continue_sent;    //  "100 Continue" went out for the current request
    int kick;             //  the timer is a deferred parse, not an idle timeout
    int close_after_write;
    int want_drain;
    int handles_open;
    size_t queued;
    size_t writes_in_flight;
    char *pending;    //  bytes received while a request was being handled
    size_t pending_len, pending_cap;
    nq_http_req_t req;
};

struct nq_http_server_t {
    uv_loop_t *loop;
    uv_tcp_t listener;
    int listening;
    int listener_open;
    int stopping;
    int port;
    nq_http_limits_t limits;
    nq_http_handler_fn *handler;
    void *arg;
    s_conn_t *conns;
    size_t conn_count;
    nq_http_stopped_fn *stopped;
    void *stopped_arg;
};

typedef struct {
    uv_write_t w;
    s_conn_t *conn;
    size_t len;
    char data[];
} s_write_t;

static void s_conn_close (s_conn_t *conn);
static void s_conn_process (s_conn_t *conn);

void
nq_http_limits_default (nq_http_limits_t *limits)
{
    assert (limits);
    limits->max_header_bytes = 16 * 1024;
    limits->max_body_bytes = 8 * 1024 * 1024;
    limits->max_connections = 10000;
    limits->idle_timeout_ms = 60000;
    limits->write_high_water = 256 * 1024;
}

const char *
nq_http_status_text (int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 413:
        return "Payload Too Large";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 499:
        return "Client Closed Request";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "Unknown";
    }
}

//  --------------------------------------------------------------------------
//  Connection lifecycle

static void
s_server_maybe_stopped (nq_http_server_t *server)
{
    if (server->stopping && server->conn_count == 0 && !server->listener_open && server->stopped) {
        nq_http_stopped_fn *fn = server->stopped;
        server->stopped = NULL;
        fn (server->stopped_arg);
    }
}

static void
s_conn_handle_closed (uv_handle_t *handle)
{
    s_conn_t *conn = handle->data;
    if (--conn->handles_open > 0)
        return;
    nq_http_server_t *server = conn->server;
    if (conn->prev)
        conn->prev->next = conn->next;
    else
        server->conns = conn->next;
    if (conn->next)
        conn->next->prev = conn->prev;
    server->conn_count--;
    nq_http_req_clear (&conn->req);
    nq_free (conn->pending);
    nq_free (conn);
    s_server_maybe_stopped (server);
}

//  Closes the connection; a request still owned by the handler is aborted.
static void
s_conn_close_how (s_conn_t *conn, int reset)
{
    if (conn->state == S_CLOSING)
        return;
    s_state_t was = conn->state;
    conn->state = S_CLOSING;
    if ((was == S_HANDLING || was == S_STREAMING) && conn->req.on_abort) {
        nq_http_abort_fn *fn = conn->req.on_abort;
        conn->req.on_abort = NULL;
        conn->req.on_drain = NULL;
        fn (conn->req.user, &conn->req);
    }
    uv_timer_stop (&conn->timer);
    uv_close ((uv_handle_t *)&conn->timer, s_conn_handle_closed);
    if (reset && uv_tcp_close_reset (&conn->tcp, s_conn_handle_closed) == 0)
        return;
    uv_close ((uv_handle_t *)&conn->tcp, s_conn_handle_closed);
}

static void
s_conn_close (s_conn_t *conn)
{
    s_conn_close_how (conn, 0);
}

static void
s_timer_cb (uv_timer_t *timer)
{
    s_conn_t *conn = timer->data;
    if (conn->kick) {
        conn->kick = 0;
        s_conn_process (conn);
        return;
    }
    NQ_LOG_DEBUG ("http_idle_timeout", NQ_LU ("idle_ms", conn->server->limits.idle_timeout_ms));
    s_conn_close (conn);
}

static void
s_idle_arm (s_conn_t *conn)
{
    uint64_t ms = conn->server->limits.idle_timeout_ms;
    if (ms > 0 && conn->state == S_READING && !conn->kick)
        uv_timer_start (&conn->timer, s_timer_cb, ms, 0);
}

//  --------------------------------------------------------------------------
//  Writing

static void
s_write_cb (uv_write_t *w, int status)
{
    s_write_t *sw = (s_write_t *)w;
    s_conn_t *conn = sw->conn;
    conn->queued -= sw->len;
    conn->writes_in_flight--;
    nq_free (sw);
    if (conn->state == S_CLOSING)
        return;
    if (status < 0) {
        NQ_LOG_DEBUG ("http_write_failed", NQ_LS ("error", uv_strerror (status)));
        s_conn_close (conn);
        return;
    }
    if (conn->close_after_write && conn->writes_in_flight == 0) {
        s_conn_close (conn);
        return;
    }
    if (conn->want_drain && conn->queued <= conn->server->limits.write_high_water / 2 &&
        conn->state == S_STREAMING) {
        conn->want_drain = 0;
        if (conn->req.on_drain)
            conn->req.on_drain (conn->req.user, &conn->req);
    }
}

//  Queues head + data + tail as one write. Returns 0 or NQ_ECLOSED.
static int
s_write_raw (s_conn_t *conn, const char *head, size_t hlen, const char *data, size_t dlen, const char *tail,
             size_t tlen)
{
    size_t len = hlen + dlen + tlen;
    s_write_t *sw = nq_malloc (sizeof *sw + len);
    if (!sw) {
        //  the caller learns from the return code: no abort callback on top
        conn->req.on_abort = NULL;
        s_conn_close (conn);
        return NQ_ECLOSED;
    }
    sw->conn = conn;
    sw->len = len;
    if (hlen)
        memcpy (sw->data, head, hlen);
    if (dlen)
        memcpy (sw->data + hlen, data, dlen);
    if (tlen)
        memcpy (sw->data + hlen + dlen, tail, tlen);
    uv_buf_t buf = uv_buf_init (sw->data, (unsigned)len);
    int rc = uv_write (&sw->w, (uv_stream_t *)&conn->tcp, &buf, 1, s_write_cb);
    if (rc < 0) {
        nq_free (sw);
        conn->req.on_abort = NULL;
        s_conn_close (conn);
        return NQ_ECLOSED;
    }
    conn->queued += len;
    conn->writes_in_flight++;
    return 0;
}

static size_t
s_format_head (char *buf, size_t cap, const nq_http_req_t *req, int status, const char *content_type,
               long long content_length)
{
    char date[64];
    time_t now = time (NULL);
    struct tm tm;
    gmtime_r (&now, &tm);
    strftime (date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    int n = snprintf (buf, cap, "HTTP/1.1 %d %s\r\nDate: %s\r\n", status, nq_http_status_text (status), date);
    if (content_type)
        n += snprintf (buf + n, cap - (size_t)n, "Content-Type: %s\r\n", content_type);
    if (content_length >= 0)
        n += snprintf (buf + n, cap - (size_t)n, "Content-Length: %lld\r\n", content_length);
    else
        n += snprintf (buf + n, cap - (size_t)n, "Transfer-Encoding: chunked\r\n");
    if (!req->keep_alive)
        n += snprintf (buf + n, cap - (size_t)n, "Connection: close\r\n");
    n += snprintf (buf + n, cap - (size_t)n, "\r\n");
    return (size_t)n;
}

//  The request is over: keep the connection for the next one or close it.
static void
s_req_finish (s_conn_t *conn)
{
    if (conn->state == S_CLOSING)
        return;
    int keep = conn->req.keep_alive && !conn->server->stopping;
    nq_http_req_clear (&conn->req);
    conn->want_drain = 0;
    if (!keep) {
        conn->state = S_READING;    //  nothing owned by a handler any more
        if (conn->writes_in_flight == 0)
            s_conn_close (conn);
        else
            conn->close_after_write = 1;
        return;
    }
    conn->state = S_READING;
    conn->continue_sent = 0;
    nq_http_parser_init (&conn->parser, &conn->req, conn->server->limits.max_header_bytes,
                         conn->server->limits.max_body_bytes);
    if (conn->pending_len > 0) {
        conn->kick = 1;
        uv_timer_start (&conn->timer, s_timer_cb, 0, 0);
    }
    else
        s_idle_arm (conn);
}

static void
s_error_response (s_conn_t *conn, int status)
{
    char head[256];
    char body[96];
    int blen = snprintf (body, sizeof body, "{\"error\":\"%s\"}", nq_http_status_text (status));
    conn->req.keep_alive = 0;
    conn->state = S_HANDLING;
    size_t hlen =
        s_format_head (head, sizeof head, &conn->req, status, "application/json; charset=utf-8", blen);
    s_write_raw (conn, head, hlen, body, (size_t)blen, NULL, 0);
    s_req_finish (conn);
}

//  --------------------------------------------------------------------------
//  Reading

static void
s_parse (s_conn_t *conn, const char *data, size_t len)
{
    size_t done = nq_http_parser_feed (&conn->parser, data, len);
    if (conn->req.expect_continue && !conn->continue_sent && !conn->parser.status) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        conn->continue_sent = 1;
        if (s_write_raw (conn, cont, sizeof cont - 1, NULL, 0, NULL, 0) != 0)
            return;
    }
    if (conn->parser.complete) {
        //  keep what follows the message for after the response
        size_t rest = len - done;
        if (rest > 0) {
            char *copy = nq_memdup (data + done, rest);
            if (!copy) {
                s_conn_close (conn);
                return;
            }
            nq_free (conn->pending);
            conn->pending = copy;
            conn->pending_len = rest;
            conn->pending_cap = rest;
        }
        conn->state = S_HANDLING;
        uv_timer_stop (&conn->timer);
        conn->server->handler (conn->server->arg, &conn->req);
        return;
    }
    if (conn->parser.status) {
        NQ_LOG_DEBUG ("http_bad_request", NQ_LI ("status", conn->parser.status));
        s_error_response (conn, conn->parser.status);
        return;
    }
    s_idle_arm (conn);
}

//  Parses bytes that arrived while the previous request was handled.
static void
s_conn_process (s_conn_t *conn)
{
    if (conn->state != S_READING || conn->pending_len == 0)
        return;
    char *data = conn->pending;
    size_t len = conn->pending_len;
    conn->pending = NULL;
    conn->pending_len = conn->pending_cap = 0;
    s_parse (conn, data, len);
    nq_free (data);
}

static void
s_alloc_cb (uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
    (void)handle;
    (void)suggested;
    char *base = nq_malloc (16 * 1024);
    *buf = uv_buf_init (base, base ? 16 * 1024 : 0);
}

//  Keeps bytes received while a request is in hand; -1 past limit or on no memory.
static int
s_pending_append (s_conn_t *conn, const char *data, size_t n, size_t limit)
{
    if (conn->pending_len + n > limit)
        return -1;
    if (conn->pending_len + n > conn->pending_cap) {
        size_t ncap = conn->pending_cap ? conn->pending_cap : 4096;
        while (ncap < conn->pending_len + n)
            ncap *= 2;
        char *nbuf = nq_realloc (conn->pending, ncap);
        if (!nbuf)
            return -1;
        conn->pending = nbuf;
        conn->pending_cap = ncap;
    }
    memcpy (conn->pending + conn->pending_len, data, n);
    conn->pending_len += n;
    return 0;
}

static void
s_read_cb (uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    s_conn_t *conn = stream->data;
    if (nread < 0) {
        nq_free (buf->base);
        if (conn->state != S_CLOSING)
            s_conn_close (conn);
        return;
    }
    if (nread == 0 || conn->state == S_CLOSING) {
        nq_free (buf->base);
        return;
    }
    if (conn->state == S_READING && conn->pending_len == 0 && !conn->kick)
        s_parse (conn, buf->base, (size_t)nread);
    else {
        //  a request is in hand (or queued bytes wait): keep the bytes, bounded
        size_t limit = conn->server->limits.max_header_bytes + conn->server->limits.max_body_bytes;
        if (s_pending_append (conn, buf->base, (size_t)nread, limit) != 0)
            s_conn_close (conn);
    }
    nq_free (buf->base);
}

static void
s_accept_cb (uv_stream_t *listener, int status)
{
    nq_http_server_t *server = listener->data;
    if (status < 0 || server->stopping)
        return;
    s_conn_t *conn = nq_calloc (1, sizeof *conn);
    if (!conn)
        return;
    conn->server = server;
    conn->req.conn = conn;
    conn->req.query = "";
    uv_tcp_init (server->loop, &conn->tcp);
    uv_timer_init (server->loop, &conn->timer);
    conn->tcp.data = conn;
    conn->timer.data = conn;
    conn->handles_open = 2;
    conn->next = server->conns;
    if (server->conns)
        server->conns->prev = conn;
    server->conns = conn;
    server->conn_count++;
    nq_http_parser_init (&conn->parser, &conn->req, server->limits.max_header_bytes,
                         server->limits.max_body_bytes);
    if (uv_accept (listener, (uv_stream_t *)&conn->tcp) != 0 ||
        server->conn_count > server->limits.max_connections) {
        NQ_LOG_DEBUG ("http_accept_refused", NQ_LU ("connections", server->conn_count));
        s_conn_close (conn);
        return;
    }
    uv_tcp_nodelay (&conn->tcp, 1);
    if (uv_read_start ((uv_stream_t *)&conn->tcp, s_alloc_cb, s_read_cb) != 0) {
        s_conn_close (conn);
        return;
    }
    s_idle_arm (conn);
}

//  --------------------------------------------------------------------------
//  Server

nq_http_server_t *
nq_http_server_new (uv_loop_t *loop, const nq_http_limits_t *limits, nq_http_handler_fn *handler, void *arg)
{
    assert (loop);
    assert (handler);
    nq_http_server_t *self = nq_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->loop = loop;
    if (limits)
        self->limits = *limits;
    else
        nq_http_limits_default (&self->limits);
    self->handler = handler;
    self->arg = arg;
    self->port = -1;
    return self;
}

int
nq_http_server_listen (nq_http_server_t *self, const char *host, int port)
{
    assert (self);
    assert (!self->listening);
    struct sockaddr_storage addr;
    if (port < 0 || port > 65535)
        return NQ_EINVALID;
    if (uv_ip4_addr (host, port, (struct sockaddr_in *)&addr) != 0 &&
        uv_ip6_addr (host, port, (struct sockaddr_in6 *)&addr) != 0)
        return NQ_EINVALID;
    uv_tcp_init (self->loop, &self->listener);
    self->listener.data = self;
    self->listener_open = 1;
    self->listening = 1;
    int rc = uv_tcp_bind (&self->listener, (const struct sockaddr *)&addr, 0);
    if (rc == 0)
        rc = uv_listen ((uv_stream_t *)&self->listener, 1024, s_accept_cb);
    if (rc != 0) {
        NQ_LOG_ERROR ("http_listen_failed", NQ_LS ("host", host), NQ_LI ("port", port),
                      NQ_LS ("error", uv_strerror (rc)));
        return NQ_EIO;
    }
    struct sockaddr_storage bound;
    int blen = sizeof bound;
    if (uv_tcp_getsockname (&self->listener, (struct sockaddr *)&bound, &blen) == 0)
        self->port = bound.ss_family == AF_INET6 ? ntohs (((struct sockaddr_in6 *)&bound)->sin6_port)
                                                 : ntohs (((struct sockaddr_in *)&bound)->sin_port);
    return 0;
}

int
nq_http_server_port (const nq_http_server_t *self)
{
    assert (self);
    return self->port;
}

size_t
nq_http_server_connections (const nq_http_server_t *self)
{
    assert (self);
    return self->conn_count;
}

static void
s_listener_closed (uv_handle_t *handle)
{
    nq_http_server_t *server = handle->data;
    server->listener_open = 0;
    s_server_maybe_stopped (server);
}

void
nq_http_server_stop (nq_http_server_t *self, nq_http_stopped_fn *stopped, void *arg)
{
    assert (self);
    if (self->stopping)
        return;
    self->stopping = 1;
    self->stopped = stopped;
    self->stopped_arg = arg;
    if (self->listener_open && !uv_is_closing ((uv_handle_t *)&self->listener))
        uv_close ((uv_handle_t *)&self->listener, s_listener_closed);
    s_conn_t *conn = self->conns;
    while (conn) {
        s_conn_t *next = conn->next;
        s_conn_close (conn);
        conn = next;
    }
    s_server_maybe_stopped (self);
}

void
nq_http_server_destroy (nq_http_server_t **self_p)
{
    assert (self_p);
    nq_http_server_t *self = *self_p;
    if (!self)
        return;
    assert (self->conn_count == 0);
    assert (!self->listener_open);
    nq_free (self);
    *self_p = NULL;
}

//  --------------------------------------------------------------------------
//  Request API

void
nq_http_req_set_user (nq_http_req_t *req, void *user, nq_http_abort_fn *on_abort, nq_http_drain_fn *on_drain)
{
    assert (req);
    req->user = user;
    req->on_abort = on_abort;
    req->on_drain = on_drain;
}

int
nq_http_req_respond (nq_http_req_t *req, int status, const char *content_type, const char *body, size_t len)
{
    assert (req);
    s_conn_t *conn = req->conn;
    assert (conn->state == S_HANDLING || conn->state == S_CLOSING);
    if (conn->state == S_CLOSING)
        return NQ_ECLOSED;
    char head[512];
    size_t hlen = s_format_head (head, sizeof head, req, status, content_type, (long long)len);
    int rc = s_write_raw (conn, head, hlen, req->is_head ? NULL : body, req->is_head ? 0 : len, NULL, 0);
    s_req_finish (conn);
    return rc;
}

int
nq_http_req_stream_begin (nq_http_req_t *req, int status, const char *content_type)
{
    assert (req);
    s_conn_t *conn = req->conn;
    if (conn->state == S_CLOSING)
        return NQ_ECLOSED;
    assert (conn->state == S_HANDLING);
    char head[512];
    size_t hlen = s_format_head (head, sizeof head, req, status, content_type, -1);
    int rc = s_write_raw (conn, head, hlen, NULL, 0, NULL, 0);
    if (rc == 0)
        conn->state = S_STREAMING;
    return rc;
}

int
nq_http_req_stream_write (nq_http_req_t *req, const char *data, size_t len)
{
    assert (req);
    s_conn_t *conn = req->conn;
    if (conn->state == S_CLOSING)
        return NQ_ECLOSED;
    assert (conn->state == S_STREAMING);
    if (len == 0)
        return 0;
    char size_line[24];
    int n = snprintf (size_line, sizeof size_line, "%zx\r\n", len);
    int rc = s_write_raw (conn, size_line, (size_t)n, data, len, "\r\n", 2);
    if (rc != 0)
        return rc;
    if (conn->queued > conn->server->limits.write_high_water) {
        conn->want_drain = 1;
        return 1;
    }
    return 0;
}

int
nq_http_req_stream_end (nq_http_req_t *req)
{
    assert (req);
    s_conn_t *conn = req->conn;
    if (conn->state == S_CLOSING)
        return NQ_ECLOSED;
    assert (conn->state == S_STREAMING);
    static const char last[] = "0\r\n\r\n";
    int rc = s_write_raw (conn, last, sizeof last - 1, NULL, 0, NULL, 0);
    s_req_finish (conn);
    return rc;
}

void
nq_http_req_reset (nq_http_req_t *req)
{
    assert (req);
    s_conn_t *conn = req->conn;
    req->on_abort = NULL;
    req->on_drain = NULL;
    s_conn_close_how (conn, 1);
}

size_t
nq_http_req_queued (const nq_http_req_t *req)
{
    assert (req);
    const s_conn_t *conn = req->conn;
    return conn->queued;
}
