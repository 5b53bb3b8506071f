/*  sim_client.h — helpers for the ollama-sim integration tests: start a
    simulator on a free loopback port, speak plain HTTP to it with libcurl,
    read its counters, split NDJSON bodies. */
#ifndef NQ_SIM_CLIENT_H
#define NQ_SIM_CLIENT_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct {
    long status;      //  0 when the transfer failed
    int curl_code;    //  CURLcode of the transfer
    char *body;       //  NUL-terminated, owned
    size_t len;
    char ctype[128];
} nq_sc_resp_t;

/*  Starts ollama-sim (from NQ_BUILDDIR) with the extra arguments (NULL-
    terminated list; may be NULL) on a free port, logs to NAME.log in the
    test's directory. Returns the pid and sets *port, or -1. */
pid_t nq_sc_start (const char *name, const char *const extra[], int *port);

/*  One request; body NULL sends none. max_bytes > 0 aborts the transfer
    (closing the connection) once that many body bytes arrived. Returns the
    status (0 on transport failure); resp (may be NULL) gets the details. */
long nq_sc_request (int port, const char *method, const char *path, const char *body, size_t max_bytes,
                    nq_sc_resp_t *resp);
void nq_sc_resp_fini (nq_sc_resp_t *resp);
/*  Total time allowed to each later request (default 60 s). */
void nq_sc_set_timeout (long ms);

/*  GET /_sim/stats parsed (owned), or NULL. */
json_t *nq_sc_stats (int port);
/*  A top-level counter of /_sim/stats ("max_active"), or -1. */
long long nq_sc_stat (int port, const char *key);
/*  A counter of one model in /_sim/stats ("mistral:instruct", "max_active"). */
long long nq_sc_model_stat (int port, const char *model, const char *key);
/*  POST /_sim/faults with json_text; returns the status. */
long nq_sc_faults (int port, const char *json_text);

/*  Parses an NDJSON body into an array of objects (owned); NULL when a line
    is not JSON. */
json_t *nq_sc_lines (const char *body);

/*  Runs count requests at once with curl's multi interface (one connection
    each) and fills resps[0..count). Returns the number that completed with a
    status, within timeout_ms. */
int nq_sc_parallel (int port, const char *path, const char *const bodies[], int count, nq_sc_resp_t *resps,
                    int timeout_ms);

/*  Raises RLIMIT_NOFILE's soft limit to the hard one; returns the new soft limit. */
long nq_sc_raise_nofile (void);

#endif
