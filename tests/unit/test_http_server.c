/*  test_http_server.c — the HTTP/1.1 server: requests parsed by http-parser,
    keep-alive and pipelining, header/body limits, chunked streaming with
    backpressure, the abort callback when a client leaves, and a two-phase
    stop that leaves no handle open. A client thread speaks raw HTTP over a
    blocking loopback socket while the loop runs in the test's thread. */
#include "nqtest.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/errors.h"
#include "common/http_server.h"

typedef struct {
    uv_loop_t loop;
    nq_http_server_t *server;
    uv_async_t done_async;
    pthread_t thread;
    int port;
    const char *request;    //  what the client sends
    size_t request_len;
    int close_after_ms;    //  > 0: the client closes after reading this long
    char reply[300000];    //  what it read
    size_t reply_len;
    int aborts;
    int aborts_before_stop;
    int drains;
    int stopped;
    nq_http_req_t *held;
    int stream_left;
} s_fixture_t;

static void s_handler (void *arg, nq_http_req_t *req);

static void
s_drain (void *user, nq_http_req_t *req)
{
    s_fixture_t *f = user;
    f->drains++;
    nq_http_req_stream_write (req, "tail", 4);
    nq_http_req_stream_end (req);
}

static void
s_abort (void *user, nq_http_req_t *req)
{
    s_fixture_t *f = user;
    (void)req;
    f->aborts++;
    f->held = NULL;
}

static void
s_handler (void *arg, nq_http_req_t *req)
{
    s_fixture_t *f = arg;
    const char *path = nq_http_req_path (req);
    char buf[256];
    if (strcmp (path, "/echo") == 0) {
        const char *h = nq_http_req_header (req, "x-test");
        int n = snprintf (buf, sizeof buf, "%s %s q=%s h=%s body=%s", nq_http_req_method (req), path,
                          nq_http_req_query (req), h ? h : "-", nq_http_req_body (req));
        nq_http_req_respond (req, 200, "text/plain", buf, (size_t)n);
    }
    else if (strcmp (path, "/stream") == 0) {
        assert_int_equal (nq_http_req_stream_begin (req, 200, "application/x-ndjson"), 0);
        assert_int_equal (nq_http_req_stream_write (req, "{\"a\":1}\n", 8), 0);
        assert_int_equal (nq_http_req_stream_write (req, "{\"b\":2}\n", 8), 0);
        assert_int_equal (nq_http_req_stream_end (req), 0);
    }
    else if (strcmp (path, "/big") == 0) {
        //  a write far over the high water mark: the producer must wait
        static char big[200000];
        memset (big, 'x', sizeof big);
        nq_http_req_set_user (req, f, s_abort, s_drain);
        nq_http_req_stream_begin (req, 200, "text/plain");
        assert_int_equal (nq_http_req_stream_write (req, big, sizeof big), 1);
    }
    else if (strcmp (path, "/hold") == 0) {
        f->held = req;
        nq_http_req_set_user (req, f, s_abort, NULL);
    }
    else
        nq_http_req_respond (req, 404, NULL, NULL, 0);
}

static void *
s_client (void *arg)
{
    s_fixture_t *f = arg;
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset (&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons ((uint16_t)f->port);
    sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    struct timeval tv = {0, f->close_after_ms > 0 ? f->close_after_ms * 1000 : 2000000 - 1};
    if (f->close_after_ms <= 0) {
        tv.tv_sec = 2;
        tv.tv_usec = 0;
    }
    setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect (fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
        send (fd, f->request, f->request_len, 0);
        ssize_t n;
        while (f->reply_len < sizeof f->reply - 1 &&
               (n = recv (fd, f->reply + f->reply_len, sizeof f->reply - 1 - f->reply_len, 0)) > 0)
            f->reply_len += (size_t)n;
    }
    f->reply[f->reply_len] = 0;
    close (fd);
    if (f->close_after_ms > 0)
        usleep (100000);    //  give the server time to see the close by itself
    uv_async_send (&f->done_async);
    return NULL;
}

static void
s_stopped (void *arg)
{
    s_fixture_t *f = arg;
    f->stopped = 1;
}

static void
s_done (uv_async_t *async)
{
    s_fixture_t *f = async->data;
    uv_close ((uv_handle_t *)async, NULL);
    f->aborts_before_stop = f->aborts;
    nq_http_server_stop (f->server, s_stopped, f);
}

//  Runs one client exchange against a fresh server with limits; returns when
//  the loop has run out (every handle closed).
static void
s_run (s_fixture_t *f, const char *request, const nq_http_limits_t *limits)
{
    memset (f, 0, sizeof *f);
    f->request = request;
    f->request_len = strlen (request);
    uv_loop_init (&f->loop);
    f->server = nq_http_server_new (&f->loop, limits, s_handler, f);
    assert_non_null (f->server);
    assert_int_equal (nq_http_server_listen (f->server, "127.0.0.1", 0), 0);
    f->port = nq_http_server_port (f->server);
    assert_true (f->port > 0);
    uv_async_init (&f->loop, &f->done_async, s_done);
    f->done_async.data = f;
    pthread_create (&f->thread, NULL, s_client, f);
    uv_run (&f->loop, UV_RUN_DEFAULT);
    pthread_join (f->thread, NULL);
    assert_true (f->stopped);
    nq_http_server_destroy (&f->server);
    assert_null (f->server);
    assert_int_equal (uv_loop_close (&f->loop), 0);
}

static void
test_keep_alive_and_pipelining (void **state)
{
    (void)state;
    static s_fixture_t f;
    s_run (&f,
           "POST /echo?x=1 HTTP/1.1\r\nHost: a\r\nX-Test: yes\r\nContent-Length: 5\r\n\r\nhello"
           "GET /echo HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
           NULL);
    const char *first = strstr (f.reply, "POST /echo q=x=1 h=yes body=hello");
    const char *second = strstr (f.reply, "GET /echo q= h=- body=");
    assert_non_null (first);
    assert_non_null (second);
    assert_true (first < second);
    assert_non_null (strstr (f.reply, "HTTP/1.1 200 OK\r\n"));
    assert_non_null (strstr (f.reply, "Connection: close\r\n"));
}

static void
test_limits (void **state)
{
    (void)state;
    static s_fixture_t f;
    nq_http_limits_t limits;
    nq_http_limits_default (&limits);
    limits.max_header_bytes = 256;
    limits.max_body_bytes = 16;
    static char big[1024];
    snprintf (big, sizeof big, "GET /echo HTTP/1.1\r\nX-Long: %0600d\r\n\r\n", 0);
    s_run (&f, big, &limits);
    assert_non_null (strstr (f.reply, "HTTP/1.1 431 "));
    s_run (&f, "POST /echo HTTP/1.1\r\nContent-Length: 17\r\n\r\n01234567890123456", &limits);
    assert_non_null (strstr (f.reply, "HTTP/1.1 413 "));
    s_run (&f,
           "POST /echo HTTP/1.1\r\nTransfer-Encoding: "
           "chunked\r\n\r\n20\r\n0123456789012345678901234567890\r\n0\r\n\r\n",
           &limits);
    assert_non_null (strstr (f.reply, "HTTP/1.1 413 "));
    s_run (&f, "BLAH\r\n\r\n", &limits);
    assert_non_null (strstr (f.reply, "HTTP/1.1 400 "));
}

static void
test_expect_continue (void **state)
{
    (void)state;
    static s_fixture_t f;
    s_run (&f,
           "POST /echo HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc",
           NULL);
    const char *cont = strstr (f.reply, "HTTP/1.1 100 Continue\r\n\r\n");
    const char *ok = strstr (f.reply, "HTTP/1.1 200 OK\r\n");
    assert_non_null (cont);
    assert_non_null (ok);
    assert_true (cont < ok);
    assert_non_null (strstr (f.reply, "body=abc"));
}

static void
test_chunked_body_with_trailers (void **state)
{
    (void)state;
    static s_fixture_t f;
    //  trailers after a chunked body must not disturb the headers' index
    s_run (&f,
           "POST /echo HTTP/1.1\r\nX-Test: kept\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
           "3\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer-One: "
           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
           "X-Trailer-Two: "
           "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\r\n"
           "\r\n",
           NULL);
    assert_non_null (strstr (f.reply, "POST /echo q= h=kept body=abcde"));
}

static void
test_streaming (void **state)
{
    (void)state;
    static s_fixture_t f;
    s_run (&f, "GET /stream HTTP/1.1\r\nConnection: close\r\n\r\n", NULL);
    assert_non_null (strstr (f.reply, "Transfer-Encoding: chunked\r\n"));
    assert_non_null (strstr (f.reply, "\r\n\r\n8\r\n{\"a\":1}\n\r\n8\r\n{\"b\":2}\n\r\n0\r\n\r\n"));
}

static void
test_backpressure (void **state)
{
    (void)state;
    static s_fixture_t f;
    nq_http_limits_t limits;
    nq_http_limits_default (&limits);
    limits.write_high_water = 1024;
    s_run (&f, "GET /big HTTP/1.1\r\nConnection: close\r\n\r\n", &limits);
    assert_int_equal (f.drains, 1);
    assert_int_equal (f.aborts, 0);
    assert_true (f.reply_len > 200000);
    assert_non_null (strstr (f.reply + f.reply_len - 20, "4\r\ntail\r\n0\r\n\r\n"));
}

static void
test_abort_when_client_leaves (void **state)
{
    (void)state;
    static s_fixture_t f;
    //  the client gives up after 200 ms without an answer and closes
    memset (&f, 0, sizeof f);
    f.close_after_ms = 200;
    nq_http_limits_t limits;
    nq_http_limits_default (&limits);
    s_fixture_t *fp = &f;
    uv_loop_init (&fp->loop);
    fp->request = "GET /hold HTTP/1.1\r\n\r\n";
    fp->request_len = strlen (fp->request);
    fp->server = nq_http_server_new (&fp->loop, &limits, s_handler, fp);
    assert_int_equal (nq_http_server_listen (fp->server, "127.0.0.1", 0), 0);
    fp->port = nq_http_server_port (fp->server);
    uv_async_init (&fp->loop, &fp->done_async, s_done);
    fp->done_async.data = fp;
    pthread_create (&fp->thread, NULL, s_client, fp);
    //  run until the client is gone and the server noticed
    while (uv_run (&fp->loop, UV_RUN_ONCE) && !fp->stopped)
        ;
    uv_run (&fp->loop, UV_RUN_DEFAULT);
    pthread_join (fp->thread, NULL);
    assert_int_equal (fp->aborts, 1);
    assert_int_equal (fp->aborts_before_stop, 1);
    assert_null (fp->held);
    assert_int_equal (fp->reply_len, 0);
    nq_http_server_destroy (&fp->server);
    assert_int_equal (uv_loop_close (&fp->loop), 0);
}

static void
test_bad_address (void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init (&loop);
    nq_http_server_t *s = nq_http_server_new (&loop, NULL, s_handler, NULL);
    assert_int_equal (nq_http_server_listen (s, "not-an-ip", 80), NQ_EINVALID);
    nq_http_server_destroy (&s);
    uv_run (&loop, UV_RUN_DEFAULT);
    assert_int_equal (uv_loop_close (&loop), 0);
    assert_string_equal (nq_http_status_text (503), "Service Unavailable");
}

NQ_TEST_MAIN (cmocka_unit_test (test_keep_alive_and_pipelining), cmocka_unit_test (test_limits),
              cmocka_unit_test (test_expect_continue), cmocka_unit_test (test_chunked_body_with_trailers),
              cmocka_unit_test (test_streaming), cmocka_unit_test (test_backpressure),
              cmocka_unit_test (test_abort_when_client_leaves), cmocka_unit_test (test_bad_address))
