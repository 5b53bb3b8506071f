/*  broker_http.h — the broker's HTTP side on NOVAQ_HTTP: /metrics in the
    Prometheus text format and /health as JSON, served on the broker's loop
    from the engine's live state (nothing is sampled in the background). */
#ifndef NQ_BROKER_HTTP_H
#define NQ_BROKER_HTTP_H

#include "broker/engine.h"
#include "broker/journal.h"

#include <uv.h>

typedef struct nq_broker_http_t nq_broker_http_t;

/*  Listens on hostport ("127.0.0.1:9464", "[::1]:9464") and serves engine
    and journal (borrowed; they outlive it). Returns NULL when the address
    is bad or cannot be bound (logged as http_bind_failed). */
nq_broker_http_t *nq_broker_http_start (uv_loop_t *loop, const char *hostport, nq_engine_t *engine,
                                        nq_journal_t *journal);

/*  Stops serving; done (may be NULL) runs once every handle is closed and
    the object is freed. */
void nq_broker_http_stop (nq_broker_http_t *self, void (*done) (void *arg), void *arg);

/*  Renders the metrics of engine into a new string (caller frees with
    nq_free), or NULL on no memory. For tests and the handler. */
char *nq_broker_metrics (nq_engine_t *engine, nq_journal_t *journal, size_t *len);

#endif
