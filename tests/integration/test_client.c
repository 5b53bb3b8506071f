/*  test_client.c — libnovaq and the CLI against a real `novaq broker`, with
    a minimal echo worker running in a thread of this test: pipelined
    submissions through the async API each get exactly one result; the CLI
    streams and prints a chat answer, prints JSON, returns the job id with
    --no-wait, and maps a missed deadline to exit status 4. */
#include "harness.h"

#include "common/errors.h"
#include "common/protocol.h"
#include "novaq.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

static atomic_int s_stop;

static int
s_send (void *sock, const nq_msg_t *msg)
{
    nq_wire_t wire;
    int rc = nq_msg_encode (msg, &wire);
    for (size_t i = 0; rc == 0 && i < wire.count; i++)
        if (zmq_send (sock, wire.frames[i].data, wire.frames[i].size, i + 1 < wire.count ? ZMQ_SNDMORE : 0) < 0)
            rc = -1;
    nq_wire_fini (&wire);
    return rc;
}

//  An echo worker: answers every chat JOB with one chunk per word and a
//  result holding the whole prompt.
static void *
s_worker (void *arg)
{
    const char *endpoint = arg;
    void *ctx = zmq_ctx_new ();
    void *sock = zmq_socket (ctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt (sock, ZMQ_LINGER, &zero, sizeof zero);
    zmq_connect (sock, endpoint);
    nq_msg_t m;
    nq_msg_init (&m, NQ_CMD_READY);
    nq_slot_t slot = {.kind = NQ_KIND_CHAT, .instance = "echo", .capacity = 64};
    m.u.ready.worker_id = "echo-thread";
    m.u.ready.slots = &slot;
    m.u.ready.slots_count = 1;
    s_send (sock, &m);
    long long next_hb = nq_h_now_ms () + 200;
    while (!atomic_load (&s_stop)) {
        zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
        if (nq_h_now_ms () >= next_hb) {
            nq_msg_init (&m, NQ_CMD_W_HEARTBEAT);
            m.u.heartbeat.ts_ms = 1;
            s_send (sock, &m);
            next_hb = nq_h_now_ms () + 200;
        }
        if (zmq_poll (&item, 1, 50) <= 0)
            continue;
        zmq_msg_t parts[8];
        nq_frame_t frames[8];
        size_t n = 0;
        int more = 1;
        while (more && n < 8) {
            zmq_msg_init (&parts[n]);
            zmq_msg_recv (&parts[n], sock, 0);
            more = zmq_msg_more (&parts[n]);
            frames[n] = (nq_frame_t){zmq_msg_data (&parts[n]), zmq_msg_size (&parts[n])};
            n++;
        }
        nq_msg_t in;
        if (nq_msg_decode (&in, frames, n, NQ_DIR_BROKER_WORKER, nq_limits_default ()) == 0 && in.cmd == NQ_CMD_JOB) {
            const nq_job_t *job = &in.u.job.job;
            const char *text = job->payload.chat.messages_count ? job->payload.chat.messages[0].content : "";
            char word[256];
            uint64_t seq = 0;
            for (const char *p = text; *p && job->payload.chat.stream;) {
                size_t len = strcspn (p, " ");
                size_t take = len + (p[len] == ' ');
                snprintf (word, sizeof word, "%.*s", (int) (take < sizeof word - 1 ? take : sizeof word - 1), p);
                nq_msg_init (&m, NQ_CMD_W_CHUNK);
                snprintf (m.u.chunk.job_id, sizeof m.u.chunk.job_id, "%s", job->id);
                m.u.chunk.attempt = in.u.job.attempt;
                m.u.chunk.seq = seq++;
                m.u.chunk.text = word;
                s_send (sock, &m);
                p += take;
            }
            nq_msg_init (&m, NQ_CMD_W_RESULT);
            snprintf (m.u.result.job_id, sizeof m.u.result.job_id, "%s", job->id);
            m.u.result.attempt = in.u.job.attempt;
            m.u.result.kind = NQ_KIND_CHAT;
            m.u.result.model_used = job->model;
            m.u.result.instance = "echo";
            m.u.result.body.chat.text = text;
            m.u.result.body.chat.done_reason = "stop";
            s_send (sock, &m);
        }
        nq_msg_fini (&in);
        for (size_t i = 0; i < n; i++)
            zmq_msg_close (&parts[i]);
    }
    nq_msg_init (&m, NQ_CMD_BYE);
    m.u.bye.reason = "test over";
    s_send (sock, &m);
    zmq_close (sock);
    zmq_ctx_term (ctx);
    return NULL;
}

//  ---- the async API, pipelined ------------------------------------------

typedef struct {
    uv_loop_t *loop;
    nq_client_t *client;
    int total, sent, results, errors, accepted, duplicates_seen;
    char (*seen)[NQ_ID_LEN + 1];
    int window, in_flight;
} s_pipe_t;

static void s_fill (s_pipe_t *p);

static void
s_p_accepted (void *arg, nq_call_t *call, const char *job_id, bool duplicate)
{
    (void) call, (void) job_id, (void) duplicate;
    ((s_pipe_t *) arg)->accepted++;
}

static void
s_p_result (void *arg, nq_call_t *call, const nq_result_t *r)
{
    s_pipe_t *p = arg;
    (void) call;
    for (int i = 0; i < p->results; i++)
        if (strcmp (p->seen[i], r->job_id) == 0)
            p->duplicates_seen++;
    snprintf (p->seen[p->results], NQ_ID_LEN + 1, "%s", r->job_id);
    p->results++;
    p->in_flight--;
    s_fill (p);
}

static void
s_p_error (void *arg, nq_call_t *call, int code, const char *message, uint64_t retry_after_ms)
{
    s_pipe_t *p = arg;
    (void) call, (void) retry_after_ms;
    nq_tap_diag ("error %s: %s", nq_error_wire (code), message ? message : "");
    p->errors++;
    p->in_flight--;
    s_fill (p);
}

static const nq_call_fn_t s_pipe_fn = {s_p_accepted, NULL, s_p_result, s_p_error, NULL};

static void
s_fill (s_pipe_t *p)
{
    while (p->sent < p->total && p->in_flight < p->window) {
        nq_job_t job;
        memset (&job, 0, sizeof job);
        job.kind = NQ_KIND_CHAT;
        job.model = "echo-model";
        job.tenant = p->sent % 2 ? "a" : "b";
        nq_chat_message_t msg = {NQ_ROLE_USER, "ping"};
        job.payload.chat.messages = &msg;
        job.payload.chat.messages_count = 1;
        if (!nq_client_submit (p->client, &job, 30000, &s_pipe_fn, p))
            break;
        p->sent++;
        p->in_flight++;
    }
    if (p->results + p->errors == p->total)
        uv_stop (p->loop);
}

int
main (void)
{
    nq_tap_plan (9);
    int fport = nq_h_free_port (), bport = nq_h_free_port ();
    char front[64], back[64], env_front[96], env_back[96], log[512], bin[512];
    snprintf (front, sizeof front, "tcp://127.0.0.1:%d", fport);
    snprintf (back, sizeof back, "tcp://127.0.0.1:%d", bport);
    snprintf (env_front, sizeof env_front, "NOVAQ_FRONTEND=%s", front);
    snprintf (env_back, sizeof env_back, "NOVAQ_BACKEND=%s", back);
    snprintf (bin, sizeof bin, "%s/novaq", NQ_BUILDDIR);
    nq_h_path (log, sizeof log, "broker.log");
    char *argv[] = {"env", "-u", "NOVAQ_DATABASE_URL", env_front, env_back, "NOVAQ_LOG_FORMAT=json", "NOVAQ_HTTP=off",
                    bin, "broker", NULL};
    pid_t broker = nq_h_spawn (argv, log);
    nq_tap_ok (broker > 0 && nq_h_wait_port ("127.0.0.1", fport, 10000) == 0, "the broker is up");

    //  Before any worker: a chat with a 1 s deadline times out (exit 4).
    char cmd[2048], out[65536];
    snprintf (cmd, sizeof cmd, "env -u NOVAQ_DATABASE_URL %s %s submit chat --model echo-model --timeout 1s hi 2>/dev/null; echo \"rc=$?\"",
              env_front, bin);
    nq_h_run (cmd, out, sizeof out);
    nq_tap_ok (strstr (out, "rc=4") != NULL, "no worker: the client's deadline passes, exit status 4");

    pthread_t worker;
    pthread_create (&worker, NULL, s_worker, back);

    //  2,000 submissions through the async API with a window of 200.
    uv_loop_t loop;
    uv_loop_init (&loop);
    void *ctx = zmq_ctx_new ();
    s_pipe_t p = {.loop = &loop, .total = 2000, .window = 200};
    p.seen = calloc ((size_t) p.total, sizeof *p.seen);
    p.client = nq_client_new (&loop, ctx, front);
    s_fill (&p);
    uv_run (&loop, UV_RUN_DEFAULT);
    nq_tap_ok (p.results == 2000 && p.errors == 0 && p.duplicates_seen == 0 && p.accepted == 2000,
               "2,000 pipelined submissions: each accepted once and answered with exactly one result (%d results, %d "
               "errors, %d duplicates)",
               p.results, p.errors, p.duplicates_seen);
    nq_tap_ok (nq_client_pending (p.client) == 0, "no call is left open");
    nq_client_close (p.client, NULL, NULL);
    uv_run (&loop, UV_RUN_DEFAULT);
    zmq_ctx_term (ctx);
    nq_tap_ok (uv_loop_close (&loop) == 0, "the client closed every handle");
    free (p.seen);

    //  The CLI streams the answer word by word and prints it.
    snprintf (cmd, sizeof cmd, "env -u NOVAQ_DATABASE_URL %s %s submit chat --model echo-model the quick brown fox 2>/dev/null; echo \"rc=$?\"",
              env_front, bin);
    nq_h_run (cmd, out, sizeof out);
    nq_tap_ok (strstr (out, "the quick brown fox\n") && strstr (out, "rc=0"), "novaq submit chat prints the streamed answer");
    snprintf (cmd, sizeof cmd, "echo 'from stdin' | env -u NOVAQ_DATABASE_URL %s %s submit chat --model echo-model --json 2>/dev/null; echo \"rc=$?\"",
              env_front, bin);
    nq_h_run (cmd, out, sizeof out);
    nq_tap_ok (strstr (out, "\"text\": \"from stdin\\n\"") && strstr (out, "\"model_used\": \"echo-model\"") && strstr (out, "rc=0"),
               "--json prints the result object; the prompt came from stdin");
    snprintf (cmd, sizeof cmd, "env -u NOVAQ_DATABASE_URL %s %s submit chat --model echo-model --no-wait later 2>/dev/null", env_front, bin);
    nq_h_run (cmd, out, sizeof out);
    nq_tap_ok (strlen (out) == 37 && out[36] == '\n', "--no-wait prints the job id and returns");
    snprintf (cmd, sizeof cmd, "env -u NOVAQ_DATABASE_URL %s %s status --json 2>/dev/null", env_front, bin);
    nq_h_run (cmd, out, sizeof out);
    nq_tap_ok (strstr (out, "\"instance\": \"echo\"") && strstr (out, "\"succeeded\""), "novaq status --json shows the worker");

    atomic_store (&s_stop, 1);
    pthread_join (worker, NULL);
    nq_h_kill (broker, SIGTERM);
    nq_h_wait_exit (broker, 10000, NULL);
    return nq_tap_done ();
}
