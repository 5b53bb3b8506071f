/*  fleet_bench.c — a mixed workload against a novaq broker, for
    bench/fleet-bench (docs/performance.md, "Fleet").

    On one libuv loop through libnovaq's asynchronous API it runs, for a
    fixed wall-clock duration:
    - interactive chat: USERS closed-loop users, each submitting a streamed
      chat (class interactive) to a model drawn with the given weights,
      waiting for its result, thinking, and submitting the next; the time
      from submission to the first CHUNK is its time to first token (TTFT);
    - reflections: REFLECTORS closed-loop submitters of reflect jobs (class
      standard);
    - a bulk embedding backlog: EMBED_JOBS embed jobs of EMBED_INPUTS inputs
      each (class bulk), all submitted at the start.
    Only jobs that end within the duration count. At the end it prints one
    line of key=value pairs: completions per kind, errors, completed jobs
    per minute, TTFT p50/p99 over all chats and per chat model.

    Usage: fleet_bench --endpoint EP --duration-s N --users U
                       --chat MODEL=WEIGHT [--chat …] [--think-ms MS]
                       [--prompt-bytes N] [--reflectors R --reflect-model M]
                       [--embed-model M --embed-jobs N --embed-inputs K
                        --embed-bytes B] [--seed S] [--label TEXT] */
#include "common/errors.h"
#include "common/rng.h"
#include "novaq.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>
#include <zmq.h>

#define S_MAX_MODELS 8

typedef struct s_bench_t s_bench_t;

typedef struct {
    s_bench_t *bench;
    int index;
    nq_kind_t kind;          //  chat or reflect
    int model;               //  chat: index into the chat models
    uint64_t submitted_ns;
    int first_seen;
    uv_timer_t think;
    uint64_t requests;
} s_user_t;

typedef struct {
    double *v;
    size_t n, cap;
} s_samples_t;

struct s_bench_t {
    uv_loop_t *loop;
    nq_client_t *client;
    //  Options.
    const char *endpoint, *label;
    double duration_s;
    int users, reflectors;
    uint64_t think_ms;
    size_t prompt_bytes;
    const char *chat_model[S_MAX_MODELS];
    double chat_weight[S_MAX_MODELS];
    int nchat;
    const char *reflect_model, *embed_model;
    int embed_jobs, embed_inputs;
    size_t embed_bytes;
    uint64_t seed;
    //  State.
    nq_rng_t rng;
    s_user_t *user;    //  users, then reflectors
    uv_timer_t end;
    uint64_t t0_ns;
    int stopping;
    char *filler;      //  prompt and input text
    //  Counts (within the duration).
    uint64_t done[NQ_KIND_REFLECT + 1];
    uint64_t errors[NQ_KIND_REFLECT + 1];
    uint64_t restarts;
    s_samples_t ttft, ttft_model[S_MAX_MODELS];
    int error_lines;
};

static void s_user_submit (s_user_t *u);

static uint64_t
s_now_ns (void)
{
    return uv_hrtime ();
}

static void
s_sample (s_samples_t *s, double v)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->v = realloc (s->v, s->cap * sizeof *s->v);
        if (!s->v) {
            fprintf (stderr, "fleet_bench: out of memory\n");
            exit (1);
        }
    }
    s->v[s->n++] = v;
}

static int
s_cmp (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

//  Nearest-rank percentile (p in 0..100) of the samples; NAN when none.
static double
s_pct (s_samples_t *s, double p)
{
    if (s->n == 0)
        return NAN;
    qsort (s->v, s->n, sizeof *s->v, s_cmp);
    size_t rank = (size_t) ceil (p / 100.0 * (double) s->n);
    return s->v[rank ? rank - 1 : 0];
}

static void
s_error_line (s_bench_t *b, const char *what, int code, const char *message)
{
    if (b->error_lines++ < 10)
        fprintf (stderr, "fleet_bench: %s failed: %s: %s\n", what, nq_error_wire (code), message ? message : "");
}

//  ---- chat and reflect users (closed loop) -------------------------------

static void
s_think_done (uv_timer_t *timer)
{
    s_user_submit (timer->data);
}

//  The user's request ended: count it and think before the next one.
static void
s_user_next (s_user_t *u)
{
    s_bench_t *b = u->bench;
    if (b->stopping)
        return;
    uint64_t delay = 0;
    if (b->think_ms && u->kind == NQ_KIND_CHAT)    //  exponential think time, mean think_ms
        delay = (uint64_t) (-log (1.0 - nq_rng_uniform (&b->rng)) * (double) b->think_ms);
    uv_timer_start (&u->think, s_think_done, delay, 0);
}

static void
s_user_chunk (void *arg, nq_call_t *call, const nq_chunk_t *chunk)
{
    (void) call;
    s_user_t *u = arg;
    s_bench_t *b = u->bench;
    if (chunk->restart)
        b->restarts++;
    if (u->kind != NQ_KIND_CHAT || u->first_seen || b->stopping)
        return;
    u->first_seen = 1;
    double ms = (double) (s_now_ns () - u->submitted_ns) / 1e6;
    s_sample (&b->ttft, ms);
    s_sample (&b->ttft_model[u->model], ms);
}

static void
s_user_result (void *arg, nq_call_t *call, const nq_result_t *result)
{
    (void) call, (void) result;
    s_user_t *u = arg;
    if (!u->bench->stopping)
        u->bench->done[u->kind]++;
    s_user_next (u);
}

static void
s_user_error (void *arg, nq_call_t *call, int code, const char *message, uint64_t retry_after_ms)
{
    (void) call, (void) retry_after_ms;
    s_user_t *u = arg;
    if (u->bench->stopping)
        return;
    u->bench->errors[u->kind]++;
    s_error_line (u->bench, nq_kind_name (u->kind), code, message);
    s_user_next (u);
}

static const nq_call_fn_t s_user_fn = {NULL, s_user_chunk, s_user_result, s_user_error, NULL};

static int
s_pick_model (s_bench_t *b)
{
    double total = 0;
    for (int i = 0; i < b->nchat; i++)
        total += b->chat_weight[i];
    double x = nq_rng_uniform (&b->rng) * total;
    for (int i = 0; i < b->nchat; i++) {
        if (x < b->chat_weight[i])
            return i;
        x -= b->chat_weight[i];
    }
    return b->nchat - 1;
}

static void
s_user_submit (s_user_t *u)
{
    s_bench_t *b = u->bench;
    if (b->stopping)
        return;
    char user[32], text[64];
    snprintf (user, sizeof user, "u%d", u->index);
    //  A different question each time: the simulator's reply length and
    //  words depend on the prompt.
    snprintf (text, sizeof text, "%s question %llu: ", user, (unsigned long long) ++u->requests);
    size_t tlen = strlen (text);
    char *prompt = malloc (tlen + b->prompt_bytes + 1);
    if (!prompt) {
        fprintf (stderr, "fleet_bench: out of memory\n");
        exit (1);
    }
    memcpy (prompt, text, tlen);
    memcpy (prompt + tlen, b->filler, b->prompt_bytes);
    prompt[tlen + b->prompt_bytes] = '\0';

    nq_job_t job;
    memset (&job, 0, sizeof job);
    job.kind = u->kind;
    job.tenant = "app";
    job.user = user;
    nq_chat_message_t msg = {NQ_ROLE_USER, prompt};
    if (u->kind == NQ_KIND_CHAT) {
        u->model = s_pick_model (b);
        job.class_ = NQ_CLASS_INTERACTIVE;
        job.model = b->chat_model[u->model];
        job.payload.chat.messages = &msg;
        job.payload.chat.messages_count = 1;
        job.payload.chat.stream = true;
    }
    else {
        job.class_ = NQ_CLASS_STANDARD;
        job.model = b->reflect_model;
        job.payload.reflect.session = user;
        job.payload.reflect.input = text;
        job.payload.reflect.output = prompt;
    }
    u->first_seen = 0;
    u->submitted_ns = s_now_ns ();
    uint64_t timeout_ms = (uint64_t) (b->duration_s * 1000) + 60000;
    if (!nq_client_submit (b->client, &job, timeout_ms, &s_user_fn, u)) {
        fprintf (stderr, "fleet_bench: cannot submit a %s job\n", nq_kind_name (u->kind));
        exit (1);
    }
    free (prompt);
}

//  ---- the embedding backlog ----------------------------------------------

static void
s_embed_result (void *arg, nq_call_t *call, const nq_result_t *result)
{
    (void) call, (void) result;
    s_bench_t *b = arg;
    if (!b->stopping)
        b->done[NQ_KIND_EMBED]++;
}

static void
s_embed_error (void *arg, nq_call_t *call, int code, const char *message, uint64_t retry_after_ms)
{
    (void) call, (void) retry_after_ms;
    s_bench_t *b = arg;
    if (b->stopping)
        return;
    b->errors[NQ_KIND_EMBED]++;
    s_error_line (b, "embed", code, message);
}

static const nq_call_fn_t s_embed_fn = {NULL, NULL, s_embed_result, s_embed_error, NULL};

static void
s_submit_backlog (s_bench_t *b)
{
    size_t n = (size_t) b->embed_inputs;
    const char **inputs = calloc (n, sizeof *inputs);
    char **texts = calloc (n, sizeof *texts);
    if (!inputs || !texts) {
        fprintf (stderr, "fleet_bench: out of memory\n");
        exit (1);
    }
    for (size_t i = 0; i < n; i++) {
        texts[i] = malloc (b->embed_bytes + 48);
        if (!texts[i]) {
            fprintf (stderr, "fleet_bench: out of memory\n");
            exit (1);
        }
        inputs[i] = texts[i];
    }
    uint64_t timeout_ms = (uint64_t) (b->duration_s * 1000) + 60000;
    for (int j = 0; j < b->embed_jobs; j++) {
        for (size_t i = 0; i < n; i++) {
            int len = snprintf (texts[i], 48, "document %d passage %zu: ", j, i);
            memcpy (texts[i] + len, b->filler, b->embed_bytes);
            texts[i][(size_t) len + b->embed_bytes] = '\0';
        }
        nq_job_t job;
        memset (&job, 0, sizeof job);
        job.kind = NQ_KIND_EMBED;
        job.tenant = "batch";
        job.class_ = NQ_CLASS_BULK;
        job.model = b->embed_model;
        job.payload.embed.inputs = inputs;
        job.payload.embed.inputs_count = n;
        if (!nq_client_submit (b->client, &job, timeout_ms, &s_embed_fn, b)) {
            fprintf (stderr, "fleet_bench: cannot submit an embed job\n");
            exit (1);
        }
    }
    for (size_t i = 0; i < n; i++)
        free (texts[i]);
    free (texts);
    free (inputs);
}

//  ---- the end --------------------------------------------------------------

static void
s_print (s_bench_t *b, double elapsed_s)
{
    uint64_t total = b->done[NQ_KIND_CHAT] + b->done[NQ_KIND_EMBED] + b->done[NQ_KIND_REFLECT];
    uint64_t errors = b->errors[NQ_KIND_CHAT] + b->errors[NQ_KIND_EMBED] + b->errors[NQ_KIND_REFLECT];
    printf ("label=%s duration_s=%.1f chat_done=%llu reflect_done=%llu embed_done=%llu errors=%llu restarts=%llu "
            "jobs_per_min=%.1f chat_per_min=%.1f ttft_n=%zu ttft_p50_ms=%.0f ttft_p99_ms=%.0f",
            b->label, elapsed_s, (unsigned long long) b->done[NQ_KIND_CHAT],
            (unsigned long long) b->done[NQ_KIND_REFLECT], (unsigned long long) b->done[NQ_KIND_EMBED],
            (unsigned long long) errors, (unsigned long long) b->restarts, (double) total * 60.0 / elapsed_s,
            (double) b->done[NQ_KIND_CHAT] * 60.0 / elapsed_s, b->ttft.n, s_pct (&b->ttft, 50), s_pct (&b->ttft, 99));
    for (int i = 0; i < b->nchat; i++)
        printf (" ttft_p50_ms[%s]=%.0f ttft_p99_ms[%s]=%.0f n[%s]=%zu", b->chat_model[i],
                s_pct (&b->ttft_model[i], 50), b->chat_model[i], s_pct (&b->ttft_model[i], 99), b->chat_model[i],
                b->ttft_model[i].n);
    printf ("\n");
    fflush (stdout);
}

static void
s_handle_closed (uv_handle_t *handle)
{
    (void) handle;
}

static void
s_client_closed (void *arg)
{
    (void) arg;
}

static void
s_end (uv_timer_t *timer)
{
    s_bench_t *b = timer->data;
    double elapsed = (double) (s_now_ns () - b->t0_ns) / 1e9;
    s_print (b, elapsed);
    b->stopping = 1;
    //  Jobs still running are left to the broker; the calls end here.
    nq_client_close (b->client, s_client_closed, b);
    for (int i = 0; i < b->users + b->reflectors; i++)
        uv_close ((uv_handle_t *) &b->user[i].think, s_handle_closed);
    uv_close ((uv_handle_t *) &b->end, s_handle_closed);
}

//  ---- options --------------------------------------------------------------

static void
s_usage (void)
{
    fprintf (stderr, "usage: fleet_bench --endpoint EP --duration-s N --users U --chat MODEL=WEIGHT [--chat …]\n"
                     "       [--think-ms MS] [--prompt-bytes N] [--reflectors R --reflect-model M]\n"
                     "       [--embed-model M --embed-jobs N --embed-inputs K --embed-bytes B] [--seed S] [--label T]\n");
    exit (2);
}

static double
s_number (const char *opt, const char *text, double lo, double hi)
{
    char *end;
    double v = strtod (text, &end);
    if (end == text || *end || !(v >= lo && v <= hi)) {
        fprintf (stderr, "fleet_bench: %s: '%s' is not a number from %g to %g\n", opt, text, lo, hi);
        exit (2);
    }
    return v;
}

static void
s_options (s_bench_t *b, int argc, char **argv)
{
    static const struct option opts[] = {
        {"endpoint", required_argument, NULL, 'e'},     {"duration-s", required_argument, NULL, 'd'},
        {"users", required_argument, NULL, 'u'},        {"chat", required_argument, NULL, 'c'},
        {"think-ms", required_argument, NULL, 't'},     {"prompt-bytes", required_argument, NULL, 'p'},
        {"reflectors", required_argument, NULL, 'r'},   {"reflect-model", required_argument, NULL, 'R'},
        {"embed-model", required_argument, NULL, 'E'},  {"embed-jobs", required_argument, NULL, 'j'},
        {"embed-inputs", required_argument, NULL, 'i'}, {"embed-bytes", required_argument, NULL, 'b'},
        {"seed", required_argument, NULL, 's'},         {"label", required_argument, NULL, 'l'},
        {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long (argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'e':
            b->endpoint = optarg;
            break;
        case 'd':
            b->duration_s = s_number ("--duration-s", optarg, 1, 86400);
            break;
        case 'u':
            b->users = (int) s_number ("--users", optarg, 0, 10000);
            break;
        case 'c': {
            char *eq = strrchr (optarg, '=');
            if (!eq || eq == optarg || b->nchat == S_MAX_MODELS) {
                fprintf (stderr, "fleet_bench: --chat: '%s' is not MODEL=WEIGHT (at most %d models)\n", optarg,
                         S_MAX_MODELS);
                exit (2);
            }
            *eq = '\0';
            b->chat_model[b->nchat] = optarg;
            b->chat_weight[b->nchat++] = s_number ("--chat weight", eq + 1, 0.001, 1e6);
            break;
        }
        case 't':
            b->think_ms = (uint64_t) s_number ("--think-ms", optarg, 0, 3600000);
            break;
        case 'p':
            b->prompt_bytes = (size_t) s_number ("--prompt-bytes", optarg, 0, 65536);
            break;
        case 'r':
            b->reflectors = (int) s_number ("--reflectors", optarg, 0, 10000);
            break;
        case 'R':
            b->reflect_model = optarg;
            break;
        case 'E':
            b->embed_model = optarg;
            break;
        case 'j':
            b->embed_jobs = (int) s_number ("--embed-jobs", optarg, 0, 1000000);
            break;
        case 'i':
            b->embed_inputs = (int) s_number ("--embed-inputs", optarg, 1, 4096);
            break;
        case 'b':
            b->embed_bytes = (size_t) s_number ("--embed-bytes", optarg, 1, 65536);
            break;
        case 's':
            b->seed = (uint64_t) s_number ("--seed", optarg, 0, 1e15);
            break;
        case 'l':
            b->label = optarg;
            break;
        default:
            s_usage ();
        }
    }
    if (optind != argc || !b->endpoint || b->duration_s <= 0 || (b->users > 0 && b->nchat == 0)
        || (b->reflectors > 0 && !b->reflect_model) || (b->embed_jobs > 0 && !b->embed_model))
        s_usage ();
}

int
main (int argc, char **argv)
{
    s_bench_t b;
    memset (&b, 0, sizeof b);
    b.think_ms = 0;
    b.prompt_bytes = 400;
    b.embed_inputs = 16;
    b.embed_bytes = 1000;
    b.seed = 1;
    b.label = "run";
    s_options (&b, argc, argv);
    nq_rng_seed (&b.rng, b.seed);

    size_t fill = b.prompt_bytes > b.embed_bytes ? b.prompt_bytes : b.embed_bytes;
    b.filler = malloc (fill + 1);
    static const char words[] = "the quick brown fox jumps over the lazy dog and keeps running across the field ";
    for (size_t i = 0; i < fill; i++)
        b.filler[i] = words[i % (sizeof words - 1)];
    b.filler[fill] = '\0';

    uv_loop_t loop;
    uv_loop_init (&loop);
    b.loop = &loop;
    void *ctx = zmq_ctx_new ();
    b.client = nq_client_new (&loop, ctx, b.endpoint);
    if (!b.client) {
        fprintf (stderr, "fleet_bench: cannot connect to %s\n", b.endpoint);
        return 1;
    }
    int n = b.users + b.reflectors;
    b.user = calloc ((size_t) (n ? n : 1), sizeof *b.user);
    b.t0_ns = s_now_ns ();
    if (b.embed_jobs > 0)
        s_submit_backlog (&b);
    for (int i = 0; i < n; i++) {
        s_user_t *u = &b.user[i];
        u->bench = &b;
        u->index = i;
        u->kind = i < b.users ? NQ_KIND_CHAT : NQ_KIND_REFLECT;
        uv_timer_init (&loop, &u->think);
        u->think.data = u;
        s_user_submit (u);
    }
    uv_timer_init (&loop, &b.end);
    b.end.data = &b;
    uv_timer_start (&b.end, s_end, (uint64_t) (b.duration_s * 1000), 0);
    uv_run (&loop, UV_RUN_DEFAULT);
    zmq_ctx_term (ctx);
    int rc = uv_loop_close (&loop);
    free (b.user);
    free (b.filler);
    free (b.ttft.v);
    for (int i = 0; i < b.nchat; i++)
        free (b.ttft_model[i].v);
    return rc == 0 ? 0 : 1;
}
