/*  test_ollama_sim_faults.c — every fault ollama-sim injects, set through
    the admin endpoint or on the command line, as a client sees it. */
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "sim_client.h"

static int s_port;
static const char s_chat[] = "{\"model\":\"mistral:instruct\",\"messages\":[{\"role\":\"user\",\"content\":"
                             "\"a question with several words\"}]}";

static void
s_test_busy (void)
{
    nq_tap_ok (nq_sc_faults (s_port, "{\"busy\":2}") == 200, "POST /_sim/faults accepts busy");
    nq_sc_resp_t r;
    long a = nq_sc_request (s_port, "POST", "/api/chat", s_chat, 0, &r);
    json_t *o = json_loads (r.body, 0, NULL);
    const char *err = json_string_value (json_object_get (o, "error"));
    nq_tap_ok (a == 503 && err && strstr (err, "server busy"), "a busy burst answers 503 server busy");
    json_decref (o);
    nq_sc_resp_fini (&r);
    long b = nq_sc_request (s_port, "POST", "/api/chat", s_chat, 0, NULL);
    long c = nq_sc_request (s_port, "POST", "/api/chat", s_chat, 0, NULL);
    nq_tap_ok (b == 503 && c == 200, "the burst lasts exactly two requests");
    nq_tap_ok (nq_sc_faults (s_port, "{\"bogus\":1}") == 400, "an unknown fault key is 400");
}

static void
s_test_error (void)
{
    nq_sc_faults (s_port, "{\"error\":1,\"error_after\":3,\"error_message\":\"boom\"}");
    nq_sc_resp_t r;
    long st = nq_sc_request (s_port, "POST", "/api/chat", s_chat, 0, &r);
    json_t *lines = nq_sc_lines (r.body);
    size_t n = json_array_size (lines);
    json_t *last = json_array_get (lines, n - 1);
    int no_done = 1;
    for (size_t i = 0; i < n; i++)
        if (json_is_true (json_object_get (json_array_get (lines, i), "done")))
            no_done = 0;
    nq_tap_ok (st == 200 && n == 4 &&
                   strcmp (json_string_value (json_object_get (last, "error")), "boom") == 0 && no_done,
               "a mid-stream error is a last {\"error\"} line after 3 tokens, status 200, no done:true");
    json_decref (lines);
    nq_sc_resp_fini (&r);
    nq_tap_ok (nq_sc_stat (s_port, "stream_errors") == 1, "the error line is counted");
}

static void
s_test_hangs (void)
{
    nq_sc_faults (s_port, "{\"hang\":1,\"hang_mode\":\"accept\"}");
    nq_sc_set_timeout (600);
    nq_sc_resp_t r;
    long st = nq_sc_request (s_port, "POST", "/api/chat", s_chat, 0, &r);
    nq_tap_ok (st == 0 && r.curl_code == CURLE_OPERATION_TIMEDOUT && r.len == 0,
               "a hang in accept mode never answers");
    nq_sc_resp_fini (&r);
    nq_sc_faults (s_port, "{\"hang\":1,\"hang_mode\":\"stream\",\"hang_after\":2}");
    nq_sc_set_timeout (1500);
    st = nq_sc_request (s_port, "POST", "/api/chat", s_chat, 0, &r);
    json_t *lines = nq_sc_lines (r.body);
    nq_tap_ok (r.status == 200 && r.curl_code == CURLE_OPERATION_TIMEDOUT && json_array_size (lines) == 2,
               "a hang in stream mode stops after 2 tokens and never ends");
    json_decref (lines);
    nq_sc_resp_fini (&r);
    nq_sc_set_timeout (60000);
    long long disc = 0;
    for (int i = 0; i < 100 && disc < 2; i++) {
        disc = nq_sc_stat (s_port, "disconnects");
        usleep (20000);
    }
    nq_tap_ok (nq_sc_stat (s_port, "hangs") == 2 && disc == 2,
               "both hangs and the clients leaving them were counted");
    nq_tap_ok (nq_sc_request (s_port, "POST", "/api/chat", s_chat, 0, NULL) == 200,
               "the next request is served normally (slots were given back)");
}

static void
s_test_reset_and_slow_load (void)
{
    nq_sc_faults (s_port, "{\"reset\":1}");
    nq_sc_resp_t r;
    long st = nq_sc_request (s_port, "POST", "/api/chat", s_chat, 0, &r);
    nq_tap_ok (st == 0 && r.curl_code != 0 && r.len == 0,
               "a reset closes the connection without a response (curl %d)", r.curl_code);
    nq_sc_resp_fini (&r);
    nq_tap_ok (nq_sc_stat (s_port, "resets") == 1, "the reset is counted");
    //  unload, then time a load with and without the slow-load fault
    const char *unload = "{\"model\":\"mistral:instruct\",\"messages\":[],\"keep_alive\":0}";
    const char *load = "{\"model\":\"mistral:instruct\",\"messages\":[]}";
    nq_sc_request (s_port, "POST", "/api/chat", unload, 0, NULL);
    long long t0 = nq_h_now_ms ();
    nq_sc_request (s_port, "POST", "/api/chat", load, 0, NULL);
    long long normal = nq_h_now_ms () - t0;
    nq_sc_request (s_port, "POST", "/api/chat", unload, 0, NULL);
    nq_sc_faults (s_port, "{\"slow_load_ms\":8000}");
    t0 = nq_h_now_ms ();
    nq_sc_request (s_port, "POST", "/api/chat", load, 0, NULL);
    long long slow = nq_h_now_ms () - t0;
    nq_tap_ok (slow >= normal + 300, "a slow-load fault lengthens loads (%lld ms vs %lld ms)", slow, normal);
    nq_sc_faults (s_port, "{\"slow_load_ms\":0}");
}

static void
s_test_exit (void)
{
    int port, status = 0;
    const char *args[] = {"--speed", "50", "--fault-exit-after", "2", "--fault-exit-code", "7", NULL};
    pid_t pid = nq_sc_start ("exit", args, &port);
    long a = nq_sc_request (port, "POST", "/api/chat", s_chat, 0, NULL);
    long b = nq_sc_request (port, "POST", "/api/chat", s_chat, 0, NULL);
    int waited = nq_h_wait_exit (pid, 5000, &status);
    nq_tap_ok (a == 200 && b == 0 && waited == 0 && WIFEXITED (status) && WEXITSTATUS (status) == 7,
               "--fault-exit-after 2 exits with the given code when the second request arrives");
    const char *args2[] = {"--fault-busy", "1", NULL};
    pid = nq_sc_start ("flags", args2, &port);
    a = nq_sc_request (port, "POST", "/api/chat", s_chat, 0, NULL);
    nq_tap_ok (a == 503, "--fault-busy 1 on the command line answers 503 first");
    nq_sc_request (port, "POST", "/_sim/exit", "{}", 0, NULL);
    waited = nq_h_wait_exit (pid, 5000, &status);
    nq_tap_ok (waited == 0 && WIFEXITED (status) && WEXITSTATUS (status) == 3,
               "POST /_sim/exit exits at once");
}

int
main (void)
{
    nq_tap_plan (16);
    curl_global_init (CURL_GLOBAL_DEFAULT);
    const char *args[] = {"--speed", "20", NULL};
    pid_t pid = nq_sc_start ("sim", args, &s_port);
    s_test_busy ();
    s_test_error ();
    s_test_hangs ();
    s_test_reset_and_slow_load ();
    nq_h_kill (pid, SIGKILL);
    s_test_exit ();
    curl_global_cleanup ();
    return nq_tap_done ();
}
