/*  test_ollama_client.c — the Ollama client against ollama-sim: streamed
    chat with the final metrics, generate, embed with several inputs, ps,
    tags, version, an unknown model, options left as the caller gave them,
    and connection reuse. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "ollama_client_util.h"
#include "sim_client.h"

#include "common/errors.h"

static int s_port;
static uv_loop_t s_loop;
static nq_ollama_t *s_client;

static void
s_test_chat (void)
{
    json_t *msgs = oc_messages ("Why is the sky blue? Answer in a few words.");
    nq_ollama_params_t p = {.model = "mistral:instruct", .messages = msgs};
    oc_rec_t rec = {0};
    nq_ollama_handler_t h = oc_handler (&rec);
    nq_ollama_req_t *req = NULL;
    int rc = nq_ollama_chat (s_client, &p, &h, &req);
    nq_tap_ok (rc == 0 && req && rec.chunks == 0 && rec.done == 0,
               "chat starts; no callback runs inside the call");
    nq_tap_ok (oc_run (&s_loop, &rec, 10000) && rec.done == 1 && rec.failed == 0,
               "streamed chat ends with done");
    nq_tap_ok (rec.chunks >= 8 && rec.text_len > 0 && (uint64_t)rec.chunks == rec.metrics.eval_count,
               "one chunk per token: %d chunks, eval_count %llu", rec.chunks,
               (unsigned long long)rec.metrics.eval_count);
    nq_tap_ok (rec.metrics.prompt_eval_count > 0 && rec.metrics.total_duration_ns > 0 &&
                   rec.metrics.eval_duration_ns > 0 && rec.metrics.prompt_eval_duration_ns > 0 &&
                   strcmp (rec.metrics.done_reason, "stop") == 0,
               "metrics kept from the final object (prompt_eval_count %llu, total %llu ns, reason %s)",
               (unsigned long long)rec.metrics.prompt_eval_count,
               (unsigned long long)rec.metrics.total_duration_ns, rec.metrics.done_reason);
    nq_tap_ok (rec.metrics.load_duration_ns >= 2000000000ull,
               "the first chat loaded the model: load_duration %llu ns (the 3 s load; the simulator measures it)",
               (unsigned long long)rec.metrics.load_duration_ns);
    nq_tap_ok (rec.status == 200 && rec.verdict == NQ_VERDICT_SUCCESS && rec.call.kind == NQ_CALL_OK &&
                   json_is_true (json_object_get (rec.json, "done")),
               "done carries status 200, the final object and a success verdict");
    oc_rec_reset (&rec);

    h = oc_handler (&rec);
    nq_tap_ok (nq_ollama_chat (s_client, &p, &h, NULL) == 0 && oc_run (&s_loop, &rec, 10000) &&
                   rec.done == 1 && rec.metrics.load_duration_ns < 1000000000ull,
               "a second chat on the warm model: load_duration %llu ns",
               (unsigned long long)rec.metrics.load_duration_ns);
    oc_rec_reset (&rec);

    p.no_stream = 1;
    h = oc_handler (&rec);
    nq_tap_ok (nq_ollama_chat (s_client, &p, &h, NULL) == 0 && oc_run (&s_loop, &rec, 10000) &&
                   rec.done == 1 && rec.chunks == 0 &&
                   json_string_value (json_object_get (json_object_get (rec.json, "message"), "content")) &&
                   rec.metrics.eval_count > 0,
               "stream:false answers one object with its metrics");
    oc_rec_reset (&rec);
    json_decref (msgs);
}

static void
s_test_generate (void)
{
    nq_ollama_params_t p = {
        .model = "mistral:instruct", .prompt = "Write a haiku about queues", .system = "Be brief"};
    oc_rec_t rec = {0};
    nq_ollama_handler_t h = oc_handler (&rec);
    int ok = nq_ollama_generate (s_client, &p, &h, NULL) == 0 && oc_run (&s_loop, &rec, 10000);
    nq_tap_ok (ok && rec.done == 1 && rec.chunks > 0 && (uint64_t)rec.chunks == rec.metrics.eval_count &&
                   json_is_array (json_object_get (rec.json, "context")),
               "generate streams response pieces and ends with context and metrics");
    oc_rec_reset (&rec);
}

static void
s_test_embed (void)
{
    json_t *input = json_pack ("[s,s,s]", "first text", "second text", "first text");
    nq_ollama_params_t p = {.model = "all-minilm", .input = input};
    oc_rec_t rec = {0};
    nq_ollama_handler_t h = oc_handler (&rec);
    int ok = nq_ollama_embed (s_client, &p, &h, NULL) == 0 && oc_run (&s_loop, &rec, 10000);
    json_t *emb = json_object_get (rec.json, "embeddings");
    nq_tap_ok (ok && rec.done == 1 && json_array_size (emb) == 3 &&
                   json_array_size (json_array_get (emb, 0)) == 384 &&
                   json_equal (json_array_get (emb, 0), json_array_get (emb, 2)) &&
                   !json_equal (json_array_get (emb, 0), json_array_get (emb, 1)),
               "embed with 3 inputs answers 3 vectors of 384 (same text, same vector)");
    nq_tap_ok (rec.metrics.prompt_eval_count > 0 && rec.metrics.total_duration_ns > 0,
               "embed metrics: prompt_eval_count %llu", (unsigned long long)rec.metrics.prompt_eval_count);
    oc_rec_reset (&rec);
    json_decref (input);
    nq_ollama_params_t bad = {.model = "all-minilm"};
    nq_tap_ok (nq_ollama_embed (s_client, &bad, &h, NULL) == NQ_EINVALID &&
                   nq_ollama_chat (s_client, &bad, &h, NULL) == NQ_EINVALID,
               "a request without its input is refused at once");
}

static void
s_test_info (void)
{
    oc_rec_t rec = {0};
    nq_ollama_handler_t h = oc_handler (&rec);
    char version[64] = "";
    if (nq_ollama_version (s_client, &h, NULL) == 0 && oc_run (&s_loop, &rec, 5000) && rec.done == 1 &&
        json_string_value (json_object_get (rec.json, "version")))
        snprintf (version, sizeof version, "%s", json_string_value (json_object_get (rec.json, "version")));
    nq_tap_ok (version[0] != '\0', "version: %s", version);
    oc_rec_reset (&rec);
    h = oc_handler (&rec);
    int found = 0;
    if (nq_ollama_tags (s_client, &h, NULL) == 0 && oc_run (&s_loop, &rec, 5000)) {
        json_t *m;
        size_t i;
        json_array_foreach (json_object_get (rec.json, "models"), i, m) found +=
            strcmp (json_string_value (json_object_get (m, "name")), "mistral:instruct") == 0;
    }
    nq_tap_ok (found == 1, "tags lists mistral:instruct");
    oc_rec_reset (&rec);
    h = oc_handler (&rec);
    found = 0;
    if (nq_ollama_ps (s_client, &h, NULL) == 0 && oc_run (&s_loop, &rec, 5000)) {
        json_t *m;
        size_t i;
        json_array_foreach (json_object_get (rec.json, "models"), i, m) found +=
            strcmp (json_string_value (json_object_get (m, "name")), "mistral:instruct") == 0 ||
            strcmp (json_string_value (json_object_get (m, "name")), "all-minilm:latest") == 0;
    }
    nq_tap_ok (found == 2, "ps lists both loaded models");
    oc_rec_reset (&rec);
}

static void
s_test_not_found (void)
{
    json_t *msgs = oc_messages ("hello");
    nq_ollama_params_t p = {.model = "no-such-model:7b", .messages = msgs};
    oc_rec_t rec = {0};
    nq_ollama_handler_t h = oc_handler (&rec);
    int ok = nq_ollama_chat (s_client, &p, &h, NULL) == 0 && oc_run (&s_loop, &rec, 5000);
    nq_tap_ok (ok && rec.failed == 1 && rec.err.code == NQ_ENOT_FOUND && rec.err.http_status == 404 &&
                   !rec.err.retryable && strstr (rec.message, "not found"),
               "an unknown model is a final not_found with Ollama's message (%s)", rec.message);
    nq_tap_ok (rec.verdict == NQ_VERDICT_SUCCESS && rec.call.kind == NQ_CALL_HTTP &&
                   rec.call.http_status == 404,
               "... and not a breaker failure (the instance answered)");
    oc_rec_reset (&rec);
    json_decref (msgs);
}

static void
s_test_options_and_reuse (void)
{
    //  Options pass as given, null entries dropped, num_ctx never added: a
    //  warm model is not reloaded.
    long long reloads = nq_sc_stat (s_port, "reloads");
    json_t *msgs = oc_messages ("hello again");
    json_t *opts = json_pack ("{s:f, s:n, s:i}", "temperature", 0.2, "num_ctx", "num_predict", 5);
    nq_ollama_params_t p = {
        .model = "mistral:instruct", .messages = msgs, .options = opts, .keep_alive = "5m"};
    oc_rec_t rec = {0};
    nq_ollama_handler_t h = oc_handler (&rec);
    int ok = nq_ollama_chat (s_client, &p, &h, NULL) == 0 && oc_run (&s_loop, &rec, 10000);
    nq_tap_ok (ok && rec.done == 1 && rec.metrics.eval_count == 5 &&
                   strcmp (rec.metrics.done_reason, "length") == 0,
               "options reach the instance (num_predict 5 → 5 tokens, done_reason length)");
    nq_tap_ok (nq_sc_stat (s_port, "reloads") == reloads, "a null num_ctx is not sent: no reload");
    oc_rec_reset (&rec);
    json_decref (opts);
    json_decref (msgs);

    nq_ollama_stats_t before, after;
    nq_ollama_stats (s_client, &before);
    int reused = 0;
    for (int i = 0; i < 5; i++) {
        h = oc_handler (&rec);
        if (nq_ollama_version (s_client, &h, NULL) == 0 && oc_run (&s_loop, &rec, 5000) && rec.done)
            reused += rec.reused;
        oc_rec_reset (&rec);
    }
    nq_ollama_stats (s_client, &after);
    nq_tap_ok (reused == 5 && after.connections == before.connections,
               "5 sequential requests reuse the kept connection (%d reused, %llu connections made in all)",
               reused, (unsigned long long)after.connections);
    nq_tap_ok (nq_sc_stat (s_port, "connections") <= 2,
               "the simulator sees %lld connection(s) open: ours and the stats request's",
               nq_sc_stat (s_port, "connections"));
}

int
main (void)
{
    nq_tap_plan (23);
    const char *extra[] = {"--speed", "100", NULL};
    pid_t sim = nq_sc_start ("sim", extra, &s_port);
    if (sim < 0)
        nq_tap_skip_all ("ollama-sim did not start");
    uv_loop_init (&s_loop);
    nq_ollama_options_t o = {.base_url = oc_url (s_port)};
    s_client = nq_ollama_new (&s_loop, &o);
    nq_tap_ok (s_client != NULL, "client created for %s", o.base_url);
    s_test_chat ();
    s_test_generate ();
    s_test_embed ();
    s_test_info ();
    s_test_not_found ();
    s_test_options_and_reuse ();
    nq_tap_ok (oc_close (&s_client, &s_loop) && uv_loop_close (&s_loop) == 0,
               "the client closes every handle; the loop closes");
    nq_h_kill (sim, SIGTERM);
    nq_h_wait_exit (sim, 5000, NULL);
    return nq_tap_done ();
}
