/*  test_ollama_sim_load.c — 1,000 concurrent streaming chats against one
    ollama-sim, every one ending with done:true (bounded: about 5 s). */
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "sim_client.h"

#define S_STREAMS 1000

int
main (void)
{
    nq_tap_plan (4);
    curl_global_init (CURL_GLOBAL_DEFAULT);
    long nofile = nq_sc_raise_nofile ();
    if (nofile < 2 * S_STREAMS + 64)
        nq_tap_skip_all ("RLIMIT_NOFILE hard limit too low for 1,000 connections");
    int port;
    //  10 to 25 tokens at 10 tok/s: each stream lasts 1-2.5 s, so all run at once
    const char *args[] = {"--num-parallel", "1000", "--model", "mistral:instruct,load_ms=200,tps=10", NULL};
    pid_t pid = nq_sc_start ("sim", args, &port);
    nq_sc_request (port, "POST", "/api/chat", "{\"model\":\"mistral:instruct\",\"messages\":[]}", 0, NULL);
    static char bodies_buf[S_STREAMS][200];
    const char *bodies[S_STREAMS];
    for (int i = 0; i < S_STREAMS; i++) {
        snprintf (bodies_buf[i], sizeof bodies_buf[i],
                  "{\"model\":\"mistral:instruct\",\"options\":{\"num_predict\":40},"
                  "\"messages\":[{\"role\":\"user\",\"content\":\"stream number %d\"}]}",
                  i);
        bodies[i] = bodies_buf[i];
    }
    nq_sc_resp_t *r = calloc (S_STREAMS, sizeof *r);
    long long t0 = nq_h_now_ms ();
    int done = nq_sc_parallel (port, "/api/chat", bodies, S_STREAMS, r, 60000);
    long long ms = nq_h_now_ms () - t0;
    int ok = 0, tokens = 0;
    for (int i = 0; i < S_STREAMS; i++) {
        json_t *lines = nq_sc_lines (r[i].body);
        size_t n = json_array_size (lines);
        json_t *last = json_array_get (lines, n - 1);
        if (r[i].status == 200 && r[i].curl_code == 0 && json_is_true (json_object_get (last, "done")) &&
            json_integer_value (json_object_get (last, "eval_count")) == (json_int_t)n - 1 && n > 1)
            ok++;
        tokens += n > 0 ? (int)n - 1 : 0;
        json_decref (lines);
        nq_sc_resp_fini (&r[i]);
    }
    free (r);
    nq_tap_diag ("%d streams, %d tokens in %lld ms", S_STREAMS, tokens, ms);
    nq_tap_ok (done == S_STREAMS, "all %d transfers completed (%d)", S_STREAMS, done);
    nq_tap_ok (ok == S_STREAMS,
               "every stream ended with done:true and eval_count equal to its token lines (%d)", ok);
    long long max_active = nq_sc_stat (port, "max_active");
    nq_tap_ok (max_active >= 900, "they ran concurrently (max concurrency %lld)", max_active);
    nq_tap_ok (nq_sc_stat (port, "busy") == 0 && nq_sc_stat (port, "disconnects") == 0,
               "no 503 and no disconnect");
    nq_h_kill (pid, SIGKILL);
    curl_global_cleanup ();
    return nq_tap_done ();
}
