/*  http_request.h — one HTTP/1.1 request, parsed incrementally within limits.

    The request side of http_server: bytes are fed as they arrive; Debian's
    http-parser does the protocol (chunked bodies, keep-alive rules, length
    overflow) and this file keeps what it reports — method, URL, headers,
    body — bounded by a header budget (431 past it) and a body limit (413).
    Parsing pauses at the end of each message so that pipelined bytes stay
    unconsumed for the next one. Pure: no I/O, so it is fuzzed directly
    (tests/fuzz/fuzz_http_request.c).

    The struct is shared with http_server.c, which adds the response-side
    fields; everyone else uses the accessors in http_server.h. */
#ifndef NQ_HTTP_REQUEST_H
#define NQ_HTTP_REQUEST_H

#include <http_parser.h>
#include <stddef.h>

#include "common/http_server.h"

#define NQ_HTTP_MAX_HEADERS 64

struct nq_http_req_t {
    void *conn;    //  the server's connection (http_server.c)
    char method[16];
    char *url;    //  NUL-terminated, owned
    size_t url_len;
    char *path;     //  owned copy without the query
    char *query;    //  points into url, or ""
    char *hbuf;     //  "name\0value\0" pairs
    size_t hlen, hcap;
    int last_was_value;
    size_t header_count;
    const char *hname[NQ_HTTP_MAX_HEADERS];
    const char *hvalue[NQ_HTTP_MAX_HEADERS];
    char *body;
    size_t body_len, body_cap;
    int keep_alive;
    int is_head;
    int expect_continue;    //  the client sent "Expect: 100-continue"
    void *user;
    nq_http_abort_fn *on_abort;
    nq_http_drain_fn *on_drain;
};

typedef struct {
    http_parser parser;
    nq_http_req_t *req;    //  borrowed; filled as the message arrives
    size_t max_header_bytes;
    size_t max_body_bytes;
    int headers_done;    //  later header callbacks are trailers, ignored
    int complete;        //  the message ended; the rest of the input is unconsumed
    int status;          //  an error's HTTP status (400, 413, 431, 500), else 0
} nq_http_parser_t;

/*  Prepares self to parse one request into req (borrowed, cleared first). */
void nq_http_parser_init (nq_http_parser_t *self, nq_http_req_t *req, size_t max_header_bytes,
                          size_t max_body_bytes);

/*  Feeds len bytes. Returns how many were consumed: all of them, unless the
    message ended (self->complete; the remainder belongs to the next request)
    or an error was found (self->status set; the connection must answer it
    and close). */
size_t nq_http_parser_feed (nq_http_parser_t *self, const char *data, size_t len);

/*  Frees what req owns and zeroes it, keeping its conn. */
void nq_http_req_clear (nq_http_req_t *req);

#endif
