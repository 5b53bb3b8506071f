/*  http_request.c — incremental, bounded HTTP/1.1 request parsing over
    http-parser. See http_request.h. */
#include "common/http_request.h"

#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/alloc.h"

static http_parser_settings s_settings;
static int s_settings_ready;

//  --------------------------------------------------------------------------
//  Request state

void
nq_http_req_clear (nq_http_req_t *req)
{
    nq_free (req->url);
    nq_free (req->path);
    nq_free (req->hbuf);
    nq_free (req->body);
    void *conn = req->conn;
    memset (req, 0, sizeof *req);
    req->conn = conn;
    req->query = "";
}

static int
s_append (char **buf, size_t *len, size_t *cap, const char *data, size_t n, size_t limit)
{
    if (*len + n + 1 > limit + 1)
        return -1;
    if (*len + n + 1 > *cap) {
        size_t ncap = *cap ? *cap : 256;
        while (ncap < *len + n + 1)
            ncap *= 2;
        char *nbuf = nq_realloc (*buf, ncap);
        if (!nbuf)
            return -2;
        *buf = nbuf;
        *cap = ncap;
    }
    memcpy (*buf + *len, data, n);
    *len += n;
    (*buf)[*len] = 0;
    return 0;
}

static size_t
s_header_budget (nq_http_parser_t *self)
{
    size_t used = self->req->url_len + self->req->hlen;
    size_t max = self->max_header_bytes;
    return used >= max ? 0 : max - used;
}

//  --------------------------------------------------------------------------
//  Parser callbacks

static int
s_on_message_begin (http_parser *p)
{
    nq_http_parser_t *self = p->data;
    self->headers_done = 0;
    nq_http_req_clear (self->req);
    return 0;
}

static int
s_on_url (http_parser *p, const char *at, size_t len)
{
    nq_http_parser_t *self = p->data;
    size_t cap = self->req->url_len + 1;
    if (len > s_header_budget (self)) {
        self->status = 431;
        return -1;
    }
    //  url grows by exact size: cap tracking is not worth a field here
    char *nurl = nq_realloc (self->req->url, cap + len);
    if (!nurl) {
        self->status = 500;
        return -1;
    }
    memcpy (nurl + self->req->url_len, at, len);
    self->req->url = nurl;
    self->req->url_len += len;
    nurl[self->req->url_len] = 0;
    return 0;
}

static int
s_header_piece (nq_http_parser_t *self, const char *at, size_t len, int is_value)
{
    if (self->headers_done)
        return 0;    //  trailers of a chunked body: the index into hbuf must stay valid

    nq_http_req_t *req = self->req;
    size_t limit = self->max_header_bytes;
    if (is_value != req->last_was_value || req->hlen == 0) {
        if (!is_value) {
            if (req->header_count == NQ_HTTP_MAX_HEADERS) {
                self->status = 431;
                return -1;
            }
            req->header_count++;
        }
        //  a NUL separates a name from its value and a value from the next name
        if (req->hlen > 0 && s_append (&req->hbuf, &req->hlen, &req->hcap, "", 1, limit) != 0) {
            self->status = 431;
            return -1;
        }
        req->last_was_value = is_value;
    }
    if (len > s_header_budget (self)) {
        self->status = 431;
        return -1;
    }
    int rc = s_append (&req->hbuf, &req->hlen, &req->hcap, at, len, limit);
    if (rc != 0) {
        self->status = rc == -2 ? 500 : 431;
        return -1;
    }
    return 0;
}

static int
s_on_header_field (http_parser *p, const char *at, size_t len)
{
    return s_header_piece (p->data, at, len, 0);
}

static int
s_on_header_value (http_parser *p, const char *at, size_t len)
{
    return s_header_piece (p->data, at, len, 1);
}

static int
s_on_headers_complete (http_parser *p)
{
    nq_http_parser_t *self = p->data;
    nq_http_req_t *req = self->req;
    self->headers_done = 1;
    //  index the "name\0value\0" buffer; a name with no value gets ""
    const char *at = req->hbuf;
    size_t n = 0;
    while (at && at < req->hbuf + req->hlen && n < req->header_count) {
        req->hname[n] = at;
        at += strlen (at) + 1;
        if (at <= req->hbuf + req->hlen) {
            req->hvalue[n] = at;
            at += strlen (at) + 1;
        }
        else
            req->hvalue[n] = "";
        n++;
    }
    req->header_count = n;
    snprintf (req->method, sizeof req->method, "%s", http_method_str ((enum http_method)p->method));
    req->is_head = p->method == HTTP_HEAD;
    req->keep_alive = http_should_keep_alive (p);
    if (!req->url) {
        self->status = 400;
        return -1;
    }
    char *q = strchr (req->url, '?');
    size_t plen = q ? (size_t)(q - req->url) : req->url_len;
    req->path = nq_strndup (req->url, plen);
    if (!req->path) {
        self->status = 500;
        return -1;
    }
    req->query = q ? q + 1 : "";
    if (p->content_length != ULLONG_MAX && p->content_length > self->max_body_bytes) {
        self->status = 413;
        return -1;
    }
    const char *expect = nq_http_req_header (req, "Expect");
    if (expect && strcasecmp (expect, "100-continue") == 0)
        req->expect_continue = 1;
    return 0;
}

static int
s_on_body (http_parser *p, const char *at, size_t len)
{
    nq_http_parser_t *self = p->data;
    nq_http_req_t *req = self->req;
    int rc = s_append (&req->body, &req->body_len, &req->body_cap, at, len, self->max_body_bytes);
    if (rc != 0) {
        self->status = rc == -2 ? 500 : 413;
        return -1;
    }
    return 0;
}

static int
s_on_message_complete (http_parser *p)
{
    nq_http_parser_t *self = p->data;
    self->complete = 1;
    http_parser_pause (p, 1);
    return 0;
}

static void
s_settings_init (void)
{
    if (s_settings_ready)
        return;
    memset (&s_settings, 0, sizeof s_settings);
    s_settings.on_message_begin = s_on_message_begin;
    s_settings.on_url = s_on_url;
    s_settings.on_header_field = s_on_header_field;
    s_settings.on_header_value = s_on_header_value;
    s_settings.on_headers_complete = s_on_headers_complete;
    s_settings.on_body = s_on_body;
    s_settings.on_message_complete = s_on_message_complete;
    s_settings_ready = 1;
}

//  --------------------------------------------------------------------------
//  Parser

void
nq_http_parser_init (nq_http_parser_t *self, nq_http_req_t *req, size_t max_header_bytes,
                     size_t max_body_bytes)
{
    assert (self);
    assert (req);
    s_settings_init ();
    memset (self, 0, sizeof *self);
    http_parser_init (&self->parser, HTTP_REQUEST);
    self->parser.data = self;
    self->req = req;
    self->max_header_bytes = max_header_bytes;
    self->max_body_bytes = max_body_bytes;
    nq_http_req_clear (req);
}

size_t
nq_http_parser_feed (nq_http_parser_t *self, const char *data, size_t len)
{
    assert (self);
    if (self->complete || self->status)
        return 0;
    size_t done = http_parser_execute (&self->parser, &s_settings, data, len);
    enum http_errno err = HTTP_PARSER_ERRNO (&self->parser);
    if (self->complete) {
        http_parser_pause (&self->parser, 0);
        return done;
    }
    if (err != HPE_OK && !self->status)
        self->status = 400;
    return done;
}

//  --------------------------------------------------------------------------
//  Accessors (declared in http_server.h)

const char *
nq_http_req_method (const nq_http_req_t *req)
{
    assert (req);
    return req->method;
}

const char *
nq_http_req_path (const nq_http_req_t *req)
{
    assert (req);
    return req->path ? req->path : "/";
}

const char *
nq_http_req_query (const nq_http_req_t *req)
{
    assert (req);
    return req->query;
}

const char *
nq_http_req_header (const nq_http_req_t *req, const char *name)
{
    assert (req);
    assert (name);
    for (size_t i = 0; i < req->header_count; i++)
        if (strcasecmp (req->hname[i], name) == 0)
            return req->hvalue[i];
    return NULL;
}

const char *
nq_http_req_body (const nq_http_req_t *req)
{
    assert (req);
    return req->body ? req->body : "";
}

size_t
nq_http_req_body_len (const nq_http_req_t *req)
{
    assert (req);
    return req->body_len;
}
