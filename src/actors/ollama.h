/*  ollama.h — an asynchronous client of one Ollama instance.

    An inference actor owns one nq_ollama_t per Ollama instance (a base URL
    and that instance's timeouts) on its libuv loop. Requests run through
    libcurl's multi interface on the loop (curl_uv.h): nothing blocks,
    connections to the instance are kept and reused, https works through
    libcurl/OpenSSL. Chat and generate replies stream as NDJSON and are
    split with ndjson.h, bounded per line.

    Each request reports through its handler: chunk (a piece of reply text,
    any number of times), then exactly one of done (the final object and
    its metrics) or error (an NQ_E* code, the HTTP status, Ollama's message,
    whether a retry may succeed, and the breaker's verdict) — unless it was
    cancelled, after which nothing runs. Callbacks never run inside the
    call that started the request. The request object is freed after its
    last callback returns.

    Request bodies are built here with jansson from nq_ollama_params_t; the
    caller's options are copied without null entries and nothing is added
    to them (never num_ctx), so a request never forces a model reload by
    accident. Not thread-safe: use a client on its loop only. */
#ifndef NQ_OLLAMA_H
#define NQ_OLLAMA_H

#include "actors/breaker.h"
#include "actors/curl_uv.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct nq_ollama_t nq_ollama_t;
typedef struct nq_ollama_req_t nq_ollama_req_t;

typedef struct {
    const char *base_url;              //  "http://127.0.0.1:11434" (required)
    uint64_t connect_timeout_ms;       //  TCP (+TLS) connect; default 5000
    uint64_t first_byte_timeout_ms;    //  request start → first response byte (covers a model load); default
                                       //  300000
    uint64_t idle_timeout_ms;     //  longest gap between response bytes; default 60000
    uint64_t total_timeout_ms;    //  whole request; default 0 (none: the job's deadline rules)
    size_t max_line;              //  longest NDJSON line; default 1 MiB
    size_t max_body;              //  longest non-streamed body (embeddings, errors); default 64 MiB
    long max_host_connections;    //  connections kept to the instance; default 0 (libcurl's)
    const char *ca_file;          //  https: CA bundle; NULL: the system's
} nq_ollama_options_t;

/*  What Ollama's final object says about the work (0 when absent). */
typedef struct {
    uint64_t total_duration_ns;
    uint64_t load_duration_ns;    //  high: the model was loaded (a swap)
    uint64_t prompt_eval_count;
    uint64_t prompt_eval_duration_ns;
    uint64_t eval_count;
    uint64_t eval_duration_ns;
    char done_reason[32];    //  "stop", "length", "load", "unload"; "" when absent
} nq_ollama_metrics_t;

typedef struct {
    int status;            //  HTTP status (200)
    const json_t *json;    //  streamed: the final object; else the whole body (borrowed, during the call)
    nq_ollama_metrics_t metrics;
    nq_call_result_t call;    //  for nq_breaker_record
    nq_verdict_t verdict;     //  NQ_VERDICT_SUCCESS
    int reused_connection;    //  1 when no new connection was made
} nq_ollama_result_t;

typedef struct {
    int code;                 //  negative NQ_E*
    int http_status;          //  0 when there was no HTTP answer (or it broke before headers)
    const char *message;      //  Ollama's "error" text or ours (borrowed, during the call)
    const char *timeout;      //  "connect", "first_byte", "idle", "total", or NULL
    int retryable;            //  1: the same request may succeed later or elsewhere
    int streamed;             //  1: reply text had already been delivered
    nq_call_result_t call;    //  for nq_breaker_record
    nq_verdict_t verdict;     //  nq_breaker_classify_default of call
} nq_ollama_error_t;

typedef void (nq_ollama_chunk_fn) (void *arg, nq_ollama_req_t *req, const char *text, size_t len);
typedef void (nq_ollama_done_fn) (void *arg, nq_ollama_req_t *req, const nq_ollama_result_t *result);
typedef void (nq_ollama_error_fn) (void *arg, nq_ollama_req_t *req, const nq_ollama_error_t *error);

typedef struct {
    nq_ollama_chunk_fn *chunk;    //  may be NULL
    nq_ollama_done_fn *done;      //  may be NULL
    nq_ollama_error_fn *error;    //  may be NULL
    void *arg;
} nq_ollama_handler_t;

/*  What to ask. Pointers are borrowed for the duration of the call only. */
typedef struct {
    const char *model;          //  required for chat, generate, embed
    const json_t *messages;     //  chat: array of {role, content, …}
    const char *prompt;         //  generate
    const char *system;         //  generate: optional
    const json_t *input;        //  embed: array of strings (or one string)
    unsigned dimensions;        //  embed: output dimensions; 0: the model's own
    int no_truncate;            //  embed: "truncate": false (Ollama's default is true)
    const json_t *options;      //  optional object (temperature, num_predict, num_ctx only if set, …)
    const char *keep_alive;     //  optional ("5m", "0", "-1")
    const json_t *format;       //  chat/generate: optional structured output ("json" or a JSON schema)
    int no_stream;              //  chat/generate: one object instead of a stream
    const char *traceparent;    //  optional W3C trace context header
} nq_ollama_params_t;

typedef struct {
    uint64_t requests;     //  started
    uint64_t completed;    //  ended with done
    uint64_t failed;       //  ended with error
    uint64_t cancelled;
    uint64_t timeouts;
    uint64_t connections;    //  new connections made (the rest reused one)
} nq_ollama_stats_t;

typedef void (nq_ollama_close_fn) (void *arg);

/*  Creates a client of one instance on loop; options->base_url is copied.
    Returns it, or NULL (no memory, libcurl failed, no base_url). */
nq_ollama_t *nq_ollama_new (uv_loop_t *loop, const nq_ollama_options_t *options);

/*  Ownership hooks for the client's libuv handles (see curl_uv.h); call
    right after new. */
void nq_ollama_set_owner (nq_ollama_t *self, nq_curl_uv_own_fn *own, nq_curl_uv_closer_fn *closer, void *arg);

/*  POST /api/chat, streamed unless params->no_stream. chunk gets
    message.content pieces; done gets the final object. *req_p (may be
    NULL) receives the request, valid until its last callback. Returns 0,
    NQ_EINVALID (missing model or messages), NQ_ECLOSED, NQ_ENOMEM or
    NQ_EINTERNAL; on error no callback runs. */
int nq_ollama_chat (nq_ollama_t *self, const nq_ollama_params_t *params, const nq_ollama_handler_t *handler,
                    nq_ollama_req_t **req_p);

/*  POST /api/generate: as chat, with prompt (and system); chunk gets
    response pieces. */
int nq_ollama_generate (nq_ollama_t *self, const nq_ollama_params_t *params,
                        const nq_ollama_handler_t *handler, nq_ollama_req_t **req_p);

/*  POST /api/embed with params->input; done's json holds "embeddings". */
int nq_ollama_embed (nq_ollama_t *self, const nq_ollama_params_t *params, const nq_ollama_handler_t *handler,
                     nq_ollama_req_t **req_p);

/*  GET /api/ps (loaded models), /api/tags (installed models),
    /api/version; done's json is the body. */
int nq_ollama_ps (nq_ollama_t *self, const nq_ollama_handler_t *handler, nq_ollama_req_t **req_p);
int nq_ollama_tags (nq_ollama_t *self, const nq_ollama_handler_t *handler, nq_ollama_req_t **req_p);
int nq_ollama_version (nq_ollama_t *self, const nq_ollama_handler_t *handler, nq_ollama_req_t **req_p);

/*  Aborts req: its transfer is removed and its connection closed (Ollama
    stops generating when the connection closes). No callback of req runs
    after this; req is freed. May be called from any callback, req's own
    included. */
void nq_ollama_cancel (nq_ollama_t *self, nq_ollama_req_t *req);

/*  Requests running now. */
size_t nq_ollama_active (const nq_ollama_t *self);
void nq_ollama_stats (const nq_ollama_t *self, nq_ollama_stats_t *stats);

/*  Cancels every request, closes connections and handles; close_fn (may be
    NULL) runs once all handles are closed, then the client is freed. Not
    from inside a callback of this client. */
void nq_ollama_close (nq_ollama_t *self, nq_ollama_close_fn *close_fn, void *arg);

/*  The error mapping, exposed for tests and docs: fills error->code,
    retryable, call.kind and verdict from an HTTP status (0: none) and a
    call kind. */
void nq_ollama_classify (nq_call_kind_t kind, int http_status, nq_ollama_error_t *error);

#endif
