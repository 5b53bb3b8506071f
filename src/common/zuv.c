/*  zuv.c — a ZeroMQ socket on a libuv loop (see zuv.h for the rules of the
    edge-triggered descriptor this file is built around). */
#include "common/zuv.h"

#include "common/alloc.h"
#include "common/errors.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

//  A message waiting to be sent: its parts, each a zmq_msg_t.
typedef struct s_out_t {
    struct s_out_t *next;
    size_t count;
    zmq_msg_t parts[];
} s_out_t;

struct nq_zuv_t {
    uv_loop_t *loop;
    void *socket;
    uv_poll_t poll;
    uv_idle_t idle;       //  keeps the loop turning while work may remain
    int handles_open;
    int receiving;
    int closing;
    int in_process;
    nq_zuv_options_t options;
    nq_zuv_recv_fn *recv_fn;
    nq_zuv_close_fn *close_fn;
    void *arg;
    nq_zuv_closer_fn *closer;
    void *owner_arg;
    s_out_t *out_head, *out_tail;
    size_t out_count;
    nq_zuv_stats_t stats;
};

static void s_process (nq_zuv_t *self);

static uint32_t
s_events (nq_zuv_t *self)
{
    uint32_t events = 0;
    size_t size = sizeof events;
    if (zmq_getsockopt (self->socket, ZMQ_EVENTS, &events, &size) != 0)
        return 0;
    return events;
}

static void
s_idle_cb (uv_idle_t *idle)
{
    nq_zuv_t *self = idle->data;
    uv_idle_stop (idle);
    s_process (self);
}

//  Look again on the next loop turn, without waiting for the descriptor.
static void
s_kick (nq_zuv_t *self)
{
    if (!self->closing)
        uv_idle_start (&self->idle, s_idle_cb);
}

static void
s_out_free (s_out_t *out)
{
    for (size_t i = 0; i < out->count; i++)
        zmq_msg_close (&out->parts[i]);
    nq_free (out);
}

//  Tries to send one prepared message now. Returns 0 when sent (parts are
//  consumed), NQ_EAGAIN when the socket cannot take it now (nothing sent),
//  or another negative code.
static int
s_try_send (nq_zuv_t *self, zmq_msg_t *parts, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        int flags = ZMQ_DONTWAIT | (i + 1 < count ? ZMQ_SNDMORE : 0);
        if (zmq_msg_send (&parts[i], self->socket, flags) < 0) {
            //  ZeroMQ accepts a multipart message whole or not at all, so a
            //  failure can only happen on the first part.
            assert (i == 0);
            if (errno == EAGAIN)
                return NQ_EAGAIN;
            if (errno == EHOSTUNREACH) {
                self->stats.unroutable++;
                return NQ_ENOT_FOUND;
            }
            return NQ_EIO;
        }
    }
    self->stats.sent++;
    return 0;
}

static void
s_flush (nq_zuv_t *self)
{
    while (self->out_head) {
        s_out_t *out = self->out_head;
        int rc = s_try_send (self, out->parts, out->count);
        if (rc == NQ_EAGAIN)
            return;
        //  Sent, or failed for good (the peer went away): either way it leaves.
        if (rc != 0)
            for (size_t i = 0; i < out->count; i++)
                zmq_msg_close (&out->parts[i]);
        self->out_head = out->next;
        if (!self->out_head)
            self->out_tail = NULL;
        self->out_count--;
        nq_free (out);
    }
}

//  Receives one whole message and hands it over. Returns 1 if a message was
//  taken off the socket, 0 if there was none.
static int
s_recv_one (nq_zuv_t *self)
{
    zmq_msg_t parts[NQ_ZUV_MAX_PARTS];
    zmq_msg_t scratch;    //  parts past the limit land here and are dropped
    size_t count = 0;
    int oversize = 0;
    for (;;) {
        zmq_msg_t *part = count < NQ_ZUV_MAX_PARTS ? &parts[count] : &scratch;
        zmq_msg_init (part);
        if (zmq_msg_recv (part, self->socket, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close (part);
            if (count == 0 && !oversize)
                return 0;
            break;    //  parts of a message arrive together; never reached in practice
        }
        int more = zmq_msg_more (part);
        if (part == &scratch) {
            zmq_msg_close (part);
            oversize = 1;
        }
        else
            count++;
        if (!more)
            break;
    }
    if (oversize)
        self->stats.dropped_parts++;
    else {
        self->stats.received++;
        self->recv_fn (self->arg, self, parts, count);
    }
    for (size_t i = 0; i < count; i++)
        zmq_msg_close (&parts[i]);
    return 1;
}

static void
s_process (nq_zuv_t *self)
{
    if (self->closing || self->in_process)
        return;
    self->in_process = 1;
    size_t handled = 0;
    int more_work = 0;
    for (;;) {
        uint32_t events = s_events (self);
        int progressed = 0;
        if ((events & ZMQ_POLLOUT) && self->out_head) {
            size_t before = self->out_count;
            s_flush (self);
            progressed = self->out_count != before;
        }
        if ((events & ZMQ_POLLIN) && self->receiving && !self->closing) {
            if (handled >= self->options.budget) {
                more_work = 1;    //  let the rest of the loop run first
                break;
            }
            if (s_recv_one (self)) {
                handled++;
                progressed = 1;
            }
        }
        if (!progressed || self->closing)
            break;
    }
    self->in_process = 0;
    if (self->closing)
        return;
    //  Anything we did may have consumed the descriptor's edge: stay awake
    //  for another look while work may remain, sleep on the descriptor
    //  otherwise.
    if (more_work)
        s_kick (self);
}

static void
s_poll_cb (uv_poll_t *poll, int status, int events)
{
    (void) status;
    (void) events;
    s_process (poll->data);
}

nq_zuv_t *
nq_zuv_new (uv_loop_t *loop, void *socket, const nq_zuv_options_t *options, nq_zuv_recv_fn *recv_fn, void *arg)
{
    assert (loop && socket && recv_fn);
    int fd = -1;
    size_t fd_size = sizeof fd;
    if (zmq_getsockopt (socket, ZMQ_FD, &fd, &fd_size) != 0 || fd < 0)
        return NULL;
    nq_zuv_t *self = nq_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->loop = loop;
    self->socket = socket;
    self->recv_fn = recv_fn;
    self->arg = arg;
    self->receiving = 1;
    self->options.budget = options && options->budget ? options->budget : 256;
    self->options.max_queued = options && options->max_queued ? options->max_queued : 100000;
    if (uv_poll_init_socket (loop, &self->poll, fd) != 0) {
        nq_free (self);
        return NULL;
    }
    uv_idle_init (loop, &self->idle);
    self->poll.data = self;
    self->idle.data = self;
    self->handles_open = 2;
    //  The descriptor is only ever watched for readability: it signals a
    //  change of ZMQ_EVENTS, for sending as well as receiving.
    uv_poll_start (&self->poll, UV_READABLE, s_poll_cb);
    //  Messages may already be waiting, with their edge long gone.
    s_kick (self);
    return self;
}

static void
s_handle_closed (uv_handle_t *handle)
{
    nq_zuv_t *self = handle->data;
    if (--self->handles_open > 0)
        return;
    while (self->out_head) {
        s_out_t *out = self->out_head;
        self->out_head = out->next;
        s_out_free (out);
    }
    if (self->close_fn)
        self->close_fn (self->arg, self);
    nq_free (self);
}

void
nq_zuv_close (nq_zuv_t *self, nq_zuv_close_fn *close_fn)
{
    assert (self && !self->closing);
    self->closing = 1;
    self->close_fn = close_fn;
    uv_poll_stop (&self->poll);
    uv_idle_stop (&self->idle);
    if (self->closer) {
        self->closer (self->owner_arg, (uv_handle_t *) &self->poll, s_handle_closed);
        self->closer (self->owner_arg, (uv_handle_t *) &self->idle, s_handle_closed);
    }
    else {
        uv_close ((uv_handle_t *) &self->poll, s_handle_closed);
        uv_close ((uv_handle_t *) &self->idle, s_handle_closed);
    }
}

void
nq_zuv_set_owner (nq_zuv_t *self, nq_zuv_own_fn *own, nq_zuv_closer_fn *closer, void *arg)
{
    assert (self && !self->closing);
    self->closer = closer;
    self->owner_arg = arg;
    if (own) {
        own (arg, (uv_handle_t *) &self->poll);
        own (arg, (uv_handle_t *) &self->idle);
    }
}

static int
s_send (nq_zuv_t *self, const void *identity, size_t identity_size, const nq_zpart_t *parts, size_t count)
{
    assert (self && parts);
    size_t total = count + (identity ? 1 : 0);
    if (count == 0 || total > NQ_ZUV_MAX_PARTS)
        return NQ_EINVALID;
    if (self->closing)
        return NQ_ECLOSED;
    zmq_msg_t msgs[NQ_ZUV_MAX_PARTS];
    size_t built = 0;
    for (size_t i = 0; i < total; i++) {
        const void *data = identity ? (i == 0 ? identity : parts[i - 1].data) : parts[i].data;
        size_t size = identity ? (i == 0 ? identity_size : parts[i - 1].size) : parts[i].size;
        if (zmq_msg_init_size (&msgs[i], size) != 0)
            break;
        if (size)
            memcpy (zmq_msg_data (&msgs[i]), data, size);
        built++;
    }
    if (built < total) {
        for (size_t i = 0; i < built; i++)
            zmq_msg_close (&msgs[i]);
        return NQ_ENOMEM;
    }
    //  Order matters: while older messages wait, a new one waits behind them.
    if (!self->out_head) {
        int rc = s_try_send (self, msgs, total);
        if (rc != NQ_EAGAIN) {
            if (rc != 0)
                for (size_t i = 0; i < total; i++)
                    zmq_msg_close (&msgs[i]);
            s_kick (self);    //  the send consumed the descriptor's edge
            return rc;
        }
    }
    if (self->out_count >= self->options.max_queued) {
        for (size_t i = 0; i < total; i++)
            zmq_msg_close (&msgs[i]);
        self->stats.refused++;
        return NQ_EOVERLOADED;
    }
    s_out_t *out = nq_malloc (sizeof *out + total * sizeof (zmq_msg_t));
    if (!out) {
        for (size_t i = 0; i < total; i++)
            zmq_msg_close (&msgs[i]);
        return NQ_ENOMEM;
    }
    out->next = NULL;
    out->count = total;
    for (size_t i = 0; i < total; i++) {
        zmq_msg_init (&out->parts[i]);
        zmq_msg_move (&out->parts[i], &msgs[i]);
        zmq_msg_close (&msgs[i]);
    }
    if (self->out_tail)
        self->out_tail->next = out;
    else
        self->out_head = out;
    self->out_tail = out;
    self->out_count++;
    self->stats.queued++;
    s_kick (self);
    return 0;
}

int
nq_zuv_send (nq_zuv_t *self, const nq_zpart_t *parts, size_t count)
{
    return s_send (self, NULL, 0, parts, count);
}

int
nq_zuv_send_to (nq_zuv_t *self, const void *identity, size_t identity_size, const nq_zpart_t *parts, size_t count)
{
    assert (identity);
    return s_send (self, identity, identity_size, parts, count);
}

size_t
nq_zuv_queued (const nq_zuv_t *self)
{
    return self->out_count;
}

void
nq_zuv_stats (const nq_zuv_t *self, nq_zuv_stats_t *stats)
{
    *stats = self->stats;
}

void *
nq_zuv_socket (const nq_zuv_t *self)
{
    return self->socket;
}

void
nq_zuv_set_receiving (nq_zuv_t *self, int on)
{
    self->receiving = on ? 1 : 0;
    if (on)
        s_kick (self);
}
