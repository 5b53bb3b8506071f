/*  zuv.h — a ZeroMQ socket driven by a libuv loop.

    The broker, the workers and libnovaq run one libuv loop each and talk
    ZeroMQ on it. ZeroMQ's notification descriptor (ZMQ_FD) is edge
    triggered: it signals when ZMQ_EVENTS may have changed, and every recv,
    send or ZMQ_EVENTS query consumes the edge. So nq_zuv_t never trusts the
    descriptor alone: it drains until ZMQ_EVENTS says there is nothing more,
    re-checks after every send it makes, and keeps the loop turning (an idle
    handle) while work may remain. Each turn handles at most a budget of
    messages so one busy socket cannot starve the rest of the loop.

    Messages arrive whole (all parts) through the receive callback; a message
    of more parts than the limit is dropped and counted. Sends never block:
    a message the socket cannot take now waits in a bounded outgoing queue,
    kept in order and flushed as the socket allows; past the bound, send
    refuses with NQ_EOVERLOADED.

    The zuv does not own the ZeroMQ socket; the caller closes it after
    nq_zuv_close's callback has run. Not thread-safe: use it on its loop. */
#ifndef NQ_ZUV_H
#define NQ_ZUV_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>
#include <zmq.h>

#define NQ_ZUV_MAX_PARTS 72    //  identity + NQP/1 head + up to 64 payload frames + spare

/*  One part of a message to send. */
typedef struct {
    const void *data;
    size_t size;
} nq_zpart_t;

typedef struct nq_zuv_t nq_zuv_t;

/*  Receives one whole message: parts[0..count-1], valid only during the call
    (copy what you keep). */
typedef void (nq_zuv_recv_fn) (void *arg, nq_zuv_t *zuv, zmq_msg_t *parts, size_t count);
typedef void (nq_zuv_close_fn) (void *arg, nq_zuv_t *zuv);

typedef struct {
    size_t budget;           //  messages handled per loop turn (default 256)
    size_t max_queued;       //  outgoing messages that may wait (default 100000)
} nq_zuv_options_t;

typedef struct {
    uint64_t received;
    uint64_t sent;
    uint64_t queued;          //  sends that had to wait
    uint64_t dropped_parts;   //  received messages dropped for too many parts
    uint64_t refused;         //  sends refused: queue full
    uint64_t unroutable;      //  ROUTER sends to an unknown peer
} nq_zuv_stats_t;

/*  Attaches socket to loop and starts receiving into recv_fn. options may be
    NULL. Returns the new zuv, or NULL (no memory, or the socket has no
    ZMQ_FD). */
nq_zuv_t *nq_zuv_new (uv_loop_t *loop, void *socket, const nq_zuv_options_t *options, nq_zuv_recv_fn *recv_fn,
                      void *arg);

/*  Stops receiving and closes the libuv handles; close_fn (may be NULL) runs
    once they are closed, after which the zuv is freed. Messages still in the
    outgoing queue are dropped. */
void nq_zuv_close (nq_zuv_t *self, nq_zuv_close_fn *close_fn);

/*  Sends a message of count parts (1..NQ_ZUV_MAX_PARTS), copying the data.
    Returns 0 when sent or queued in order; NQ_EOVERLOADED when the queue is
    full; NQ_ENOT_FOUND when a ROUTER has no peer of that identity (with
    ZMQ_ROUTER_MANDATORY); NQ_EIO on another ZeroMQ error; NQ_ENOMEM. */
int nq_zuv_send (nq_zuv_t *self, const nq_zpart_t *parts, size_t count);

/*  Same, with a first part prepended (a ROUTER peer identity). */
int nq_zuv_send_to (nq_zuv_t *self, const void *identity, size_t identity_size, const nq_zpart_t *parts,
                    size_t count);

/*  Messages waiting in the outgoing queue. */
size_t nq_zuv_queued (const nq_zuv_t *self);
void nq_zuv_stats (const nq_zuv_t *self, nq_zuv_stats_t *stats);
void *nq_zuv_socket (const nq_zuv_t *self);

/*  Lets an owner account for the zuv's libuv handles (an actor must own
    every handle on its loop): own runs now for each handle, and closing
    goes through closer (which must close the handle and call cb once it is
    closed) instead of uv_close. Either may be NULL. */
typedef void (nq_zuv_own_fn) (void *arg, uv_handle_t *handle);
typedef void (nq_zuv_closer_fn) (void *arg, uv_handle_t *handle, uv_close_cb cb);
void nq_zuv_set_owner (nq_zuv_t *self, nq_zuv_own_fn *own, nq_zuv_closer_fn *closer, void *arg);

/*  Stops (0) or resumes (1) receiving, e.g. while the receiver is overloaded;
    sending goes on. */
void nq_zuv_set_receiving (nq_zuv_t *self, int on);

#endif
