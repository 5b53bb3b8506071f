/*  test_infer.c — the Ollama worker end to end with real processes:
    `novaq broker`, `novaq worker` (no --echo) and ollama-sim on loopback,
    jobs through the `novaq` CLI. (a) a chat streams and its RESULT names
    the model, the instance and the token counts; (b) an embed job with
    more inputs than NOVAQ_EMBED_BATCH returns every vector, in order, in
    several /api/embed calls; (c) a reflection comes back validated; (g)
    cancelling a streaming chat aborts its HTTP request (the simulator
    counts the disconnect). */
#include "harness.h"
#include "infer_util.h"
#include "sim_client.h"

#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static nq_it_broker_t s_broker;

static const char *
s_str (const json_t *o, const char *key)
{
    const char *v = json_string_value (json_object_get (o, key));
    return v ? v : "";
}

static void
s_nap (void)
{
    struct timespec ts = {0, 20 * 1000000L};
    nanosleep (&ts, NULL);
}
static char s_wlog[600];
static int s_port;

static void
test_chat (void)
{
    //  Streamed to the terminal: the text arrives in chunks, then the summary.
    char cmd[2048], out[8192];
    snprintf (cmd, sizeof cmd,
              "NOVAQ_FRONTEND=%s %s/novaq submit chat --model mistral:instruct 'Tell me about fleets' 2>&1",
              s_broker.front, NQ_BUILDDIR);
    int rc = nq_h_run (cmd, out, sizeof out);
    nq_tap_ok (rc == 0 && strstr (out, "model mistral:instruct on gpu0"),
               "a streamed chat completes on gpu0");
    int status;
    json_t *r =
        nq_it_submit (&s_broker, "chat --model mistral:instruct 'How many slots are there?'", &status);
    const char *text = json_string_value (json_object_get (r, "text"));
    nq_tap_ok (status == 0 && text && strlen (text) > 0, "the chat RESULT has the reply text");
    nq_tap_ok (r && strcmp (s_str (r, "model_used"), "mistral:instruct") == 0 &&
                   strcmp (s_str (r, "instance"), "gpu0") == 0,
               "model_used and instance are set");
    nq_tap_ok (json_integer_value (json_object_get (r, "eval_count")) > 0 &&
                   json_integer_value (json_object_get (r, "prompt_eval_count")) > 0 &&
                   strcmp (s_str (r, "done_reason"), "stop") == 0,
               "token counts and done_reason come from Ollama's final object");
    json_decref (r);
    nq_tap_ok (nq_it_count (s_wlog, "\"event\":\"job_done\"", "\"kind\":\"chat\"", NULL) == 2,
               "the worker's chat actor served both");
}

static void
test_embed (void)
{
    //  10 inputs, batches of 4: three calls, vectors in input order.
    json_t *st0 = nq_sc_stats (s_port);
    long long embeds0 = json_integer_value (json_object_get (json_object_get (st0, "requests"), "embed"));
    json_decref (st0);
    char args[1024] = "embed --model all-minilm";
    for (int i = 0; i < 10; i++) {
        char one[32];
        snprintf (one, sizeof one, " input-%d", i);
        strcat (args, one);
    }
    int status;
    json_t *r = nq_it_submit (&s_broker, args, &status);
    json_t *vecs = json_object_get (r, "embeddings");
    nq_tap_ok (status == 0 && json_integer_value (json_object_get (r, "count")) == 10 &&
                   json_array_size (vecs) == 10 &&
                   json_integer_value (json_object_get (r, "dimensions")) == 384,
               "an embed of 10 inputs returns 10 vectors of 384 dimensions");
    json_t *st = nq_sc_stats (s_port);
    long long embeds =
        json_integer_value (json_object_get (json_object_get (st, "requests"), "embed")) - embeds0;
    json_decref (st);
    nq_tap_ok (embeds == 3, "NOVAQ_EMBED_BATCH=4 made 3 /api/embed calls (%lld)", embeds);
    //  Each vector is the simulator's vector of that input (same text, same vector).
    int in_order = 1;
    for (int i = 0; i < 10 && in_order; i++) {
        char body[256];
        snprintf (body, sizeof body, "{\"model\":\"all-minilm\",\"input\":[\"input-%d\"]}", i);
        nq_sc_resp_t resp;
        nq_sc_request (s_port, "POST", "/api/embed", body, 0, &resp);
        json_t *direct = json_loads (resp.body ? resp.body : "", 0, NULL);
        double want = json_number_value (
            json_array_get (json_array_get (json_object_get (direct, "embeddings"), 0), 0));
        double got = json_number_value (json_array_get (json_array_get (vecs, (size_t)i), 0));
        in_order = fabs (want - got) < 1e-6 && want != 0;
        json_decref (direct);
        nq_sc_resp_fini (&resp);
    }
    nq_tap_ok (in_order, "vector i is the embedding of input i");
    json_decref (r);
}

static void
test_reflect (void)
{
    int status;
    json_t *r = nq_it_submit (
        &s_broker, "reflect --model mistral:instruct --input 'What is a slot?' --output 'A GPU lane.'",
        &status);
    json_t *score = json_object_get (r, "alignment_score");
    double s = json_number_value (score);
    const char *attempted = json_string_value (json_object_get (r, "attempted"));
    nq_tap_ok (status == 0 && attempted && *attempted && json_is_number (score) && s >= 0 && s <= 1,
               "a reflection returns a validated self-assessment (score %.2f)", s);
    nq_tap_ok (json_is_boolean (json_object_get (r, "aligned")) &&
                   json_boolean_value (json_object_get (r, "aligned")) == (s >= 0.7),
               "aligned follows the score");
    json_decref (r);
}

static void
test_cancel (void)
{
    //  A slow model: the reply takes seconds, so it is still streaming.
    long long disc0 = nq_sc_stat (s_port, "disconnects");
    char cmd[2048], out[512];
    snprintf (cmd, sizeof cmd,
              "NOVAQ_FRONTEND=%s %s/novaq submit chat --model slow:chat --no-wait 'Write a long story about "
              "queues' "
              "2>/dev/null",
              s_broker.front, NQ_BUILDDIR);
    int rc = nq_h_run (cmd, out, sizeof out);
    char id[64] = "";
    sscanf (out, "%63s", id);
    nq_tap_ok (rc == 0 && strlen (id) == 36, "a slow streaming chat is accepted (%s)", id);
    long long end = nq_h_now_ms () + 10000;
    while (nq_sc_stat (s_port, "in_flight") < 1 && nq_h_now_ms () < end)
        s_nap ();
    nq_tap_ok (nq_sc_stat (s_port, "in_flight") >= 1, "its request is running on the simulator");
    snprintf (cmd, sizeof cmd, "NOVAQ_FRONTEND=%s %s/novaq jobs cancel %s >/dev/null 2>&1", s_broker.front,
              NQ_BUILDDIR, id);
    rc = nq_h_run (cmd, NULL, 0);
    nq_tap_ok (rc == 5 || rc == 0, "novaq jobs cancel ends it (exit %d)", rc);
    end = nq_h_now_ms () + 10000;
    while (nq_sc_stat (s_port, "disconnects") <= disc0 && nq_h_now_ms () < end)
        s_nap ();
    nq_tap_ok (nq_sc_stat (s_port, "disconnects") > disc0, "the simulator saw the client disconnect");
    nq_tap_ok (nq_it_wait_count (1, 5000, s_wlog, "\"event\":\"job_cancelled\"", id, NULL) == 0,
               "the worker's actor logged the cancel");
}

static void
test_scale (void)
{
    //  novaq scale WORKER embed=3: every instance's embed pool; --instance NAME
    //  slots=N: that instance's chat pool. The broker hears it as CREDIT.
    char cmd[1024];
    snprintf (cmd, sizeof cmd, "NOVAQ_FRONTEND=%s %s/novaq scale worker embed=3 >/dev/null 2>&1",
              s_broker.front, NQ_BUILDDIR);
    int rc = nq_h_run (cmd, NULL, 0);
    nq_tap_ok (rc == 0 && nq_it_wait_count (1, 10000, s_broker.log, "\"event\":\"worker_credit\"",
                                            "\"instance\":\"gpu0\"", "\"to\":3", NULL) == 0,
               "novaq scale worker embed=3 grows gpu0's embed pool to 3");
    snprintf (cmd, sizeof cmd,
              "NOVAQ_FRONTEND=%s %s/novaq scale worker --instance gpu0 slots=5 >/dev/null 2>&1",
              s_broker.front, NQ_BUILDDIR);
    rc = nq_h_run (cmd, NULL, 0);
    nq_tap_ok (rc == 0 &&
                   nq_it_wait_count (1, 10000, s_wlog, "\"event\":\"pool_scaled\"", "\"instance\":\"gpu0\"",
                                     "\"kind\":\"chat\"", "\"slots\":5", NULL) == 0,
               "novaq scale worker --instance gpu0 slots=5 resizes its chat pool");
}

int
main (void)
{
    nq_tap_plan (19);
    const char *sim_args[] = {"--speed", "50",
                              "--model", "mistral:instruct,load_ms=200",
                              "--model", "slow:chat,kind=chat,tps=0.5,load_ms=0",
                              NULL};
    pid_t sim = nq_it_sim_start ("sim", &s_port, sim_args);
    nq_tap_ok (sim > 0 && nq_it_broker_start (&s_broker, "broker", NULL) == 0, "simulator and broker are up");
    char ollama[256];
    snprintf (ollama, sizeof ollama, "gpu0=http://127.0.0.1:%d;slots=2;embed=1;reflect=1", s_port);
    const char *env[] = {"NOVAQ_EMBED_BATCH=4", "NOVAQ_OLLAMA_PROBE=100ms", NULL};
    nq_it_worker_start (&s_broker, "worker", ollama, env, s_wlog, sizeof s_wlog);
    //  Ready once /api/tags answered and the broker heard the models.
    nq_tap_ok (nq_it_wait_count (3, 10000, s_broker.log, "\"event\":\"worker_models\"", NULL) == 0,
               "the worker learnt its models from /api/tags and told the broker");
    test_chat ();
    test_embed ();
    test_reflect ();
    test_cancel ();
    test_scale ();
    nq_h_cleanup ();
    return nq_tap_done ();
}
