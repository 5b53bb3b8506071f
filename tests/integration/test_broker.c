/*  test_broker.c — a real `novaq broker` process, spoken to in raw NQP/1
    by this test acting as a client and as workers: submit, dispatch, stream,
    result; a forged result with a stale epoch; malformed frames from a
    client and from a worker; admission over its bound; the admin snapshot. */
#include "harness.h"

#include "common/errors.h"
#include "common/protocol.h"
#include "common/protocol_json.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <zmq.h>

static void *s_ctx;

//  REPLY data as compact JSON text (caller frees), or NULL.
static char *
s_reply_json (const nq_msg_t *m)
{
    json_t *j = NULL;
    if (nq_msgpack_to_json (m->u.reply.data.data, m->u.reply.data.size, NULL, &j) != 0)
        return NULL;
    char *text = json_dumps (j, JSON_COMPACT);
    json_decref (j);
    return text;
}

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

static int
s_send_raw (void *sock, const char *const *frames, const size_t *sizes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (zmq_send (sock, frames[i], sizes[i], i + 1 < n ? ZMQ_SNDMORE : 0) < 0)
            return -1;
    return 0;
}

//  Receives one message within timeout_ms and decodes it. 0, or -1.
static int
s_recv (void *sock, nq_dir_t dir, nq_msg_t *msg, int timeout_ms)
{
    zmq_pollitem_t item = {sock, 0, ZMQ_POLLIN, 0};
    if (zmq_poll (&item, 1, timeout_ms) <= 0) {
        nq_msg_init (msg, NQ_CMD_NONE);
        return -1;
    }
    zmq_msg_t parts[80];
    nq_frame_t frames[80];
    size_t n = 0;
    int more = 1;
    while (more && n < 80) {
        zmq_msg_init (&parts[n]);
        zmq_msg_recv (&parts[n], sock, 0);
        more = zmq_msg_more (&parts[n]);
        frames[n] = (nq_frame_t){zmq_msg_data (&parts[n]), zmq_msg_size (&parts[n])};
        n++;
    }
    int rc = nq_msg_decode (msg, frames, n, dir, nq_limits_default ());
    for (size_t i = 0; i < n; i++)
        zmq_msg_close (&parts[i]);
    return rc ? -1 : 0;
}

//  Receives until a message of cmd arrives (others are skipped), or timeout.
static int
s_expect (void *sock, nq_dir_t dir, nq_cmd_t cmd, nq_msg_t *msg, int timeout_ms)
{
    long long end = nq_h_now_ms () + timeout_ms;
    while (nq_h_now_ms () < end) {
        if (s_recv (sock, dir, msg, (int) (end - nq_h_now_ms ())) == 0 && msg->cmd == cmd)
            return 0;
        nq_msg_fini (msg);
    }
    nq_msg_init (msg, NQ_CMD_NONE);
    return -1;
}

static void *
s_dealer (const char *endpoint, const char *identity)
{
    void *s = zmq_socket (s_ctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt (s, ZMQ_LINGER, &zero, sizeof zero);
    if (identity)
        zmq_setsockopt (s, ZMQ_ROUTING_ID, identity, strlen (identity));
    zmq_connect (s, endpoint);
    return s;
}

static int
s_ready (void *worker, uint32_t capacity)
{
    nq_msg_t m;
    nq_msg_init (&m, NQ_CMD_READY);
    nq_slot_t slot = {.kind = NQ_KIND_CHAT, .instance = "echo", .capacity = capacity};
    m.u.ready.worker_id = "test-worker";
    m.u.ready.heartbeat_ms = 200;
    m.u.ready.liveness = 5;
    m.u.ready.slots = &slot;
    m.u.ready.slots_count = 1;
    return s_send (worker, &m);
}

static int
s_submit (void *client, uint64_t rid, const char *text)
{
    nq_msg_t m;
    nq_msg_init (&m, NQ_CMD_SUBMIT);
    m.u.submit.rid = rid;
    nq_job_t *job = &m.u.submit.job;
    job->kind = NQ_KIND_CHAT;
    job->model = "echo-model";
    job->tenant = "acme";
    nq_chat_message_t message = {NQ_ROLE_USER, text};
    job->payload.chat.messages = &message;
    job->payload.chat.messages_count = 1;
    job->payload.chat.stream = true;
    return s_send (client, &m);
}

int
main (void)
{
    nq_tap_plan (17);
    int fport = nq_h_free_port (), bport = nq_h_free_port ();
    char front[64], back[64], env_front[96], env_back[96], log[512];
    snprintf (front, sizeof front, "tcp://127.0.0.1:%d", fport);
    snprintf (back, sizeof back, "tcp://127.0.0.1:%d", bport);
    snprintf (env_front, sizeof env_front, "NOVAQ_FRONTEND=%s", front);
    snprintf (env_back, sizeof env_back, "NOVAQ_BACKEND=%s", back);
    nq_h_path (log, sizeof log, "broker.log");
    char bin[512];
    snprintf (bin, sizeof bin, "%s/novaq", NQ_BUILDDIR);
    char *argv[] = {"env", "-u", "NOVAQ_DATABASE_URL", env_front, env_back, "NOVAQ_MAX_QUEUED=3",
                    "NOVAQ_LOG_FORMAT=json", "NOVAQ_HTTP=off", bin, "broker", NULL};
    pid_t broker = nq_h_spawn (argv, log);
    nq_tap_ok (broker > 0 && nq_h_wait_port ("127.0.0.1", fport, 10000) == 0
                   && nq_h_wait_port ("127.0.0.1", bport, 10000) == 0,
               "novaq broker listens on its frontend and backend");
    nq_tap_ok (nq_h_wait_file_contains (log, "\"event\":\"journal_not_durable\"", 5000) == 0,
               "it says loudly that the in-memory journal is not durable");

    s_ctx = zmq_ctx_new ();
    void *client = s_dealer (front, NULL);
    void *worker = s_dealer (back, "worker-1");
    nq_msg_t m;

    //  PING
    nq_msg_init (&m, NQ_CMD_PING);
    m.u.ping.rid = 1;
    m.u.ping.ts_ms = 42;
    s_send (client, &m);
    int ok = s_expect (client, NQ_DIR_BROKER_CLIENT, NQ_CMD_REPLY, &m, 5000) == 0 && m.u.reply.rid == 1;
    nq_msg_fini (&m);
    nq_tap_ok (ok, "PING is answered with REPLY");

    //  A worker joins and learns the agreed heartbeat.
    s_ready (worker, 2);
    ok = s_expect (worker, NQ_DIR_BROKER_WORKER, NQ_CMD_B_HEARTBEAT, &m, 5000) == 0 && m.u.heartbeat.heartbeat_ms == 200
         && m.u.heartbeat.liveness == 5;
    nq_msg_fini (&m);
    nq_tap_ok (ok, "READY is answered with the agreed heartbeat (200 ms × 5)");

    //  Submit → ACCEPTED → JOB → chunk → result.
    s_submit (client, 7, "hello");
    char job_id[NQ_ID_LEN + 1] = "";
    ok = s_expect (client, NQ_DIR_BROKER_CLIENT, NQ_CMD_ACCEPTED, &m, 5000) == 0 && m.u.accepted.rid == 7;
    if (ok)
        snprintf (job_id, sizeof job_id, "%s", m.u.accepted.job_id);
    nq_msg_fini (&m);
    nq_tap_ok (ok && strlen (job_id) == 36, "SUBMIT is ACCEPTED with a job id (%s)", job_id);
    ok = s_expect (worker, NQ_DIR_BROKER_WORKER, NQ_CMD_JOB, &m, 5000) == 0 && strcmp (m.u.job.job.id, job_id) == 0
         && m.u.job.attempt == 1 && m.u.job.job.payload.chat.messages_count == 1
         && strcmp (m.u.job.job.payload.chat.messages[0].content, "hello") == 0;
    nq_msg_fini (&m);
    nq_tap_ok (ok, "the worker receives the JOB, attempt 1, with its payload intact");

    nq_msg_init (&m, NQ_CMD_W_CHUNK);
    snprintf (m.u.chunk.job_id, sizeof m.u.chunk.job_id, "%s", job_id);
    m.u.chunk.attempt = 1;
    m.u.chunk.seq = 0;
    m.u.chunk.text = "hel";
    s_send (worker, &m);
    ok = s_expect (client, NQ_DIR_BROKER_CLIENT, NQ_CMD_CHUNK, &m, 5000) == 0 && m.u.chunk.seq == 0
         && m.u.chunk.text && strcmp (m.u.chunk.text, "hel") == 0;
    nq_msg_fini (&m);
    nq_tap_ok (ok, "a worker CHUNK reaches the client with its sequence number");

    //  A forged result for attempt 9 does not complete the job.
    nq_msg_init (&m, NQ_CMD_W_RESULT);
    snprintf (m.u.result.job_id, sizeof m.u.result.job_id, "%s", job_id);
    m.u.result.attempt = 9;
    m.u.result.kind = NQ_KIND_CHAT;
    m.u.result.body.chat.text = "forged";
    s_send (worker, &m);
    nq_msg_init (&m, NQ_CMD_QUERY);
    m.u.query.rid = 8;
    snprintf (m.u.query.job_id, sizeof m.u.query.job_id, "%s", job_id);
    m.u.query.what = NQ_QUERY_STATUS;
    s_send (client, &m);
    ok = s_expect (client, NQ_DIR_BROKER_CLIENT, NQ_CMD_REPLY, &m, 5000) == 0;
    char *json = ok ? s_reply_json (&m) : NULL;
    nq_msg_fini (&m);
    nq_tap_ok (json && strstr (json, "\"status\":\"running\"") && strstr (json, "\"attempt\":1"),
               "a result with a stale epoch is rejected: the job is still running attempt 1");
    free (json);
    nq_tap_ok (nq_h_wait_file_contains (log, "\"event\":\"stale_message\"", 5000) == 0,
               "the broker logs the stale message");

    nq_msg_init (&m, NQ_CMD_W_RESULT);
    snprintf (m.u.result.job_id, sizeof m.u.result.job_id, "%s", job_id);
    m.u.result.attempt = 1;
    m.u.result.kind = NQ_KIND_CHAT;
    m.u.result.model_used = "echo-model";
    m.u.result.body.chat.text = "hello";
    m.u.result.body.chat.done_reason = "stop";
    s_send (worker, &m);
    ok = s_expect (client, NQ_DIR_BROKER_CLIENT, NQ_CMD_RESULT, &m, 5000) == 0 && strcmp (m.u.result.job_id, job_id) == 0
         && m.u.result.body.chat.text && strcmp (m.u.result.body.chat.text, "hello") == 0;
    nq_msg_fini (&m);
    nq_tap_ok (ok, "the real result (attempt 1) reaches the client as RESULT");

    //  Malformed frames from a client: ERROR, and the broker goes on.
    const char *junk[] = {"NQP1", "\x10", "\xc1\xc1\xc1"};
    size_t junk_sizes[] = {4, 1, 3};
    s_send_raw (client, junk, junk_sizes, 3);
    ok = s_expect (client, NQ_DIR_BROKER_CLIENT, NQ_CMD_ERROR, &m, 5000) == 0 && m.u.error.code < 0;
    nq_msg_fini (&m);
    nq_tap_ok (ok, "a malformed client message is answered with ERROR");
    const char *wrong_version[] = {"NQP9", "\x14", "\x80"};
    s_send_raw (client, wrong_version, junk_sizes, 3);
    ok = s_expect (client, NQ_DIR_BROKER_CLIENT, NQ_CMD_ERROR, &m, 5000) == 0 && m.u.error.code == NQ_EINVALID
         && m.u.error.message && strstr (m.u.error.message, "version");
    nq_msg_fini (&m);
    nq_tap_ok (ok, "an unknown protocol version is answered with invalid_request naming the version");

    //  Malformed frames from a worker: DISCONNECT for it, service for others.
    void *bad = s_dealer (back, "worker-bad");
    s_send_raw (bad, junk, junk_sizes, 3);
    ok = s_expect (bad, NQ_DIR_BROKER_WORKER, NQ_CMD_DISCONNECT, &m, 5000) == 0;
    nq_msg_fini (&m);
    nq_tap_ok (ok, "a malformed worker message is answered with DISCONNECT");
    nq_msg_init (&m, NQ_CMD_PING);
    m.u.ping.rid = 11;
    s_send (client, &m);
    ok = s_expect (client, NQ_DIR_BROKER_CLIENT, NQ_CMD_REPLY, &m, 5000) == 0 && m.u.reply.rid == 11;
    nq_msg_fini (&m);
    nq_tap_ok (ok, "the broker keeps serving everyone else");

    //  Over the admission bound (NOVAQ_MAX_QUEUED=3, no free slot): overloaded.
    nq_msg_init (&m, NQ_CMD_CREDIT);
    m.u.credit.instance = "echo";
    m.u.credit.kind = NQ_KIND_CHAT;
    m.u.credit.credit = 0;
    s_send (worker, &m);
    //  The worker and the client are different connections: wait until the
    //  broker shows the withdrawn credit before submitting.
    int withdrawn = 0;
    for (int tries = 0; tries < 100 && !withdrawn; tries++) {
        nq_msg_init (&m, NQ_CMD_ADMIN);
        m.u.admin.rid = 50;
        m.u.admin.op = NQ_ADMIN_STATUS;
        s_send (client, &m);
        if (s_expect (client, NQ_DIR_BROKER_CLIENT, NQ_CMD_REPLY, &m, 5000) == 0) {
            char *status = s_reply_json (&m);
            withdrawn = status && strstr (status, "\"capacity\":0");
            free (status);
        }
        nq_msg_fini (&m);
    }
    for (int i = 0; i < 4; i++)
        s_submit (client, 100 + (uint64_t) i, "queued");
    int accepted = 0, overloaded = 0;
    uint64_t retry_after = 0;
    for (int i = 0; i < 4; i++) {
        if (s_recv (client, NQ_DIR_BROKER_CLIENT, &m, 5000) != 0)
            break;
        if (m.cmd == NQ_CMD_ACCEPTED)
            accepted++;
        else if (m.cmd == NQ_CMD_ERROR && m.u.error.code == NQ_EOVERLOADED) {
            overloaded++;
            retry_after = m.u.error.retry_after_ms;
        }
        nq_msg_fini (&m);
    }
    nq_tap_ok (accepted == 3 && overloaded == 1 && retry_after > 0,
               "past the bound SUBMIT gets overloaded with retry_after_ms (%d accepted, %d refused, %llu ms)", accepted,
               overloaded, (unsigned long long) retry_after);

    //  The admin snapshot names the worker and the queue.
    nq_msg_init (&m, NQ_CMD_ADMIN);
    m.u.admin.rid = 12;
    m.u.admin.op = NQ_ADMIN_STATUS;
    s_send (client, &m);
    ok = s_expect (client, NQ_DIR_BROKER_CLIENT, NQ_CMD_REPLY, &m, 5000) == 0;
    json = ok ? s_reply_json (&m) : NULL;
    nq_msg_fini (&m);
    nq_tap_ok (json && strstr (json, "\"workers\":[{") && strstr (json, "\"queue\":\"chat/echo-model\"")
                   && strstr (json, "\"depth\":3"),
               "ADMIN status lists the worker and the queue with its depth");
    if (!json || !strstr (json, "\"depth\":3"))
        nq_tap_diag ("%s", json ? json : "(no reply)");
    free (json);

    zmq_close (bad);
    zmq_close (worker);
    zmq_close (client);
    zmq_ctx_term (s_ctx);
    nq_h_kill (broker, SIGTERM);
    int status = -1;
    nq_tap_ok (nq_h_wait_exit (broker, 10000, &status) == 0 && WIFEXITED (status) && WEXITSTATUS (status) == 0,
               "SIGTERM stops the broker cleanly (exit 0)");
    return nq_tap_done ();
}
