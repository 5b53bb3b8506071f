/*  sim_client.c — ollama-sim test helpers. See sim_client.h. */
#include "sim_client.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "harness.h"

static long s_timeout_ms = 60000;

void
nq_sc_set_timeout (long ms)
{
    s_timeout_ms = ms;
}

typedef struct {
    nq_sc_resp_t *resp;
    size_t max_bytes;
} s_sink_t;

static size_t
s_write (char *data, size_t size, size_t nmemb, void *arg)
{
    s_sink_t *sink = arg;
    nq_sc_resp_t *r = sink->resp;
    size_t n = size * nmemb;
    char *nb = realloc (r->body, r->len + n + 1);
    if (!nb)
        return 0;
    r->body = nb;
    memcpy (r->body + r->len, data, n);
    r->len += n;
    r->body[r->len] = 0;
    if (sink->max_bytes && r->len >= sink->max_bytes)
        return 0;    //  aborts the transfer, which closes the connection
    return n;
}

pid_t
nq_sc_start (const char *name, const char *const extra[], int *port)
{
    static char bin[1024], listen[64];
    const char *builddir = getenv ("NQ_BUILDDIR");
    snprintf (bin, sizeof bin, "%s/tools/ollama-sim/ollama-sim", builddir ? builddir : NQ_BUILDDIR);
    int p = nq_h_free_port ();
    snprintf (listen, sizeof listen, "127.0.0.1:%d", p);
    char *argv[64];
    int n = 0;
    argv[n++] = bin;
    argv[n++] = (char *)"--listen";
    argv[n++] = listen;
    argv[n++] = (char *)"--log-level";
    argv[n++] = (char *)"warn";
    for (int i = 0; extra && extra[i] && n < 62; i++)
        argv[n++] = (char *)extra[i];
    argv[n] = NULL;
    char log[1024], file[256];
    snprintf (file, sizeof file, "%s.log", name);
    nq_h_path (log, sizeof log, file);
    pid_t pid = nq_h_spawn (argv, log);
    if (pid < 0 || nq_h_wait_port ("127.0.0.1", p, 10000) != 0)
        return -1;
    *port = p;
    return pid;
}

static CURL *
s_easy (int port, const char *method, const char *path, const char *body, s_sink_t *sink)
{
    CURL *h = curl_easy_init ();
    if (!h)
        return NULL;
    char url[512];
    snprintf (url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    curl_easy_setopt (h, CURLOPT_URL, url);
    curl_easy_setopt (h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt (h, CURLOPT_NOSIGNAL, 1L);
    if (body) {
        curl_easy_setopt (h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt (h, CURLOPT_POSTFIELDSIZE, (long)strlen (body));
    }
    curl_easy_setopt (h, CURLOPT_WRITEFUNCTION, s_write);
    curl_easy_setopt (h, CURLOPT_WRITEDATA, sink);
    curl_easy_setopt (h, CURLOPT_TIMEOUT_MS, s_timeout_ms);
    curl_easy_setopt (h, CURLOPT_PRIVATE, sink);
    return h;
}

static void
s_collect (CURL *h, nq_sc_resp_t *r, CURLcode code)
{
    r->curl_code = (int)code;
    curl_easy_getinfo (h, CURLINFO_RESPONSE_CODE, &r->status);
    char *ct = NULL;
    curl_easy_getinfo (h, CURLINFO_CONTENT_TYPE, &ct);
    snprintf (r->ctype, sizeof r->ctype, "%s", ct ? ct : "");
    if (!r->body) {
        r->body = calloc (1, 1);
        r->len = 0;
    }
}

long
nq_sc_request (int port, const char *method, const char *path, const char *body, size_t max_bytes,
               nq_sc_resp_t *resp)
{
    nq_sc_resp_t local;
    nq_sc_resp_t *r = resp ? resp : &local;
    memset (r, 0, sizeof *r);
    s_sink_t sink = {r, max_bytes};
    CURL *h = s_easy (port, method, path, body, &sink);
    if (!h)
        return 0;
    CURLcode code = curl_easy_perform (h);
    s_collect (h, r, code);
    curl_easy_cleanup (h);
    long status = r->status;
    if (!resp)
        nq_sc_resp_fini (r);
    return status;
}

void
nq_sc_resp_fini (nq_sc_resp_t *resp)
{
    if (!resp)
        return;
    free (resp->body);
    resp->body = NULL;
    resp->len = 0;
}

json_t *
nq_sc_stats (int port)
{
    nq_sc_resp_t r;
    nq_sc_request (port, "GET", "/_sim/stats", NULL, 0, &r);
    json_t *o = r.status == 200 ? json_loads (r.body, 0, NULL) : NULL;
    nq_sc_resp_fini (&r);
    return o;
}

long long
nq_sc_stat (int port, const char *key)
{
    json_t *o = nq_sc_stats (port);
    json_t *v = json_object_get (o, key);
    long long n = json_is_integer (v) ? (long long)json_integer_value (v) : -1;
    json_decref (o);
    return n;
}

long long
nq_sc_model_stat (int port, const char *model, const char *key)
{
    json_t *o = nq_sc_stats (port);
    json_t *v = json_object_get (json_object_get (json_object_get (o, "models"), model), key);
    long long n = json_is_integer (v) ? (long long)json_integer_value (v) : -1;
    json_decref (o);
    return n;
}

long
nq_sc_faults (int port, const char *json_text)
{
    return nq_sc_request (port, "POST", "/_sim/faults", json_text, 0, NULL);
}

json_t *
nq_sc_lines (const char *body)
{
    json_t *arr = json_array ();
    const char *at = body;
    while (at && *at) {
        const char *nl = strchr (at, '\n');
        size_t len = nl ? (size_t)(nl - at) : strlen (at);
        if (len > 0) {
            json_t *o = json_loadb (at, len, 0, NULL);
            if (!o) {
                json_decref (arr);
                return NULL;
            }
            json_array_append_new (arr, o);
        }
        at = nl ? nl + 1 : NULL;
    }
    return arr;
}

int
nq_sc_parallel (int port, const char *path, const char *const bodies[], int count, nq_sc_resp_t *resps,
                int timeout_ms)
{
    CURLM *multi = curl_multi_init ();
    curl_multi_setopt (multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, 0L);
    s_sink_t *sinks = calloc ((size_t)count, sizeof *sinks);
    CURL **handles = calloc ((size_t)count, sizeof *handles);
    for (int i = 0; i < count; i++) {
        memset (&resps[i], 0, sizeof resps[i]);
        sinks[i].resp = &resps[i];
        handles[i] = s_easy (port, "POST", path, bodies[i], &sinks[i]);
        curl_easy_setopt (handles[i], CURLOPT_FRESH_CONNECT, 1L);
        curl_multi_add_handle (multi, handles[i]);
    }
    long long deadline = nq_h_now_ms () + timeout_ms;
    int running = 1, done = 0;
    while (running && nq_h_now_ms () < deadline) {
        curl_multi_perform (multi, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read (multi, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            s_sink_t *sink = NULL;
            curl_easy_getinfo (msg->easy_handle, CURLINFO_PRIVATE, (char **)&sink);
            s_collect (msg->easy_handle, sink->resp, msg->data.result);
            if (sink->resp->status)
                done++;
        }
        if (running)
            curl_multi_poll (multi, NULL, 0, 100, NULL);
    }
    for (int i = 0; i < count; i++) {
        curl_multi_remove_handle (multi, handles[i]);
        curl_easy_cleanup (handles[i]);
        if (!resps[i].body)
            resps[i].body = calloc (1, 1);
    }
    curl_multi_cleanup (multi);
    free (sinks);
    free (handles);
    return done;
}

long
nq_sc_raise_nofile (void)
{
    struct rlimit rl;
    if (getrlimit (RLIMIT_NOFILE, &rl) != 0)
        return -1;
    rl.rlim_cur = rl.rlim_max;
    setrlimit (RLIMIT_NOFILE, &rl);
    getrlimit (RLIMIT_NOFILE, &rl);
    return (long)rl.rlim_cur;
}
