/*  test_ollama_sim_api.c — ollama-sim speaks Ollama's API: endpoints and
    their shapes, streaming with metrics on the final object only, load and
    unload, embeddings, errors. Plain HTTP through libcurl. */
#include <curl/curl.h>
#include <math.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "sim_client.h"

static int s_port;

static const char *s_metric_keys[] = {"total_duration",       "load_duration", "prompt_eval_count",
                                      "prompt_eval_duration", "eval_count",    "eval_duration"};

static json_t *
s_post_json (const char *path, const char *body, long *status)
{
    nq_sc_resp_t r;
    *status = nq_sc_request (s_port, "POST", path, body, 0, &r);
    json_t *o = json_loads (r.body, 0, NULL);
    nq_sc_resp_fini (&r);
    return o;
}

static int
s_has_model (json_t *list, const char *name)
{
    size_t i;
    json_t *m;
    json_array_foreach (json_object_get (list, "models"), i, m)
    {
        if (strcmp (json_string_value (json_object_get (m, "name")), name) == 0)
            return 1;
    }
    return 0;
}

static void
s_test_info (void)
{
    nq_sc_resp_t r;
    long st = nq_sc_request (s_port, "GET", "/", NULL, 0, &r);
    nq_tap_ok (st == 200 && strcmp (r.body, "Ollama is running") == 0, "GET / says Ollama is running");
    nq_sc_resp_fini (&r);
    st = nq_sc_request (s_port, "GET", "/api/version", NULL, 0, &r);
    json_t *o = json_loads (r.body, 0, NULL);
    nq_tap_ok (st == 200 && json_is_string (json_object_get (o, "version")), "/api/version has a version");
    json_decref (o);
    nq_sc_resp_fini (&r);
    st = nq_sc_request (s_port, "GET", "/api/tags", NULL, 0, &r);
    o = json_loads (r.body, 0, NULL);
    json_t *first = json_array_get (json_object_get (o, "models"), 0);
    nq_tap_ok (st == 200 && s_has_model (o, "mistral:instruct") && s_has_model (o, "all-minilm:latest") &&
                   s_has_model (o, "extra:7b") && json_is_string (json_object_get (first, "digest")) &&
                   json_is_integer (json_object_get (first, "size")) &&
                   json_is_object (json_object_get (first, "details")),
               "/api/tags lists the default models and one from the command line, in Ollama's shape");
    json_decref (o);
    nq_sc_resp_fini (&r);
    st = nq_sc_request (s_port, "GET", "/api/nothing", NULL, 0, NULL);
    nq_tap_ok (st == 404, "an unknown route is 404");
}

static void
s_test_not_found (void)
{
    long st;
    json_t *o = s_post_json (
        "/api/chat", "{\"model\":\"nope:1b\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", &st);
    const char *err = json_string_value (json_object_get (o, "error"));
    nq_tap_ok (st == 404 && err && strstr (err, "not found"),
               "chat with an unknown model is 404 with {\"error\"}");
    json_decref (o);
    o = s_post_json ("/api/embed", "{\"model\":\"nope\",\"input\":\"x\"}", &st);
    err = json_string_value (json_object_get (o, "error"));
    nq_tap_ok (st == 404 && err && strstr (err, "not found, try pulling it first"),
               "embed with an unknown model is 404");
    json_decref (o);
    o = s_post_json ("/api/chat", "", &st);
    err = json_string_value (json_object_get (o, "error"));
    nq_tap_ok (st == 400 && err && strcmp (err, "missing request body") == 0,
               "an empty body is 400 missing request body");
    json_decref (o);
    o = s_post_json ("/api/chat", "{not json", &st);
    nq_tap_ok (st == 400 && json_is_string (json_object_get (o, "error")), "invalid JSON is 400");
    json_decref (o);
    o = s_post_json ("/api/chat",
                     "{\"model\":\"all-minilm\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", &st);
    nq_tap_ok (st == 400, "chat with an embedding model is 400");
    json_decref (o);
}

static const char s_chat[] = "{\"model\":\"mistral:instruct\",\"messages\":[{\"role\":\"user\",\"content\":"
                             "\"Tell me about queues and slots.\"}]}";

static char *
s_stream_content (json_t *lines)
{
    static char buf[8192];
    buf[0] = 0;
    size_t i;
    json_t *l;
    json_array_foreach (lines, i, l)
    {
        const char *c = json_string_value (json_object_get (json_object_get (l, "message"), "content"));
        if (c && strlen (buf) + strlen (c) < sizeof buf)
            strcat (buf, c);
    }
    return buf;
}

static void
s_test_stream (void)
{
    nq_sc_resp_t r;
    long st = nq_sc_request (s_port, "POST", "/api/chat", s_chat, 0, &r);
    json_t *lines = nq_sc_lines (r.body);
    size_t n = json_array_size (lines);
    nq_tap_ok (st == 200 && strcmp (r.ctype, "application/x-ndjson") == 0 && n >= 3,
               "chat streams NDJSON (%zu lines, %s)", n, r.ctype);
    int shape_ok = 1, metrics_only_last = 1;
    for (size_t i = 0; i + 1 < n; i++) {
        json_t *l = json_array_get (lines, i);
        if (!json_is_false (json_object_get (l, "done")) || json_object_get (l, "done_reason") ||
            !json_is_string (json_object_get (l, "created_at")) ||
            strcmp (json_string_value (json_object_get (l, "model")), "mistral:instruct") != 0 ||
            strcmp (json_string_value (json_object_get (json_object_get (l, "message"), "role")),
                    "assistant") != 0)
            shape_ok = 0;
        for (size_t k = 0; k < sizeof s_metric_keys / sizeof s_metric_keys[0]; k++)
            if (json_object_get (l, s_metric_keys[k]))
                metrics_only_last = 0;
    }
    json_t *last = json_array_get (lines, n - 1);
    nq_tap_ok (shape_ok, "every line but the last has done:false, model, created_at, an assistant message");
    nq_tap_ok (metrics_only_last, "no metric field before the final object");
    int all_metrics = 1;
    for (size_t k = 0; k < sizeof s_metric_keys / sizeof s_metric_keys[0]; k++)
        if (json_integer_value (json_object_get (last, s_metric_keys[k])) <= 0)
            all_metrics = 0;
    nq_tap_ok (json_is_true (json_object_get (last, "done")) &&
                   strcmp (json_string_value (json_object_get (last, "done_reason")), "stop") == 0 &&
                   all_metrics,
               "the final object has done:true, done_reason stop and every metric");
    long long eval_count = json_integer_value (json_object_get (last, "eval_count"));
    long long eval_ns = json_integer_value (json_object_get (last, "eval_duration"));
    nq_tap_ok (eval_count == (long long)(n - 1) && eval_ns == eval_count * 25000000LL,
               "eval_count counts the tokens (%lld) and eval_duration is in nanoseconds at 40 tok/s (%lld)",
               eval_count, eval_ns);
    char first[8192];
    snprintf (first, sizeof first, "%s", s_stream_content (lines));
    json_decref (lines);
    nq_sc_resp_fini (&r);
    nq_sc_request (s_port, "POST", "/api/chat", s_chat, 0, &r);
    lines = nq_sc_lines (r.body);
    nq_tap_ok (strlen (first) > 0 && strcmp (first, s_stream_content (lines)) == 0,
               "the same request with the same seed gives the same text");
    json_decref (lines);
    nq_sc_resp_fini (&r);

    st = nq_sc_request (s_port, "POST", "/api/generate",
                        "{\"model\":\"mistral:instruct\",\"prompt\":\"hi there\",\"stream\":false}", 0, &r);
    json_t *o = json_loads (r.body, 0, NULL);
    nq_tap_ok (st == 200 && strncmp (r.ctype, "application/json", 16) == 0 &&
                   json_string_length (json_object_get (o, "response")) > 0 &&
                   json_is_true (json_object_get (o, "done")) && json_object_get (o, "eval_count") &&
                   json_is_array (json_object_get (o, "context")),
               "generate with stream:false answers one object with the whole response");
    json_decref (o);
    nq_sc_resp_fini (&r);

    long stl;
    o = s_post_json (
        "/api/chat",
        "{\"model\":\"mistral:instruct\",\"stream\":false,\"options\":{\"num_predict\":5},"
        "\"messages\":[{\"role\":\"user\",\"content\":\"long question needing a long answer\"}]}",
        &stl);
    nq_tap_ok (stl == 200 && json_integer_value (json_object_get (o, "eval_count")) == 5 &&
                   strcmp (json_string_value (json_object_get (o, "done_reason")), "length") == 0,
               "num_predict caps the reply and done_reason says length");
    json_decref (o);
}

static void
s_test_load_unload (void)
{
    long st;
    json_t *o = s_post_json ("/api/chat", "{\"model\":\"extra:7b\",\"messages\":[]}", &st);
    nq_tap_ok (st == 200 && strcmp (json_string_value (json_object_get (o, "done_reason")), "load") == 0 &&
                   json_is_true (json_object_get (o, "done")),
               "messages:[] loads the model (done_reason load)");
    json_decref (o);
    nq_sc_resp_t r;
    nq_sc_request (s_port, "GET", "/api/ps", NULL, 0, &r);
    o = json_loads (r.body, 0, NULL);
    json_t *m = NULL;
    size_t i;
    json_t *x;
    json_array_foreach (json_object_get (o, "models"), i, x)
    {
        if (strcmp (json_string_value (json_object_get (x, "name")), "extra:7b") == 0)
            m = x;
    }
    nq_tap_ok (m && json_is_string (json_object_get (m, "expires_at")) &&
                   json_is_integer (json_object_get (m, "size_vram")) &&
                   json_is_string (json_object_get (m, "digest")),
               "/api/ps lists the loaded model with expires_at and size_vram");
    json_decref (o);
    nq_sc_resp_fini (&r);
    long long unloads = nq_sc_stat (s_port, "unloads");
    o = s_post_json ("/api/chat", "{\"model\":\"extra:7b\",\"messages\":[],\"keep_alive\":0}", &st);
    nq_tap_ok (st == 200 && strcmp (json_string_value (json_object_get (o, "done_reason")), "unload") == 0,
               "messages:[] with keep_alive 0 unloads (done_reason unload)");
    json_decref (o);
    nq_sc_request (s_port, "GET", "/api/ps", NULL, 0, &r);
    o = json_loads (r.body, 0, NULL);
    nq_tap_ok (!s_has_model (o, "extra:7b") && nq_sc_stat (s_port, "unloads") == unloads + 1,
               "the model is gone from /api/ps and counted as an unload");
    json_decref (o);
    nq_sc_resp_fini (&r);
    //  changing num_ctx of a loaded model forces a reload
    long long reloads = nq_sc_stat (s_port, "reloads");
    o = s_post_json ("/api/chat",
                     "{\"model\":\"mistral:instruct\",\"messages\":[],\"options\":{\"num_ctx\":4096}}", &st);
    json_decref (o);
    nq_tap_ok (st == 200 && nq_sc_stat (s_port, "reloads") == reloads + 1, "a new num_ctx reloads the model");
}

static void
s_test_embed (void)
{
    long st;
    json_t *o = s_post_json (
        "/api/embed", "{\"model\":\"all-minilm\",\"input\":[\"same text\",\"same text\",\"other\"]}", &st);
    json_t *e = json_object_get (o, "embeddings");
    json_t *a = json_array_get (e, 0), *b = json_array_get (e, 1), *c = json_array_get (e, 2);
    double na = 0;
    int same = json_array_size (a) == json_array_size (b), differ = 0;
    for (size_t i = 0; i < json_array_size (a); i++) {
        double va = json_real_value (json_array_get (a, i));
        na += va * va;
        if (va != json_real_value (json_array_get (b, i)))
            same = 0;
        if (va != json_real_value (json_array_get (c, i)))
            differ = 1;
    }
    nq_tap_ok (st == 200 && json_array_size (e) == 3 && json_array_size (a) == 384,
               "embed returns 384-dim vectors per input");
    nq_tap_ok (fabs (sqrt (na) - 1.0) < 1e-5, "vectors have unit length (%.8f)", sqrt (na));
    nq_tap_ok (same && differ, "identical text gives identical vectors, other text another");
    nq_tap_ok (json_integer_value (json_object_get (o, "total_duration")) > 0 &&
                   json_integer_value (json_object_get (o, "prompt_eval_count")) > 0 &&
                   strcmp (json_string_value (json_object_get (o, "model")), "all-minilm") == 0,
               "embed carries model, total_duration and prompt_eval_count");
    json_decref (o);
    o = s_post_json ("/api/embed", "{\"model\":\"all-minilm\",\"input\":[]}", &st);
    nq_tap_ok (st == 200 && json_object_size (o) == 2 &&
                   json_array_size (json_object_get (o, "embeddings")) == 0 &&
                   json_is_array (json_object_get (o, "embeddings")),
               "empty input gives {model, embeddings: []}");
    json_decref (o);
    o = s_post_json ("/api/embeddings", "{\"model\":\"all-minilm\",\"prompt\":\"same text\"}", &st);
    nq_tap_ok (st == 200 && json_array_size (json_object_get (o, "embedding")) == 384,
               "the older /api/embeddings answers embedding");
    json_decref (o);
}

int
main (void)
{
    nq_tap_plan (30);
    curl_global_init (CURL_GLOBAL_DEFAULT);
    const char *args[] = {"--speed", "50", "--seed", "7", "--model", "extra:7b,tps=80", NULL};
    pid_t pid = nq_sc_start ("sim", args, &s_port);
    if (pid < 0)
        nq_tap_diag ("ollama-sim did not start");
    s_test_info ();
    s_test_not_found ();
    s_test_stream ();
    s_test_load_unload ();
    s_test_embed ();
    nq_tap_ok (nq_sc_stat (s_port, "not_found") == 2 && nq_sc_stat (s_port, "disconnects") == 0,
               "the counters saw two 404s and no disconnect");
    nq_h_kill (pid, SIGTERM);
    int status = 0;
    nq_tap_ok (nq_h_wait_exit (pid, 5000, &status) == 0 && WIFEXITED (status) && WEXITSTATUS (status) == 0,
               "SIGTERM stops the simulator cleanly");
    curl_global_cleanup ();
    return nq_tap_done ();
}
