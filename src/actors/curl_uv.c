/*  curl_uv.c — libcurl multi ↔ libuv glue (see curl_uv.h). */
#include "actors/curl_uv.h"

#include "common/alloc.h"
#include "common/errors.h"

#include <assert.h>
#include <string.h>

typedef struct s_sock_t s_sock_t;
struct s_sock_t {
    uv_poll_t poll;
    nq_curl_uv_t *owner;
    curl_socket_t fd;
    s_sock_t *next;    //  live sockets (closed ones leave the list)
};

//  A removal asked for from inside a libcurl callback.
typedef struct s_deferred_t {
    CURL *easy;
    struct s_deferred_t *next;
} s_deferred_t;

struct nq_curl_uv_t {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer;
    nq_curl_uv_done_fn *done_fn;
    void *arg;
    nq_curl_uv_own_fn *own;
    nq_curl_uv_closer_fn *closer;
    void *owner_arg;
    s_sock_t *socks;
    s_deferred_t *deferred;
    int depth;    //  > 0 while inside curl_multi_socket_action
    int closing;
    int open_handles;    //  handles not yet closed (timer + polls)
    nq_curl_uv_close_fn *close_fn;
    void *close_arg;
};

static void s_sock_close (s_sock_t *sock);

static void
s_handle_closed (nq_curl_uv_t *self)
{
    self->open_handles--;
    if (self->closing && self->open_handles == 0) {
        nq_curl_uv_close_fn *fn = self->close_fn;
        void *arg = self->close_arg;
        nq_free (self);
        if (fn)
            fn (arg);
    }
}

static void
s_close_handle (nq_curl_uv_t *self, uv_handle_t *handle, uv_close_cb cb)
{
    if (self->closer)
        self->closer (self->owner_arg, handle, cb);
    else
        uv_close (handle, cb);
}

static void
s_timer_closed (uv_handle_t *handle)
{
    s_handle_closed (handle->data);
}

static void
s_poll_closed (uv_handle_t *handle)
{
    s_sock_t *sock = handle->data;
    nq_curl_uv_t *self = sock->owner;
    nq_free (sock);
    s_handle_closed (self);
}

static void
s_remove_now (nq_curl_uv_t *self, CURL *easy)
{
    //  A connection that carried a half-read response must not be reused.
    curl_easy_setopt (easy, CURLOPT_FORBID_REUSE, 1L);
    curl_multi_remove_handle (self->multi, easy);
    self->done_fn (self->arg, easy, CURLE_ABORTED_BY_CALLBACK);
}

//  After libcurl returned: apply deferred removals, then report what ended.
static void
s_after_action (nq_curl_uv_t *self)
{
    while (self->deferred) {
        s_deferred_t *d = self->deferred;
        self->deferred = d->next;
        CURL *easy = d->easy;
        nq_free (d);
        s_remove_now (self, easy);
    }
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read (self->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *easy = msg->easy_handle;
        CURLcode result = msg->data.result;
        curl_multi_remove_handle (self->multi, easy);
        self->done_fn (self->arg, easy, result);
    }
}

static void
s_action (nq_curl_uv_t *self, curl_socket_t fd, int flags)
{
    int running;
    self->depth++;
    curl_multi_socket_action (self->multi, fd, flags, &running);
    self->depth--;
    if (self->depth == 0)
        s_after_action (self);
}

static void
s_on_timer (uv_timer_t *timer)
{
    s_action (timer->data, CURL_SOCKET_TIMEOUT, 0);
}

static void
s_on_poll (uv_poll_t *poll, int status, int events)
{
    s_sock_t *sock = poll->data;
    int flags = 0;
    if (status < 0)
        flags = CURL_CSELECT_ERR | CURL_CSELECT_IN | CURL_CSELECT_OUT;
    else {
        if (events & UV_READABLE)
            flags |= CURL_CSELECT_IN;
        if (events & UV_WRITABLE)
            flags |= CURL_CSELECT_OUT;
    }
    s_action (sock->owner, sock->fd, flags);
}

static void
s_sock_close (s_sock_t *sock)
{
    nq_curl_uv_t *self = sock->owner;
    s_sock_t **pp = &self->socks;
    while (*pp && *pp != sock)
        pp = &(*pp)->next;
    if (*pp)
        *pp = sock->next;
    uv_poll_stop (&sock->poll);
    s_close_handle (self, (uv_handle_t *)&sock->poll, s_poll_closed);
}

static int
s_socket_cb (CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)easy;
    nq_curl_uv_t *self = userp;
    s_sock_t *sock = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (sock) {
            curl_multi_assign (self->multi, fd, NULL);
            s_sock_close (sock);
        }
        return 0;
    }
    if (!sock) {
        sock = nq_calloc (1, sizeof *sock);
        if (!sock)
            return -1;
        if (uv_poll_init_socket (self->loop, &sock->poll, fd) != 0) {
            nq_free (sock);
            return -1;
        }
        sock->poll.data = sock;
        sock->owner = self;
        sock->fd = fd;
        sock->next = self->socks;
        self->socks = sock;
        self->open_handles++;
        if (self->own)
            self->own (self->owner_arg, (uv_handle_t *)&sock->poll);
        curl_multi_assign (self->multi, fd, sock);
    }
    int events = 0;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
        events |= UV_READABLE;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
        events |= UV_WRITABLE;
    uv_poll_start (&sock->poll, events, s_on_poll);
    return 0;
}

static int
s_timer_cb (CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    nq_curl_uv_t *self = userp;
    if (self->closing)
        return 0;
    if (timeout_ms < 0)
        uv_timer_stop (&self->timer);
    else
        //  Never act from inside libcurl: even "now" goes through the loop.
        uv_timer_start (&self->timer, s_on_timer, (uint64_t)timeout_ms, 0);
    return 0;
}

nq_curl_uv_t *
nq_curl_uv_new (uv_loop_t *loop, nq_curl_uv_done_fn *done_fn, void *arg)
{
    assert (loop);
    assert (done_fn);
    nq_curl_uv_t *self = nq_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->loop = loop;
    self->done_fn = done_fn;
    self->arg = arg;
    self->multi = curl_multi_init ();
    if (!self->multi)
        goto fail;
    curl_multi_setopt (self->multi, CURLMOPT_SOCKETFUNCTION, s_socket_cb);
    curl_multi_setopt (self->multi, CURLMOPT_SOCKETDATA, self);
    curl_multi_setopt (self->multi, CURLMOPT_TIMERFUNCTION, s_timer_cb);
    curl_multi_setopt (self->multi, CURLMOPT_TIMERDATA, self);
    uv_timer_init (loop, &self->timer);
    self->timer.data = self;
    self->open_handles = 1;
    return self;
fail:
    nq_free (self);
    return NULL;
}

void
nq_curl_uv_set_owner (nq_curl_uv_t *self, nq_curl_uv_own_fn *own, nq_curl_uv_closer_fn *closer, void *arg)
{
    assert (self);
    self->own = own;
    self->closer = closer;
    self->owner_arg = arg;
    if (own)
        own (arg, (uv_handle_t *)&self->timer);
}

CURLM *
nq_curl_uv_multi (nq_curl_uv_t *self)
{
    assert (self);
    return self->multi;
}

int
nq_curl_uv_add (nq_curl_uv_t *self, CURL *easy)
{
    assert (self);
    assert (easy);
    if (self->closing)
        return NQ_ECLOSED;
    if (curl_multi_add_handle (self->multi, easy) != CURLM_OK)
        return NQ_EINTERNAL;
    return 0;
}

void
nq_curl_uv_remove (nq_curl_uv_t *self, CURL *easy)
{
    assert (self);
    assert (easy);
    if (self->depth > 0) {
        for (s_deferred_t *d = self->deferred; d; d = d->next)
            if (d->easy == easy)
                return;
        s_deferred_t *d = nq_calloc (1, sizeof *d);
        if (d) {
            d->easy = easy;
            d->next = self->deferred;
            self->deferred = d;
            return;
        }
        //  No memory for the note: the caller's write callback refuses
        //  data, so the transfer still ends (with a write error).
        return;
    }
    s_remove_now (self, easy);
}

void
nq_curl_uv_close (nq_curl_uv_t *self, nq_curl_uv_close_fn *close_fn, void *arg)
{
    assert (self);
    assert (self->depth == 0);
    assert (!self->closing);
    self->closing = 1;
    self->close_fn = close_fn;
    self->close_arg = arg;
    curl_multi_cleanup (self->multi);
    self->multi = NULL;
    while (self->socks)
        s_sock_close (self->socks);
    uv_timer_stop (&self->timer);
    s_close_handle (self, (uv_handle_t *)&self->timer, s_timer_closed);
}
