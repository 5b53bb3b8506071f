/*  test_infer_faults.c — the Ollama worker's circuit breakers with real
    processes: (d) three simulators, one SIGKILLed mid-run: jobs that had
    not streamed complete elsewhere, its breaker opens (worker log), no new
    job is dispatched to it (broker dispatch log), and when it comes back
    the probe closes the breaker and traffic returns; (e) an instance
    answering 503 to everything trips its breaker on failures; (f) a hung
    instance (a stream that stops) hits the idle timeout, its breaker
    opens and the work goes elsewhere. Nothing here asserts on time. */
#include "harness.h"
#include "infer_util.h"
#include "sim_client.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *const s_worker_env[] = {"NOVAQ_BREAKER_FAILURES=2",        "NOVAQ_BREAKER_OPEN=300ms",
                                           "NOVAQ_BREAKER_OPEN_MAX=1s",       "NOVAQ_OLLAMA_PROBE=100ms",
                                           "NOVAQ_OLLAMA_CONNECT_TIMEOUT=1s", NULL};

#define S_CHAT "chat --no-stream --model mistral:instruct 'question number %d about the fleet'"

static int
s_dispatched (const nq_it_broker_t *b, const char *instance)
{
    char field[96];
    snprintf (field, sizeof field, "\"instance\":\"%s\"", instance);
    return nq_it_count (b->log, "\"event\":\"job_dispatched\"", field, NULL);
}

static void
test_kill_and_return (void)
{
    nq_it_broker_t b;
    int port[3] = {0, 0, 0};
    pid_t sim[3];
    const char *args[] = {"--speed", "10", "--model", "mistral:instruct,load_ms=0,tps=8", NULL};
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf (name, sizeof name, "sim%d", i);
        sim[i] = nq_it_sim_start (name, &port[i], args);
    }
    int up = sim[0] > 0 && sim[1] > 0 && sim[2] > 0 && nq_it_broker_start (&b, "broker-d", NULL) == 0;
    char ollama[512], wlog[600];
    snprintf (ollama, sizeof ollama,
              "gpu0=http://127.0.0.1:%d;slots=2;embed=0;reflect=0 "
              "gpu1=http://127.0.0.1:%d;slots=2;embed=0;reflect=0 "
              "gpu2=http://127.0.0.1:%d;slots=2;embed=0;reflect=0",
              port[0], port[1], port[2]);
    nq_it_worker_start (&b, "worker-d", ollama, s_worker_env, wlog, sizeof wlog);
    up = up && nq_it_wait_count (9, 10000, b.log, "\"event\":\"worker_models\"", NULL) == 0;
    nq_tap_ok (up, "three simulators, a broker and a worker serving all three");

    //  30 jobs at once in a child; gpu1 dies while they run.
    pid_t child = fork ();
    if (child == 0)
        _exit (nq_it_submit_many (&b, S_CHAT, 30));
    long long end = nq_h_now_ms () + 15000;
    while (nq_sc_stat (port[1], "completed") < 1 && nq_h_now_ms () < end) {
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep (&ts, NULL);
    }
    nq_h_kill (sim[1], SIGKILL);
    int st = 0;
    waitpid (child, &st, 0);
    int ok = WIFEXITED (st) ? WEXITSTATUS (st) : -1;
    nq_tap_ok (ok == 30, "every job completes although gpu1 was killed mid-run (%d of 30)", ok);
    nq_tap_ok (nq_it_count (wlog, "\"event\":\"breaker_transition\"", "\"instance\":\"gpu1\"",
                            "\"to\":\"open\"", NULL) >= 1,
               "gpu1's breaker opened");
    nq_tap_ok (nq_it_count (wlog, "\"event\":\"job_failed\"", "\"instance\":\"gpu1\"", "\"retryable\":true",
                            NULL) >= 1,
               "jobs that failed on gpu1 before any output were failed back as retryable");

    //  While it is down, nothing is dispatched to it.
    int before = s_dispatched (&b, "gpu1");
    ok = nq_it_submit_many (&b, S_CHAT, 12);
    int after = s_dispatched (&b, "gpu1");
    nq_tap_ok (ok == 12 && after == before,
               "12 more jobs complete and none is dispatched to gpu1 (%d, %d → %d)", ok, before, after);

    //  Back on its port: the probe closes the breaker; traffic returns.
    sim[1] = nq_it_sim_start ("sim1-again", &port[1], args);
    nq_tap_ok (sim[1] > 0 && nq_it_wait_count (1, 15000, wlog, "\"event\":\"breaker_transition\"",
                                               "\"instance\":\"gpu1\"", "\"to\":\"closed\"", NULL) == 0,
               "gpu1 came back and its breaker closed through the probe");
    int returned = 0;
    for (int round = 0; round < 5 && !returned; round++) {
        nq_it_submit_many (&b, S_CHAT, 12);
        returned = s_dispatched (&b, "gpu1") > after;
    }
    nq_tap_ok (returned, "jobs are dispatched to gpu1 again");
    nq_tap_ok (nq_sc_stat (port[1], "completed") >= 1, "and the restarted gpu1 completes them");
}

static void
test_busy_and_hung (void)
{
    nq_it_broker_t b;
    int p_ok = 0, p_busy = 0, p_hung = 0;
    const char *ok_args[] = {"--speed", "20", "--model", "mistral:instruct,load_ms=0", NULL};
    const char *busy_args[] = {"--speed",      "20", "--model", "mistral:instruct,load_ms=0",
                               "--fault-busy", "-1", NULL};
    const char *hung_args[] = {"--speed",
                               "20",
                               "--model",
                               "mistral:instruct,load_ms=0",
                               "--fault-hang",
                               "-1",
                               "--fault-hang-mode",
                               "stream",
                               "--fault-hang-after",
                               "1",
                               NULL};
    pid_t s1 = nq_it_sim_start ("sim-ok", &p_ok, ok_args);
    pid_t s2 = nq_it_sim_start ("sim-busy", &p_busy, busy_args);
    pid_t s3 = nq_it_sim_start ("sim-hung", &p_hung, hung_args);
    int up = s1 > 0 && s2 > 0 && s3 > 0 && nq_it_broker_start (&b, "broker-ef", NULL) == 0;
    char ollama[640], wlog[600];
    snprintf (
        ollama, sizeof ollama,
        "ok=http://127.0.0.1:%d;slots=2;embed=0;reflect=0 busy=http://127.0.0.1:%d;slots=2;embed=0;reflect=0 "
        "hung=http://127.0.0.1:%d;slots=2;embed=0;reflect=0;idle_timeout=300ms",
        p_ok, p_busy, p_hung);
    nq_it_worker_start (&b, "worker-ef", ollama, s_worker_env, wlog, sizeof wlog);
    up = up && nq_it_wait_count (9, 10000, b.log, "\"event\":\"worker_models\"", NULL) == 0;
    nq_tap_ok (up, "healthy, 503-answering and hanging simulators behind one worker");
    int ok = nq_it_submit_many (&b, S_CHAT, 20);
    nq_tap_ok (ok == 20, "all 20 jobs complete (%d)", ok);
    nq_tap_ok (nq_it_count (wlog, "\"event\":\"breaker_transition\"", "\"instance\":\"busy\"",
                            "\"to\":\"open\"", "consecutive_failures", NULL) >= 1,
               "503 bursts trip the busy instance's breaker (failures, not successes)");
    nq_tap_ok (nq_sc_stat (p_busy, "busy") >= 2, "the simulator answered 503 (%lld)",
               nq_sc_stat (p_busy, "busy"));
    nq_tap_ok (
        nq_it_count (wlog, "\"event\":\"job_failed\"", "\"instance\":\"hung\"", "timeout: idle", NULL) >= 1,
        "the hung instance's stream hits the idle timeout");
    nq_tap_ok (nq_it_count (wlog, "\"event\":\"breaker_transition\"", "\"instance\":\"hung\"",
                            "\"to\":\"open\"", NULL) >= 1,
               "and its breaker opens");
    nq_tap_ok (nq_it_count (wlog, "\"event\":\"job_done\"", "\"instance\":\"ok\"", NULL) == 20,
               "the work went to the healthy instance");
}

int
main (void)
{
    nq_tap_plan (15);
    test_kill_and_return ();
    test_busy_and_hung ();
    nq_h_cleanup ();
    return nq_tap_done ();
}
