/*  test_ollama_sim_sched.c — ollama-sim's scheduler as a client sees it:
    slots respected, embedding models on one slot, the pending queue's 503,
    swaps when models change, and a client closing mid-stream counted as a
    disconnect with its slot given back. */
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "sim_client.h"

static const char s_chat[] = "{\"model\":\"mistral:instruct\",\"messages\":[{\"role\":\"user\",\"content\":"
                             "\"count the slots please\"}]}";
static const char s_busy[] = "server busy, please try again.  maximum pending requests exceeded";

static int
s_all_done (nq_sc_resp_t *r, int n)
{
    int ok = 0;
    for (int i = 0; i < n; i++) {
        json_t *lines = nq_sc_lines (r[i].body);
        json_t *last = json_array_get (lines, json_array_size (lines) - 1);
        if (r[i].status == 200 && json_is_true (json_object_get (last, "done")))
            ok++;
        json_decref (lines);
    }
    return ok;
}

static void
s_test_slots (void)
{
    int port;
    const char *args[] = {"--speed", "20", "--num-parallel", "2", NULL};
    pid_t pid = nq_sc_start ("slots", args, &port);
    nq_sc_request (port, "POST", "/api/chat", "{\"model\":\"mistral:instruct\",\"messages\":[]}", 0, NULL);
    const char *bodies[6];
    for (int i = 0; i < 6; i++)
        bodies[i] = s_chat;
    nq_sc_resp_t r[6];
    int done = nq_sc_parallel (port, "/api/chat", bodies, 6, r, 30000);
    nq_tap_ok (done == 6 && s_all_done (r, 6) == 6, "six concurrent chats on two slots all finish (%d)",
               done);
    long long max_active = nq_sc_model_stat (port, "mistral:instruct", "max_active");
    nq_tap_ok (max_active == 2, "at most two ran at once: max concurrency %lld == OLLAMA_NUM_PARALLEL",
               max_active);
    nq_tap_ok (nq_sc_stat (port, "busy") == 0, "a loaded model's requests wait for slots without a 503");
    for (int i = 0; i < 6; i++)
        nq_sc_resp_fini (&r[i]);
    const char *emb[4];
    for (int i = 0; i < 4; i++)
        emb[i] = "{\"model\":\"all-minilm\",\"input\":\"a sentence to embed, long enough to take a while\"}";
    done = nq_sc_parallel (port, "/api/embed", emb, 4, r, 30000);
    nq_tap_ok (done == 4 && nq_sc_model_stat (port, "all-minilm:latest", "max_active") == 1,
               "an embedding model runs with one slot");
    for (int i = 0; i < 4; i++)
        nq_sc_resp_fini (&r[i]);
    nq_h_kill (pid, SIGKILL);
}

static void
s_test_queue_full (void)
{
    int port;
    //  a slow load holds the head of the queue, so the queue fills up
    const char *args[] = {"--max-queue", "2", "--model", "mistral:instruct,load_ms=1500",
                          "--speed",     "1", NULL};
    pid_t pid = nq_sc_start ("queue", args, &port);
    const char *bodies[6];
    for (int i = 0; i < 6; i++)
        bodies[i] = "{\"model\":\"mistral:instruct\",\"messages\":[],\"keep_alive\":\"5m\"}";
    nq_sc_resp_t r[6];
    nq_sc_parallel (port, "/api/chat", bodies, 6, r, 30000);
    int ok = 0, busy = 0;
    for (int i = 0; i < 6; i++) {
        json_t *o = json_loads (r[i].body, 0, NULL);
        if (r[i].status == 200)
            ok++;
        else if (r[i].status == 503 && strcmp (json_string_value (json_object_get (o, "error")), s_busy) == 0)
            busy++;
        json_decref (o);
        nq_sc_resp_fini (&r[i]);
    }
    nq_tap_ok (ok == 2 && busy == 4,
               "a full pending queue answers 503 with Ollama's message (%d ok, %d busy)", ok, busy);
    nq_tap_ok (nq_sc_stat (port, "busy") == 4 && nq_sc_stat (port, "max_queue_depth") == 2,
               "the counters saw 4 busy answers and a queue of 2");
    nq_h_kill (pid, SIGKILL);
}

static void
s_test_swaps (void)
{
    int port;
    const char *args[] = {"--speed", "50", "--max-loaded-models", "1", NULL};
    pid_t pid = nq_sc_start ("swaps", args, &port);
    nq_sc_request (port, "POST", "/api/chat", s_chat, 0, NULL);
    nq_sc_request (port, "POST", "/api/embed", "{\"model\":\"all-minilm\",\"input\":\"x\"}", 0, NULL);
    nq_sc_request (port, "POST", "/api/chat", s_chat, 0, NULL);
    nq_sc_request (port, "POST", "/api/chat", s_chat, 0, NULL);
    long long loads = nq_sc_stat (port, "loads"), swaps = nq_sc_stat (port, "swaps");
    nq_tap_ok (loads == 3 && swaps == 2,
               "with one model at a time, chat-embed-chat-chat loads 3 times, swaps 2 (%lld, %lld)", loads,
               swaps);
    nq_sc_resp_t r;
    nq_sc_request (port, "GET", "/api/ps", NULL, 0, &r);
    json_t *o = json_loads (r.body, 0, NULL);
    nq_tap_ok (json_array_size (json_object_get (o, "models")) == 1, "/api/ps shows one loaded model");
    json_decref (o);
    nq_sc_resp_fini (&r);
    nq_h_kill (pid, SIGKILL);
}

static void
s_test_disconnect (void)
{
    int port;
    const char *args[] = {"--speed", "1", "--model", "mistral:instruct,load_ms=0,tps=20", NULL};
    pid_t pid = nq_sc_start ("disconnect", args, &port);
    nq_sc_resp_t r;
    //  stop reading after the first token line: curl closes the connection
    nq_sc_request (port, "POST", "/api/chat", s_chat, 10, &r);
    nq_tap_ok (r.curl_code != 0 && r.len >= 10, "the client hung up after the first bytes");
    nq_sc_resp_fini (&r);
    long long disc = -1, active = -1;
    long long until = nq_h_now_ms () + 3000;
    while (nq_h_now_ms () < until) {
        disc = nq_sc_stat (port, "disconnects");
        active = nq_sc_stat (port, "active");
        if (disc == 1 && active == 0)
            break;
        usleep (20000);
    }
    nq_tap_ok (disc == 1, "the simulator counted the disconnect");
    nq_tap_ok (active == 0 && nq_sc_stat (port, "completed") == 0,
               "the aborted generation freed its slot and never completed");
    nq_h_kill (pid, SIGKILL);
}

int
main (void)
{
    nq_tap_plan (11);
    curl_global_init (CURL_GLOBAL_DEFAULT);
    s_test_slots ();
    s_test_queue_full ();
    s_test_swaps ();
    s_test_disconnect ();
    curl_global_cleanup ();
    return nq_tap_done ();
}
