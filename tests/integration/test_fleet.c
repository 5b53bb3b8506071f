/*  test_fleet.c — the broker's acceptance with real processes on loopback:
    `novaq broker`, `novaq worker --echo` processes, and libnovaq in this
    test. Nothing here asserts on wall time: fairness and class shares are
    read from the broker's dispatch log, a dead worker's silence in
    heartbeat units from the broker's own log. */
#include "harness.h"
#include "infer_util.h"

#include "common/errors.h"
#include "novaq.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <zmq.h>

static char s_bin[512];

static void
s_broker_start (nq_it_broker_t *b, const char *name, const char *extra)
{
    nq_it_broker_place (b, name);
    char fe[96], be[96];
    snprintf (fe, sizeof fe, "NOVAQ_FRONTEND=%s", b->front);
    snprintf (be, sizeof be, "NOVAQ_BACKEND=%s", b->back);
    char *argv[16] = {"env", "-u", "NOVAQ_DATABASE_URL", fe, be, "NOVAQ_LOG_FORMAT=json", "NOVAQ_LOG_LEVEL=debug",
                      "NOVAQ_HEARTBEAT=200ms", "NOVAQ_LIVENESS=3", "NOVAQ_HTTP=off"};
    int n = 10;
    if (extra)
        argv[n++] = (char *) extra;
    argv[n++] = s_bin;
    argv[n++] = "broker";
    argv[n] = NULL;
    b->pid = nq_h_spawn (argv, b->log);
    nq_it_broker_wait (b);
}

static pid_t
s_worker_start (const nq_it_broker_t *b, const char *name, int slots)
{
    char be[96], log[512], file[128], slots_s[16];
    snprintf (be, sizeof be, "NOVAQ_BACKEND=%s", b->back);
    snprintf (file, sizeof file, "%s.log", name);
    nq_h_path (log, sizeof log, file);
    snprintf (slots_s, sizeof slots_s, "%d", slots);
    char *argv[] = {"env", be, "NOVAQ_LOG_FORMAT=json", "NOVAQ_HEARTBEAT=200ms", "NOVAQ_LIVENESS=3", s_bin, "worker",
                    "--echo", "--slots", slots_s, "--worker-id", (char *) name, NULL};
    return nq_h_spawn (argv, log);
}

//  ---- many submissions through the async API ---------------------------

typedef struct {
    uv_loop_t *loop;
    nq_client_t *client;
    int total, sent, in_flight, window;
    int results, errors, accepted, duplicates;
    int cancelled, chunks;
    const char *tenant, *text;
    nq_class_t klass;
    char **ids;    //  job ids of the results, for the duplicate check
    char last_id[NQ_ID_LEN + 1];
    int wait_results;    //  0: stop once all are accepted
} s_batch_t;

static void s_fill (s_batch_t *b);

static void
s_accepted (void *arg, nq_call_t *call, const char *job_id, bool duplicate)
{
    s_batch_t *b = arg;
    (void) call, (void) duplicate;
    b->accepted++;
    snprintf (b->last_id, sizeof b->last_id, "%s", job_id);
    if (!b->wait_results) {
        nq_call_abandon (call);
        b->in_flight--;
        s_fill (b);
    }
}

static void
s_chunk (void *arg, nq_call_t *call, const nq_chunk_t *chunk)
{
    (void) call, (void) chunk;
    ((s_batch_t *) arg)->chunks++;
}

static void
s_result (void *arg, nq_call_t *call, const nq_result_t *r)
{
    s_batch_t *b = arg;
    (void) call;
    if (b->ids)
        b->ids[b->results] = strdup (r->job_id);
    b->results++;
    b->in_flight--;
    s_fill (b);
}

static void
s_error (void *arg, nq_call_t *call, int code, const char *message, uint64_t retry_after_ms)
{
    s_batch_t *b = arg;
    (void) call, (void) retry_after_ms;
    if (code == NQ_ECANCELLED)
        b->cancelled++;
    else {
        b->errors++;
        if (b->errors < 5)
            nq_tap_diag ("error %s: %s", nq_error_wire (code), message ? message : "");
    }
    b->in_flight--;
    s_fill (b);
}

static const nq_call_fn_t s_fn = {s_accepted, s_chunk, s_result, s_error, NULL};

static void
s_fill (s_batch_t *b)
{
    while (b->sent < b->total && b->in_flight < b->window) {
        nq_job_t job;
        memset (&job, 0, sizeof job);
        job.kind = NQ_KIND_CHAT;
        job.model = "m";
        job.tenant = b->tenant;
        job.class_ = b->klass;
        nq_chat_message_t msg = {NQ_ROLE_USER, b->text};
        job.payload.chat.messages = &msg;
        job.payload.chat.messages_count = 1;
        job.payload.chat.stream = false;
        if (!nq_client_submit (b->client, &job, 120000, &s_fn, b))
            break;
        b->sent++;
        b->in_flight++;
    }
    int done = b->wait_results ? b->results + b->errors + b->cancelled : b->accepted + b->errors;
    if (done >= b->total)
        uv_stop (b->loop);
}

//  Submits total jobs with a window; waits for results (or only for ACCEPTED).
static void
s_batch (const char *endpoint, s_batch_t *b)
{
    uv_loop_t loop;
    uv_loop_init (&loop);
    void *ctx = zmq_ctx_new ();
    b->loop = &loop;
    b->client = nq_client_new (&loop, ctx, endpoint);
    s_fill (b);
    uv_run (&loop, UV_RUN_DEFAULT);
    nq_client_close (b->client, NULL, NULL);
    uv_run (&loop, UV_RUN_DEFAULT);
    zmq_ctx_term (ctx);
    uv_loop_close (&loop);
}

//  ---- the broker's log ----------------------------------------------------

//  Reads the job_dispatched lines: up to max (tenant, class) pairs in order.
static int
s_dispatches (const char *log, int max, char tenants[][16], char classes[][16])
{
    FILE *f = fopen (log, "r");
    if (!f)
        return 0;
    char line[4096];
    int n = 0;
    while (n < max && fgets (line, sizeof line, f)) {
        if (!strstr (line, "\"event\":\"job_dispatched\""))
            continue;
        json_t *j = json_loads (line, 0, NULL);
        if (!j)
            continue;
        snprintf (tenants[n], 16, "%s", json_string_value (json_object_get (j, "tenant")));
        snprintf (classes[n], 16, "%s", json_string_value (json_object_get (j, "class")));
        json_decref (j);
        n++;
    }
    fclose (f);
    return n;
}

//  The admin snapshot, through the CLI as an operator would get it.
static json_t *
s_status (const char *endpoint)
{
    char cmd[1024];
    static char text[1 << 17];
    snprintf (cmd, sizeof cmd, "env -u NOVAQ_DATABASE_URL NOVAQ_FRONTEND=%s %s status --json 2>/dev/null", endpoint,
              s_bin);
    if (nq_h_run (cmd, text, sizeof text) != 0)
        return NULL;
    return json_loads (text, 0, NULL);
}

static int
s_cmp (const void *a, const void *b)
{
    const char *x = *(const char *const *) a, *y = *(const char *const *) b;
    return strcmp (x ? x : "", y ? y : "");
}

static long long
s_counter (json_t *status, const char *name)
{
    return (long long) json_integer_value (json_object_get (json_object_get (status, "counters"), name));
}

int
main (void)
{
    nq_tap_plan (13);
    snprintf (s_bin, sizeof s_bin, "%s/novaq", NQ_BUILDDIR);

    //  1. 10,000 jobs through 4 workers: each result exactly once.
    nq_it_broker_t main_b;
    s_broker_start (&main_b, "broker-main", NULL);
    pid_t w[4];
    for (int i = 0; i < 4; i++) {
        char name[16];
        snprintf (name, sizeof name, "w%d", i);
        w[i] = s_worker_start (&main_b, name, 4);
    }
    s_batch_t b = {.total = 10000, .window = 500, .tenant = "acme", .text = "work", .klass = NQ_CLASS_INTERACTIVE,
                   .wait_results = 1};
    b.ids = calloc (10000, sizeof *b.ids);
    s_batch (main_b.front, &b);
    int dups = 0;
    if (b.results == 10000) {
        //  Sorted ids: duplicates sit side by side.
        qsort (b.ids, 10000, sizeof *b.ids, s_cmp);
        for (int i = 1; i < 10000; i++)
            dups += b.ids[i] && b.ids[i - 1] && strcmp (b.ids[i], b.ids[i - 1]) == 0;
    }
    nq_tap_ok (b.results == 10000 && b.errors == 0 && dups == 0,
               "10,000 jobs through 4 echo workers: %d results, %d errors, %d duplicates", b.results, b.errors, dups);
    for (int i = 0; i < 10000; i++)
        free (b.ids[i]);
    free (b.ids);
    json_t *st = s_status (main_b.front);
    int spread = 0;
    json_t *workers = json_object_get (st, "workers");
    for (size_t i = 0; i < json_array_size (workers); i++)
        spread += json_integer_value (json_object_get (json_array_get (workers, i), "jobs_done")) > 0;
    nq_tap_ok (json_array_size (workers) == 4 && spread == 4, "all 4 workers took part");
    json_decref (st);

    //  2. Cancel of a running streaming job reaches the worker; the client hears cancelled.
    {
        uv_loop_t loop;
        uv_loop_init (&loop);
        void *ctx = zmq_ctx_new ();
        s_batch_t c = {.total = 1, .window = 1, .tenant = "acme", .text = "!stream=100000 !every=20 go",
                       .klass = NQ_CLASS_INTERACTIVE, .wait_results = 1};
        c.loop = &loop;
        c.client = nq_client_new (&loop, ctx, main_b.front);
        nq_job_t job;
        memset (&job, 0, sizeof job);
        job.kind = NQ_KIND_CHAT;
        job.model = "m";
        nq_chat_message_t msg = {NQ_ROLE_USER, c.text};
        job.payload.chat.messages = &msg;
        job.payload.chat.messages_count = 1;
        job.payload.chat.stream = true;
        nq_call_t *call = nq_client_submit (c.client, &job, 60000, &s_fn, &c);
        c.sent = c.in_flight = 1;
        long long end = nq_h_now_ms () + 20000;
        while (c.chunks < 5 && nq_h_now_ms () < end)
            uv_run (&loop, UV_RUN_ONCE);
        nq_client_cancel (c.client, nq_call_job_id (call), NULL, 30000, NULL, NULL);
        while (c.cancelled + c.results + c.errors == 0 && nq_h_now_ms () < end)
            uv_run (&loop, UV_RUN_ONCE);
        nq_tap_ok (c.cancelled == 1 && c.results == 0, "cancelling a running stream ends it with cancelled (%d chunks seen)",
                   c.chunks);
        nq_client_close (c.client, NULL, NULL);
        uv_run (&loop, UV_RUN_DEFAULT);
        zmq_ctx_term (ctx);
        uv_loop_close (&loop);
        int seen = 0;
        for (int i = 0; i < 4 && !seen; i++) {
            char log[512], file[32];
            snprintf (file, sizeof file, "w%d.log", i);
            nq_h_path (log, sizeof log, file);
            seen = nq_h_wait_file_contains (log, "\"event\":\"job_cancelled\"", i == 0 ? 5000 : 10) == 0;
        }
        nq_tap_ok (seen, "the worker running it stopped the job (job_cancelled in its log)");
    }

    //  3. Accounting: every accepted job reached a terminal state.
    st = s_status (main_b.front);
    long long accepted = s_counter (st, "accepted");
    long long terminal = s_counter (st, "succeeded") + s_counter (st, "failed") + s_counter (st, "cancelled")
                         + s_counter (st, "expired") + s_counter (st, "dead");
    json_t *broker = json_object_get (st, "broker");
    nq_tap_ok (accepted == 10001 && terminal == accepted && json_integer_value (json_object_get (broker, "queued")) == 0
                   && json_integer_value (json_object_get (broker, "running")) == 0,
               "accounting: %lld accepted, %lld terminal, none queued or running", accepted, terminal);
    json_decref (st);
    for (int i = 0; i < 4; i++)
        nq_h_kill (w[i], SIGTERM);
    int clean = 0;
    for (int i = 0; i < 4; i++) {
        int status = -1;
        clean += nq_h_wait_exit (w[i], 35000, &status) == 0 && WIFEXITED (status) && WEXITSTATUS (status) == 0;
    }
    nq_tap_ok (clean == 4, "SIGTERM: every worker drained and exited 0");
    nq_h_kill (main_b.pid, SIGTERM);
    nq_h_wait_exit (main_b.pid, 10000, NULL);

    //  4. Fairness: A queues 10,000, then B one; B is among the next two dispatches.
    nq_it_broker_t fair;
    s_broker_start (&fair, "broker-fair", NULL);
    s_batch_t a = {.total = 10000, .window = 1000, .tenant = "A", .text = "a", .klass = NQ_CLASS_INTERACTIVE};
    s_batch (fair.front, &a);
    s_batch_t bb = {.total = 1, .window = 1, .tenant = "B", .text = "b", .klass = NQ_CLASS_INTERACTIVE};
    s_batch (fair.front, &bb);
    nq_tap_ok (a.accepted == 10000 && bb.accepted == 1, "A's 10,000 jobs and B's one are queued");
    pid_t wf = s_worker_start (&fair, "wfair", 1);
    static char tenants[1000][16], classes[1000][16];
    int n = 0;
    long long end = nq_h_now_ms () + 30000;
    while (n < 3 && nq_h_now_ms () < end) {
        n = s_dispatches (fair.log, 3, tenants, classes);
        if (n < 3)
            nq_h_run ("sleep 0.05", NULL, 0);
    }
    int b_at = 0;
    for (int i = 0; i < n && !b_at; i++)
        if (strcmp (tenants[i], "B") == 0)
            b_at = i + 1;
    nq_tap_ok (b_at >= 1 && b_at <= 2, "B's job is dispatch decision %d of the broker's log (within the next 2)", b_at);
    nq_h_kill (wf, SIGKILL);
    nq_h_kill (fair.pid, SIGKILL);

    //  5. Class shares: all three backlogged, 1,000 dispatches split 70/20/10 ±5 %.
    nq_it_broker_t shares;
    s_broker_start (&shares, "broker-shares", NULL);
    s_batch_t ci = {.total = 1000, .window = 1000, .tenant = "t", .text = "i", .klass = NQ_CLASS_INTERACTIVE};
    s_batch_t cs = {.total = 400, .window = 400, .tenant = "t", .text = "s", .klass = NQ_CLASS_STANDARD};
    s_batch_t cb = {.total = 300, .window = 300, .tenant = "t", .text = "b", .klass = NQ_CLASS_BULK};
    s_batch (shares.front, &ci);
    s_batch (shares.front, &cs);
    s_batch (shares.front, &cb);
    pid_t ws = s_worker_start (&shares, "wshares", 1);
    n = 0;
    end = nq_h_now_ms () + 60000;
    while (n < 1000 && nq_h_now_ms () < end) {
        n = s_dispatches (shares.log, 1000, tenants, classes);
        if (n < 1000)
            nq_h_run ("sleep 0.1", NULL, 0);
    }
    int ni = 0, ns = 0, nb = 0;
    for (int i = 0; i < n; i++) {
        ni += strcmp (classes[i], "interactive") == 0;
        ns += strcmp (classes[i], "standard") == 0;
        nb += strcmp (classes[i], "bulk") == 0;
    }
    nq_tap_ok (n == 1000 && abs (ni - 700) <= 35 && abs (ns - 200) <= 10 && abs (nb - 100) <= 5,
               "1,000 dispatches with all classes backlogged: %d interactive, %d standard, %d bulk", ni, ns, nb);
    nq_h_kill (ws, SIGKILL);
    nq_h_kill (shares.pid, SIGKILL);

    //  6. SIGKILL a worker holding leases: dead after liveness × interval; its jobs finish elsewhere.
    nq_it_broker_t kill_b;
    s_broker_start (&kill_b, "broker-kill", NULL);
    pid_t victim = s_worker_start (&kill_b, "victim", 4);
    nq_h_wait_file_contains (kill_b.log, "\"event\":\"worker_credit\"", 10000);
    {
        uv_loop_t loop;
        uv_loop_init (&loop);
        void *ctx = zmq_ctx_new ();
        s_batch_t k = {.total = 4, .window = 4, .tenant = "t", .text = "!sleep=1500 slow", .klass = NQ_CLASS_INTERACTIVE,
                       .wait_results = 1};
        k.loop = &loop;
        k.client = nq_client_new (&loop, ctx, kill_b.front);
        s_fill (&k);
        //  Wait until the victim holds all four, then a second worker joins and the victim dies.
        end = nq_h_now_ms () + 20000;
        int held = 0;
        while (!held && nq_h_now_ms () < end) {
            uv_run (&loop, UV_RUN_NOWAIT);
            char tn[8][16], cl[8][16];
            held = s_dispatches (kill_b.log, 4, tn, cl) == 4;
        }
        pid_t rescuer = s_worker_start (&kill_b, "rescuer", 4);
        nq_h_wait_file_contains (kill_b.log, "\"event\":\"worker_ready\"", 10000);
        kill (victim, SIGKILL);
        nq_h_wait_exit (victim, 5000, NULL);
        uv_run (&loop, UV_RUN_DEFAULT);
        nq_tap_ok (held && k.results == 4 && k.errors == 0, "the killed worker's 4 jobs completed on another worker (%d results)",
                   k.results);
        nq_client_close (k.client, NULL, NULL);
        uv_run (&loop, UV_RUN_DEFAULT);
        zmq_ctx_term (ctx);
        uv_loop_close (&loop);
        nq_h_kill (rescuer, SIGKILL);
    }
    double silence = -1;
    FILE *f = fopen (kill_b.log, "r");
    char line[4096];
    while (f && fgets (line, sizeof line, f))
        if (strstr (line, "\"event\":\"worker_dead\"") && strstr (line, "\"reason\":\"heartbeat\"")) {
            json_t *j = json_loads (line, 0, NULL);
            silence = json_number_value (json_object_get (j, "silence_heartbeats"));
            json_decref (j);
        }
    if (f)
        fclose (f);
    //  Declared dead once silent for liveness (3) intervals: never sooner,
    //  and at most one interval later (the last heartbeat before the kill).
    nq_tap_ok (silence >= 3.0 && silence < 4.0, "the broker declared it dead after %.2f heartbeat intervals (liveness 3)",
               silence);
    nq_h_kill (kill_b.pid, SIGKILL);

    //  7. SIGTERM a worker mid-run: it drains, hands back what it still
    //     runs when its drain time is up, and the jobs complete elsewhere
    //     without a failed attempt.
    nq_it_broker_t term_b;
    s_broker_start (&term_b, "broker-term", NULL);
    char be[96], tlog[512];
    snprintf (be, sizeof be, "NOVAQ_BACKEND=%s", term_b.back);
    nq_h_path (tlog, sizeof tlog, "leaver.log");
    char *largv[] = {"env", be, "NOVAQ_LOG_FORMAT=json", "NOVAQ_HEARTBEAT=200ms", s_bin, "worker", "--echo", "--slots",
                     "4", "--worker-id", "leaver", "--drain-timeout", "300ms", NULL};
    pid_t leaver = nq_h_spawn (largv, tlog);
    nq_h_wait_file_contains (term_b.log, "\"event\":\"worker_credit\"", 10000);
    {
        uv_loop_t loop;
        uv_loop_init (&loop);
        void *ctx = zmq_ctx_new ();
        s_batch_t t = {.total = 4, .window = 4, .tenant = "t", .text = "!sleep=2000 long", .klass = NQ_CLASS_INTERACTIVE,
                       .wait_results = 1};
        t.loop = &loop;
        t.client = nq_client_new (&loop, ctx, term_b.front);
        s_fill (&t);
        end = nq_h_now_ms () + 20000;
        int held = 0;
        while (!held && nq_h_now_ms () < end) {
            uv_run (&loop, UV_RUN_NOWAIT);
            char tn[8][16], cl[8][16];
            held = s_dispatches (term_b.log, 4, tn, cl) == 4;
        }
        pid_t stayer = s_worker_start (&term_b, "stayer", 4);
        nq_h_wait_file_contains (term_b.log, "\"name\":\"stayer\"", 10000);
        kill (leaver, SIGTERM);
        int status = -1;
        int exited = nq_h_wait_exit (leaver, 10000, &status) == 0 && WIFEXITED (status) && WEXITSTATUS (status) == 0;
        uv_run (&loop, UV_RUN_DEFAULT);
        nq_tap_ok (held && exited && t.results == 4 && t.errors == 0,
                   "a SIGTERMed worker exits 0 and its 4 jobs complete on another worker (%d results)", t.results);
        nq_client_close (t.client, NULL, NULL);
        uv_run (&loop, UV_RUN_DEFAULT);
        zmq_ctx_term (ctx);
        uv_loop_close (&loop);
        nq_h_kill (stayer, SIGKILL);
    }
    st = s_status (term_b.front);
    nq_tap_ok (st && s_counter (st, "succeeded") == 4 && s_counter (st, "retries") == 0 && s_counter (st, "requeued") == 4
                   && s_counter (st, "workers_dead") == 0,
               "the leases were handed back (4 requeued, 0 retries, no worker declared dead)");
    json_decref (st);
    nq_h_kill (term_b.pid, SIGKILL);
    return nq_tap_done ();
}
