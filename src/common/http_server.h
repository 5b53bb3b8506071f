/*  http_server.h — a small HTTP/1.1 server on a libuv loop.

    Requests are parsed by Debian's http-parser (never by hand); responses are
    either whole (Content-Length) or streamed with chunked transfer encoding.
    It is built for many long streaming responses on one loop: keep-alive,
    a bound on each connection's write queue (the producer is told to stop
    while the queue is over it and is called back when it drains), limits on
    header and body size, an idle timeout per connection and a cap on open
    connections. Every handle is closed in two phases: nq_http_server_stop
    closes them and calls back once the last close callback has run; only
    then may the server be destroyed.

    A connection serves one request at a time. The handler receives each
    complete request and owns it until it ends the response (respond,
    stream_end or reset). If the connection dies first (client closed, write
    error, server stopped) the request's abort callback runs instead, once,
    and the request must not be touched after it returns. Bytes a client
    pipelines behind a request are kept (bounded) and parsed after the
    response ends; reading continues meanwhile so that a client closing
    mid-response is seen at once. Not thread-safe: use it from its loop. */
#ifndef NQ_HTTP_SERVER_H
#define NQ_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct nq_http_server_t nq_http_server_t;
typedef struct nq_http_req_t nq_http_req_t;

/*  Called with every complete request; the handler owns req until it ends
    the response. */
typedef void (nq_http_handler_fn) (void *arg, nq_http_req_t *req);
/*  Called when req's connection went away before its response ended. */
typedef void (nq_http_abort_fn) (void *user, nq_http_req_t *req);
/*  Called when a streamed response's write queue fell back under the low
    water mark after nq_http_req_stream_write reported it full. */
typedef void (nq_http_drain_fn) (void *user, nq_http_req_t *req);
/*  Called once by nq_http_server_stop when every handle has closed. */
typedef void (nq_http_stopped_fn) (void *arg);

typedef struct {
    size_t max_header_bytes;     //  request line + headers (431 past it)
    size_t max_body_bytes;       //  request body (413 past it)
    size_t max_connections;      //  further connections are closed at accept
    uint64_t idle_timeout_ms;    //  while no request is being handled; 0 = none
    size_t write_high_water;     //  queued bytes past which a stream is "full"
} nq_http_limits_t;

/*  Fills limits with the defaults: 16 KiB of headers, 8 MiB of body, 10,000
    connections, 60 s idle timeout, 256 KiB high water. */
void nq_http_limits_default (nq_http_limits_t *limits);

/*  Creates a server on loop (borrowed; must outlive the server) with a copy
    of limits (NULL: defaults). handler is called with arg for each request.
    Returns NULL on no memory. */
nq_http_server_t *nq_http_server_new (uv_loop_t *loop, const nq_http_limits_t *limits,
                                      nq_http_handler_fn *handler, void *arg);

/*  Listens on host:port (IPv4 or IPv6 literal; port 0 picks a free port).
    Returns 0, NQ_EINVALID for a bad address, or NQ_EIO (with errno-like
    detail logged) when bind/listen fails. */
int nq_http_server_listen (nq_http_server_t *self, const char *host, int port);

/*  The port actually bound (after listen), or -1. */
int nq_http_server_port (const nq_http_server_t *self);

/*  Number of connections currently open. */
size_t nq_http_server_connections (const nq_http_server_t *self);

/*  Stops accepting and closes every connection (aborting requests in
    flight); calls stopped (may be NULL) with arg when all handles are
    closed. Calling it twice is allowed; only the first callback counts. */
void nq_http_server_stop (nq_http_server_t *self, nq_http_stopped_fn *stopped, void *arg);

/*  Frees a server that never listened or whose stop has completed; nulls
 *self_p; accepts NULL. Asserts when handles are still open. */
void nq_http_server_destroy (nq_http_server_t **self_p);

/*  Request accessors. Strings belong to the request and live until it ends.
    method is "GET", "POST", …; path excludes the query; query (without '?')
    is "" when absent; header looks a name up case-insensitively (NULL when
    absent); body is NUL-terminated (body_len excludes the NUL). */
const char *nq_http_req_method (const nq_http_req_t *req);
const char *nq_http_req_path (const nq_http_req_t *req);
const char *nq_http_req_query (const nq_http_req_t *req);
const char *nq_http_req_header (const nq_http_req_t *req, const char *name);
const char *nq_http_req_body (const nq_http_req_t *req);
size_t nq_http_req_body_len (const nq_http_req_t *req);

/*  Attaches the handler's state: user is passed to on_abort and on_drain
    (either may be NULL). */
void nq_http_req_set_user (nq_http_req_t *req, void *user, nq_http_abort_fn *on_abort,
                           nq_http_drain_fn *on_drain);

/*  Sends a whole response (body may be NULL with len 0) and ends the request.
    content_type NULL omits the header. Returns 0 or NQ_ECLOSED when the
    connection is going away (the request is ended all the same). */
int nq_http_req_respond (nq_http_req_t *req, int status, const char *content_type, const char *body,
                         size_t len);

/*  Starts a chunked response. Returns 0 or NQ_ECLOSED. */
int nq_http_req_stream_begin (nq_http_req_t *req, int status, const char *content_type);

/*  Queues one chunk (len > 0). Returns 0 when the producer may go on, 1 when
    the write queue is over its high water (the data is queued; wait for the
    drain callback), or NQ_ECLOSED when the connection is going away. */
int nq_http_req_stream_write (nq_http_req_t *req, const char *data, size_t len);

/*  Ends a chunked response and the request. Returns 0 or NQ_ECLOSED. */
int nq_http_req_stream_end (nq_http_req_t *req);

/*  Ends the request by resetting its connection (TCP RST, no response) —
    for fault injection. The abort callback is not called. */
void nq_http_req_reset (nq_http_req_t *req);

/*  Bytes queued for writing on req's connection. */
size_t nq_http_req_queued (const nq_http_req_t *req);

/*  The reason phrase of an HTTP status ("OK", "Not Found"; "Unknown"). */
const char *nq_http_status_text (int status);

#endif
