/*  curl_uv.h — libcurl's multi interface driven by a libuv loop.

    One nq_curl_uv_t wraps one CURLM and runs its transfers on a loop with
    no blocking call: libcurl tells us which sockets to watch
    (CURLMOPT_SOCKETFUNCTION → a uv_poll_t per socket) and when to wake it
    (CURLMOPT_TIMERFUNCTION → one uv_timer_t); readiness and timeouts go
    back through curl_multi_socket_action. Finished transfers are removed
    from the multi and reported through done_fn. The multi keeps its
    connection cache, so consecutive transfers to one host reuse a
    connection.

    Transfers may be removed at any time, also from inside a libcurl
    callback of any transfer (the removal then waits until libcurl returns
    to us, and the easy's write callback should refuse further data). Not
    thread-safe: use it on its loop only. */
#ifndef NQ_CURL_UV_H
#define NQ_CURL_UV_H

#include <curl/curl.h>
#include <uv.h>

typedef struct nq_curl_uv_t nq_curl_uv_t;

/*  A transfer ended (or was removed: result CURLE_ABORTED_BY_CALLBACK); the
    easy is no longer in the multi and belongs to the caller again. */
typedef void (nq_curl_uv_done_fn) (void *arg, CURL *easy, CURLcode result);
typedef void (nq_curl_uv_close_fn) (void *arg);

/*  Ownership hooks for the libuv handles (an actor owns every handle on its
    loop): own runs for each handle when it is initialised; closing goes
    through closer (which must close the handle and call cb once closed)
    instead of uv_close. Either may be NULL. */
typedef void (nq_curl_uv_own_fn) (void *arg, uv_handle_t *handle);
typedef void (nq_curl_uv_closer_fn) (void *arg, uv_handle_t *handle, uv_close_cb cb);

/*  Creates the glue on loop; done_fn(arg, …) reports each finished
    transfer. Returns it, or NULL (no memory, libcurl refused). */
nq_curl_uv_t *nq_curl_uv_new (uv_loop_t *loop, nq_curl_uv_done_fn *done_fn, void *arg);

/*  Sets the ownership hooks; call right after new, before any transfer. */
void nq_curl_uv_set_owner (nq_curl_uv_t *self, nq_curl_uv_own_fn *own, nq_curl_uv_closer_fn *closer,
                           void *arg);

/*  The multi handle, to set CURLMOPT_* options. */
CURLM *nq_curl_uv_multi (nq_curl_uv_t *self);

/*  Starts a transfer (the caller keeps owning easy). Returns 0, or
    NQ_ECLOSED after close, or NQ_EINTERNAL when libcurl refuses it. */
int nq_curl_uv_add (nq_curl_uv_t *self, CURL *easy);

/*  Removes a running transfer: done_fn runs with CURLE_ABORTED_BY_CALLBACK,
    now, or once libcurl returns when called from inside a libcurl callback.
    The connection it used is closed (a half-read response cannot be
    reused). */
void nq_curl_uv_remove (nq_curl_uv_t *self, CURL *easy);

/*  Closes the connections and the libuv handles (remove every transfer
    first: the caller knows its transfers); close_fn (may be NULL) runs once all are closed,
    then the glue is freed. */
void nq_curl_uv_close (nq_curl_uv_t *self, nq_curl_uv_close_fn *close_fn, void *arg);

#endif
