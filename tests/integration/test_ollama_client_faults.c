/*  test_ollama_client_faults.c — the Ollama client's errors against
    ollama-sim's faults: a 503 burst, a mid-stream error line, a reset, a
    refused connection, first-byte, idle and total timeouts, cancellation
    mid-stream (the simulator counts the disconnect) and close with a
    request in flight; each error with its code, retry flag and breaker
    verdict. */
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
static json_t *s_msgs;

static nq_ollama_t *
s_client (int port, uint64_t first_byte_ms, uint64_t idle_ms, uint64_t total_ms)
{
    nq_ollama_options_t o = {.base_url = oc_url (port),
                             .first_byte_timeout_ms = first_byte_ms,
                             .idle_timeout_ms = idle_ms,
                             .total_timeout_ms = total_ms,
                             .connect_timeout_ms = 2000};
    return nq_ollama_new (&s_loop, &o);
}

//  One chat of model on client; rec gets the outcome.
static int
s_chat (nq_ollama_t *client, const char *model, oc_rec_t *rec, int timeout_ms)
{
    nq_ollama_params_t p = {.model = model, .messages = s_msgs};
    nq_ollama_handler_t h = oc_handler (rec);
    rec->client = client;
    return nq_ollama_chat (client, &p, &h, NULL) == 0 && oc_run (&s_loop, rec, timeout_ms);
}

static void
s_test_busy (nq_ollama_t *c)
{
    nq_sc_faults (s_port, "{\"busy\":3}");
    int ok = 0;
    uint64_t slowest = 0;
    for (int i = 0; i < 3; i++) {
        oc_rec_t rec = {0};
        if (s_chat (c, "fast", &rec, 5000) && rec.failed && rec.err.code == NQ_EOVERLOADED &&
            rec.err.http_status == 503 && rec.err.retryable && rec.verdict == NQ_VERDICT_FAILURE &&
            strstr (rec.message, "server busy"))
            ok++;
        if (rec.call.duration_ms > slowest)
            slowest = rec.call.duration_ms;
        oc_rec_reset (&rec);
    }
    nq_tap_ok (ok == 3, "a 503 burst: each is overloaded, retryable and a breaker failure (%d of 3)", ok);
    nq_tap_ok (slowest < 1000, "... however fast they come (slowest %llu ms)", (unsigned long long)slowest);
    oc_rec_t rec = {0};
    nq_tap_ok (s_chat (c, "fast", &rec, 5000) && rec.done == 1, "the request after the burst succeeds");
    oc_rec_reset (&rec);
}

static void
s_test_stream_error (nq_ollama_t *c)
{
    nq_sc_faults (s_port, "{\"error\":1,\"error_after\":3,\"error_message\":\"boom: out of memory\"}");
    oc_rec_t rec = {0};
    int ok = s_chat (c, "fast", &rec, 5000);
    nq_tap_ok (
        ok && rec.failed == 1 && rec.done == 0 && rec.chunks == 3 && rec.err.code == NQ_EUPSTREAM_FAILED &&
            rec.err.http_status == 200 && strcmp (rec.message, "boom: out of memory") == 0 &&
            rec.err.streamed,
        "a final {\"error\"} line after 3 tokens: upstream_failed with Ollama's text, after streaming");
    nq_tap_ok (rec.err.retryable && rec.verdict == NQ_VERDICT_FAILURE && rec.call.kind == NQ_CALL_STREAM,
               "... retryable, a breaker failure (mid-stream)");
    oc_rec_reset (&rec);
}

static void
s_test_reset_and_refused (nq_ollama_t *c)
{
    //  On a fresh connection: libcurl replays a request once when a kept
    //  connection dies before any answer (a stale keep-alive), so a reset
    //  of a reused connection is survived and never reaches the caller.
    (void)c;
    nq_ollama_t *fresh = s_client (s_port, 0, 0, 0);
    nq_sc_faults (s_port, "{\"reset\":1}");
    oc_rec_t rec = {0};
    int ok = s_chat (fresh, "fast", &rec, 5000);
    nq_tap_ok (ok && rec.failed == 1 && rec.err.code == NQ_EUNAVAILABLE && rec.err.http_status == 0 &&
                   rec.err.retryable && rec.verdict == NQ_VERDICT_FAILURE &&
                   rec.call.kind == NQ_CALL_TRANSPORT,
               "a connection reset: unavailable, retryable, breaker failure (%s)", rec.message);
    oc_rec_reset (&rec);
    nq_tap_ok (oc_close (&fresh, &s_loop), "the fresh client closes cleanly");

    int dead = nq_h_free_port ();
    nq_ollama_t *nobody = s_client (dead, 0, 0, 0);
    ok = s_chat (nobody, "fast", &rec, 5000);
    nq_tap_ok (ok && rec.failed == 1 && rec.err.code == NQ_EUNAVAILABLE && rec.err.http_status == 0 &&
                   rec.err.retryable && rec.verdict == NQ_VERDICT_FAILURE &&
                   rec.call.kind == NQ_CALL_TRANSPORT,
               "connection refused: unavailable, retryable, breaker failure (%s)", rec.message);
    oc_rec_reset (&rec);
    nq_tap_ok (oc_close (&nobody, &s_loop), "that client closes cleanly");
}

static void
s_test_timeouts (void)
{
    nq_ollama_t *c = s_client (s_port, 300, 300, 0);
    nq_sc_faults (s_port, "{\"hang\":1,\"hang_mode\":\"accept\"}");
    oc_rec_t rec = {0};
    long long t0 = nq_h_now_ms ();
    int ok = s_chat (c, "fast", &rec, 5000);
    long long took = nq_h_now_ms () - t0;
    nq_tap_ok (ok && rec.failed == 1 && rec.err.code == NQ_ETIMEOUT &&
                   strcmp (rec.timeout, "first_byte") == 0 && rec.err.retryable &&
                   rec.verdict == NQ_VERDICT_FAILURE && took >= 290 && took < 2000,
               "a hung instance trips the first-byte timeout after %lld ms (300)", took);
    oc_rec_reset (&rec);

    nq_sc_faults (s_port, "{\"hang\":1,\"hang_mode\":\"stream\",\"hang_after\":2}");
    t0 = nq_h_now_ms ();
    ok = s_chat (c, "fast", &rec, 5000);
    took = nq_h_now_ms () - t0;
    nq_tap_ok (ok && rec.failed == 1 && rec.chunks == 2 && rec.err.code == NQ_ETIMEOUT &&
                   strcmp (rec.timeout, "idle") == 0 && rec.err.streamed &&
                   rec.verdict == NQ_VERDICT_FAILURE && took >= 290 && took < 2000,
               "a stream that stops after 2 tokens trips the idle timeout (%lld ms)", took);
    oc_rec_reset (&rec);
    long long disc = 0;
    for (int i = 0; i < 100 && disc < 2; i++) {
        disc = nq_sc_stat (s_port, "disconnects");
        usleep (20000);
    }
    nq_tap_ok (disc >= 2, "the simulator saw both hung requests abandoned (%lld disconnects)", disc);
    nq_tap_ok (s_chat (c, "fast", &rec, 5000) && rec.done == 1, "the same client works after timeouts");
    oc_rec_reset (&rec);
    nq_tap_ok (oc_close (&c, &s_loop), "the first-byte/idle client closes cleanly");

    //  An idle timeout shorter than the first-byte timeout still fires once
    //  the answer began (the first byte re-arms the watchdog).
    c = s_client (s_port, 60000, 300, 0);
    nq_sc_faults (s_port, "{\"hang\":1,\"hang_mode\":\"stream\",\"hang_after\":1}");
    ok = s_chat (c, "fast", &rec, 5000);
    nq_tap_ok (ok && rec.failed == 1 && rec.chunks == 1 && rec.err.code == NQ_ETIMEOUT &&
                   strcmp (rec.timeout, "idle") == 0,
               "an idle timeout below the first-byte timeout fires after the first byte");
    oc_rec_reset (&rec);
    nq_tap_ok (oc_close (&c, &s_loop), "that client closes cleanly");

    c = s_client (s_port, 0, 0, 250);
    nq_sc_faults (s_port, "{\"hang\":1,\"hang_mode\":\"accept\"}");
    ok = s_chat (c, "fast", &rec, 5000);
    nq_tap_ok (ok && rec.failed == 1 && rec.err.code == NQ_ETIMEOUT && strcmp (rec.timeout, "total") == 0 &&
                   rec.verdict == NQ_VERDICT_FAILURE,
               "the total timeout ends a request that never finishes (%s)", rec.message);
    oc_rec_reset (&rec);
    nq_tap_ok (oc_close (&c, &s_loop), "the total-timeout client closes cleanly");
}

static void
s_test_cancel (nq_ollama_t *c)
{
    nq_sc_request (s_port, "POST", "/_sim/reset", "{}", 0, NULL);
    long long before = nq_sc_stat (s_port, "disconnects");
    oc_rec_t rec = {0};
    rec.cancel_after = 2;
    rec.client = c;
    nq_ollama_params_t p = {.model = "slow", .messages = s_msgs};
    nq_ollama_handler_t h = oc_handler (&rec);
    int started = nq_ollama_chat (c, &p, &h, NULL) == 0;
    oc_run_until (&s_loop, &rec.cancelled, 5000);
    //  Let the loop turn a while: no callback may arrive any more.
    int never = 0;
    oc_run_until (&s_loop, &never, 300);
    nq_tap_ok (started && rec.cancelled && rec.chunks == 2 && rec.calls_after_cancel == 0 && rec.done == 0 &&
                   rec.failed == 0 && nq_ollama_active (c) == 0,
               "cancel from the chunk callback: no callback after it, the request is gone");
    long long disc = before;
    for (int i = 0; i < 100 && disc == before; i++) {
        disc = nq_sc_stat (s_port, "disconnects");
        usleep (20000);
    }
    nq_tap_ok (disc == before + 1, "the simulator's disconnect counter rose (%lld → %lld)", before, disc);
    nq_tap_ok (nq_sc_stat (s_port, "completed") == 0, "the cancelled reply never completed");
    oc_rec_reset (&rec);

    //  Cancel from outside any callback, before a byte came back.
    h = oc_handler (&rec);
    nq_ollama_req_t *req = NULL;
    started = nq_ollama_chat (c, &p, &h, &req) == 0;
    nq_ollama_cancel (c, req);
    int never2 = 0;
    oc_run_until (&s_loop, &never2, 200);
    nq_ollama_stats_t st;
    nq_ollama_stats (c, &st);
    nq_tap_ok (started && rec.done + rec.failed + rec.chunks == 0 && nq_ollama_active (c) == 0 &&
                   st.cancelled == 2,
               "cancel right after the start: nothing is reported, both cancels counted");
    oc_rec_reset (&rec);
}

//  Request A's first chunk cancels request B: the removal happens while
//  libcurl is still inside its socket action, so it is deferred.
typedef struct {
    nq_ollama_t *client;
    nq_ollama_req_t *other;
    int a_chunks, a_done, b_calls;
} s_pair_t;

static void
s_a_chunk (void *arg, nq_ollama_req_t *req, const char *text, size_t len)
{
    (void)req;
    (void)text;
    (void)len;
    s_pair_t *pair = arg;
    if (pair->a_chunks++ == 0 && pair->other) {
        nq_ollama_cancel (pair->client, pair->other);
        pair->other = NULL;
    }
}

static void
s_a_done (void *arg, nq_ollama_req_t *req, const nq_ollama_result_t *result)
{
    (void)req;
    (void)result;
    ((s_pair_t *)arg)->a_done = 1;
}

static void
s_b_chunk (void *arg, nq_ollama_req_t *req, const char *text, size_t len)
{
    (void)req;
    (void)text;
    (void)len;
    s_pair_t *pair = arg;
    if (!pair->other)
        pair->b_calls++;
}

static void
s_b_end (void *arg, nq_ollama_req_t *req, const nq_ollama_result_t *result)
{
    (void)req;
    (void)result;
    ((s_pair_t *)arg)->b_calls++;
}

static void
s_b_error (void *arg, nq_ollama_req_t *req, const nq_ollama_error_t *error)
{
    (void)req;
    (void)error;
    ((s_pair_t *)arg)->b_calls++;
}

static void
s_test_cancel_other (nq_ollama_t *c)
{
    s_pair_t pair = {.client = c};
    nq_ollama_params_t pa = {.model = "fast", .messages = s_msgs};
    nq_ollama_params_t pb = {.model = "slow", .messages = s_msgs};
    nq_ollama_handler_t ha = {.chunk = s_a_chunk, .done = s_a_done, .arg = &pair};
    nq_ollama_handler_t hb = {.chunk = s_b_chunk, .done = s_b_end, .error = s_b_error, .arg = &pair};
    int ok = nq_ollama_chat (c, &pb, &hb, &pair.other) == 0 && nq_ollama_chat (c, &pa, &ha, NULL) == 0;
    oc_run_until (&s_loop, &pair.a_done, 5000);
    int never = 0;
    oc_run_until (&s_loop, &never, 200);
    nq_tap_ok (ok && pair.a_done && pair.a_chunks > 1 && pair.other == NULL && pair.b_calls == 0 &&
                   nq_ollama_active (c) == 0,
               "one request's chunk callback cancels another: the other is gone, the first completes");
}

static int s_own_count, s_closer_count;

static void
s_own (void *arg, uv_handle_t *handle)
{
    (void)arg;
    (void)handle;
    s_own_count++;
}

static void
s_closer (void *arg, uv_handle_t *handle, uv_close_cb cb)
{
    (void)arg;
    s_closer_count++;
    uv_close (handle, cb);
}

static void
s_test_close_in_flight (void)
{
    nq_ollama_t *c = s_client (s_port, 0, 0, 0);
    nq_ollama_set_owner (c, s_own, s_closer, NULL);
    oc_rec_t rec = {0};
    rec.client = c;
    nq_ollama_params_t p = {.model = "slow", .messages = s_msgs};
    nq_ollama_handler_t h = oc_handler (&rec);
    nq_ollama_chat (c, &p, &h, NULL);
    oc_run_until (&s_loop, &rec.chunks, 5000);
    int streaming = rec.chunks >= 1 && rec.done + rec.failed == 0;
    nq_tap_ok (streaming && s_own_count >= 3,
               "owner hooks see the handles (%d: watchdog, curl timer, socket)", s_own_count);
    int closed = oc_close (&c, &s_loop);
    nq_tap_ok (
        closed && rec.done + rec.failed == 0 && s_closer_count == s_own_count,
        "close with a stream in flight: no callback, every owned handle closed through the closer (%d of %d)",
        s_closer_count, s_own_count);
    oc_rec_reset (&rec);
}

int
main (void)
{
    nq_tap_plan (27);
    const char *extra[] = {"--model", "fast,kind=chat,tps=400,load_ms=0", "--model",
                           "slow,kind=chat,tps=20,load_ms=0", NULL};
    pid_t sim = nq_sc_start ("sim", extra, &s_port);
    if (sim < 0)
        nq_tap_skip_all ("ollama-sim did not start");
    uv_loop_init (&s_loop);
    s_msgs = oc_messages ("Tell me a long story about a lighthouse keeper and the sea.");
    nq_ollama_t *c = s_client (s_port, 0, 0, 0);
    s_test_busy (c);
    s_test_stream_error (c);
    s_test_reset_and_refused (c);
    s_test_timeouts ();
    s_test_cancel (c);
    s_test_cancel_other (c);
    nq_tap_ok (oc_close (&c, &s_loop), "the main client closes cleanly");
    s_test_close_in_flight ();
    nq_tap_ok (uv_loop_close (&s_loop) == 0, "no handle is left on the loop");
    json_decref (s_msgs);
    nq_h_kill (sim, SIGTERM);
    nq_h_wait_exit (sim, 5000, NULL);
    return nq_tap_done ();
}
