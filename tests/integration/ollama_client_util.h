/*  ollama_client_util.h — helpers for the Ollama client's integration
    tests: a recorder of one request's callbacks, running a libuv loop until
    a request ends, and closing a client with every handle accounted for. */
#ifndef NQ_OLLAMA_CLIENT_UTIL_H
#define NQ_OLLAMA_CLIENT_UTIL_H

#include "actors/ollama.h"

#include <jansson.h>
#include <uv.h>

typedef struct {
    int done;      //  done callbacks seen
    int failed;    //  error callbacks seen
    int chunks;
    char text[16384];
    size_t text_len;
    //  done
    nq_ollama_metrics_t metrics;
    json_t *json;    //  deep copy of done's json (owned)
    int reused;
    int status;
    nq_verdict_t verdict;
    nq_call_result_t call;
    //  error
    nq_ollama_error_t err;    //  message and timeout point into the buffers below
    char message[512];
    char timeout[32];
    //  cancel from inside the chunk callback after that many chunks (0: never)
    nq_ollama_t *client;
    int cancel_after;
    int cancelled;
    int calls_after_cancel;
} oc_rec_t;

/*  A handler reporting into rec. */
nq_ollama_handler_t oc_handler (oc_rec_t *rec);

/*  Runs loop until *flag becomes non-zero or timeout_ms pass. Returns 1
    when flag was set, 0 on timeout. */
int oc_run_until (uv_loop_t *loop, const int *flag, int timeout_ms);

/*  Runs loop until rec ended (done or error). Returns 1, or 0 on timeout. */
int oc_run (uv_loop_t *loop, oc_rec_t *rec, int timeout_ms);

/*  Frees what rec holds and zeroes it. */
void oc_rec_reset (oc_rec_t *rec);

/*  Closes *client_p, runs loop until closed, nulls it. Returns 1 when the
    close callback ran and the loop has no handle left. */
int oc_close (nq_ollama_t **client_p, uv_loop_t *loop);

/*  "http://127.0.0.1:PORT" in a static buffer. */
const char *oc_url (int port);

/*  A chat message array with one user message (owned). */
json_t *oc_messages (const char *text);

#endif
