/*  cmd_submit.c — `novaq submit chat|embed|reflect`: submit one job, stream
    its output, print its result (or its id with --no-wait). */
#include "client/cli.h"

#include "client/cli_common.h"
#include "common/app.h"
#include "common/errors.h"
#include "common/exitcodes.h"
#include "novaq.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#define S_STDIN_MAX (16u << 20)
#define S_MAX_INPUTS 8192

typedef struct {
    int json, no_wait, done, exit_code;
    int printed;    //  chunks were written to stdout
    nq_kind_t kind;
} s_run_t;

static void
s_usage (FILE *out)
{
    fprintf (out,
             "Usage: novaq submit chat --model M [options] [TEXT...]\n"
             "       novaq submit embed --model M [options] [TEXT...]\n"
             "       novaq submit reflect --input TEXT --output TEXT [--model M] [options]\n"
             "\n"
             "Submits one job to the broker (NOVAQ_FRONTEND), streams its output and prints\n"
             "its result. Chat takes the prompt from TEXT or stdin; embed takes one input per\n"
             "TEXT or per stdin line.\n"
             "\n"
             "Options:\n"
             "  --model M             model (reflect: default mistral:instruct)\n"
             "  --system TEXT         a system message before the prompt (chat)\n"
             "  --user U              the user the job acts for\n"
             "  --tenant T            the tenant (default: the broker's)\n"
             "  --class C             interactive, standard or bulk\n"
             "  --session S           session id (chat, reflect)\n"
             "  --reflect             queue a reflection on the answer once it succeeds (chat)\n"
             "  --restart             a failure after output may start over (a restart chunk first)\n"
             "  --idempotency-key K   a repeated submission with K joins the first job\n"
             "  --max-attempts N      attempts before the job is dead-lettered\n"
             "  --timeout DUR         give up waiting after DUR (default 10m)\n"
             "  --no-stream           do not stream chunks (chat)\n"
             "  --no-wait             print the job id once accepted and exit\n"
             "  --json                print the result as one JSON object\n"
             "  --config FILE         configuration file\n"
             "\n"
             "Exit status: 0 done, 1 failed, 2 usage, 3 rejected, 4 timed out, 5 cancelled.\n");
}

static char *
s_read_stdin (void)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc (cap);
    size_t n;
    while (buf && (n = fread (buf + len, 1, cap - len - 1, stdin)) > 0) {
        len += n;
        if (len > S_STDIN_MAX) {
            fprintf (stderr, "novaq submit: stdin is larger than 16 MiB\n");
            free (buf);
            return NULL;
        }
        if (cap - len - 1 == 0) {
            char *grown = realloc (buf, cap * 2);
            if (!grown) {
                free (buf);
                return NULL;
            }
            buf = grown;
            cap *= 2;
        }
    }
    if (buf)
        buf[len] = '\0';
    return buf;
}

static void
s_accepted (void *arg, nq_call_t *call, const char *job_id, bool duplicate)
{
    s_run_t *run = arg;
    if (run->no_wait) {
        if (run->json)
            printf ("{\"job_id\": \"%s\", \"status\": \"accepted\", \"duplicate\": %s}\n", job_id,
                    duplicate ? "true" : "false");
        else
            printf ("%s\n", job_id);
        fflush (stdout);
        nq_call_abandon (call);
        run->done = 1;
        return;
    }
    fprintf (stderr, "novaq: job %s accepted%s\n", job_id, duplicate ? " (an earlier job with this key)" : "");
}

static void
s_chunk (void *arg, nq_call_t *call, const nq_chunk_t *chunk)
{
    s_run_t *run = arg;
    (void) call;
    if (run->json)
        return;
    if (chunk->restart) {
        fprintf (stderr, "\nnovaq: the job started over; its output so far is void\n");
        if (run->printed)
            fputc ('\n', stdout);
    }
    if (chunk->text) {
        fputs (chunk->text, stdout);
        fflush (stdout);
        run->printed = 1;
    }
}

static void
s_result (void *arg, nq_call_t *call, const nq_result_t *r)
{
    s_run_t *run = arg;
    (void) call;
    run->done = 1;
    run->exit_code = NQ_EXIT_OK;
    if (run->json) {
        json_t *o = nq_cli_result_json (r);
        char *text = json_dumps (o, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
        puts (text ? text : "{}");
        free (text);
        json_decref (o);
        return;
    }
    if (r->kind == NQ_KIND_CHAT) {
        if (!run->printed && r->body.chat.text)
            fputs (r->body.chat.text, stdout);
        fputc ('\n', stdout);
        fflush (stdout);    //  the answer before the summary, even through a pipe
        fprintf (stderr, "novaq: done (%s; %llu prompt + %llu generated tokens; model %s on %s)\n",
                 r->body.chat.done_reason ? r->body.chat.done_reason : "stop",
                 (unsigned long long) r->body.chat.prompt_eval_count, (unsigned long long) r->body.chat.eval_count,
                 r->model_used ? r->model_used : "?", r->instance ? r->instance : "?");
    }
    else if (r->kind == NQ_KIND_EMBED) {
        const nq_embed_result_t *e = &r->body.embed;
        for (uint32_t i = 0; e->vectors && i < e->count; i++) {
            fputc ('[', stdout);
            for (uint32_t d = 0; d < e->dimensions; d++)
                printf ("%s%.7g", d ? ", " : "", (double) e->vectors[(size_t) i * e->dimensions + d]);
            fputs ("]\n", stdout);
        }
        fprintf (stderr, "novaq: %u vectors of %u dimensions\n", e->count, e->dimensions);
    }
    else {
        const nq_reflect_result_t *f = &r->body.reflect;
        printf ("attempted: %s\naligned: %s (score %.2f)\nimprove: %s\n", f->attempted ? f->attempted : "",
                f->aligned ? "yes" : "no", f->alignment_score, f->improvement_notes ? f->improvement_notes : "");
    }
}

static void
s_error (void *arg, nq_call_t *call, int code, const char *message, uint64_t retry_after_ms)
{
    s_run_t *run = arg;
    (void) call;
    run->done = 1;
    run->exit_code = nq_cli_exit_for (code);
    if (run->printed)
        fputc ('\n', stdout);
    if (retry_after_ms)
        fprintf (stderr, "novaq: %s: %s (retry after %llu ms)\n", nq_error_wire (code), message ? message : "",
                 (unsigned long long) retry_after_ms);
    else
        fprintf (stderr, "novaq: %s: %s\n", nq_error_wire (code), message ? message : "");
}

int
nq_cmd_submit (int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, NULL, 'm'},   {"system", required_argument, NULL, 's'},
        {"user", required_argument, NULL, 'u'},    {"tenant", required_argument, NULL, 't'},
        {"class", required_argument, NULL, 'C'},   {"session", required_argument, NULL, 'S'},
        {"idempotency-key", required_argument, NULL, 'k'}, {"max-attempts", required_argument, NULL, 'a'},
        {"timeout", required_argument, NULL, 'T'}, {"no-stream", no_argument, NULL, 'n'},
        {"no-wait", no_argument, NULL, 'w'},       {"json", no_argument, NULL, 'j'},
        {"input", required_argument, NULL, 'i'},   {"output", required_argument, NULL, 'o'},
        {"reflect", no_argument, NULL, 'r'},
        {"restart", no_argument, NULL, 'R'},
        {"config", required_argument, NULL, 'c'},  {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0) {
        s_usage (argc < 2 ? stderr : stdout);
        return argc < 2 ? NQ_EXIT_USAGE : NQ_EXIT_OK;
    }
    int kind = strcmp (argv[1], "chat") == 0      ? NQ_KIND_CHAT
               : strcmp (argv[1], "embed") == 0   ? NQ_KIND_EMBED
               : strcmp (argv[1], "reflect") == 0 ? NQ_KIND_REFLECT
                                                  : NQ_KIND_NONE;
    if (kind == NQ_KIND_NONE) {
        fprintf (stderr, "novaq submit: unknown kind '%s' (chat, embed or reflect)\n", argv[1]);
        return NQ_EXIT_USAGE;
    }
    const char *model = NULL, *system = NULL, *user = NULL, *tenant = NULL, *session = NULL, *key = NULL;
    const char *input = NULL, *output = NULL, *file = NULL;
    int klass = NQ_CLASS_NONE, stream = 1, reflect = 0, restart = 0;
    uint32_t max_attempts = 0;
    uint64_t timeout_ms = 600000;
    s_run_t run = {0};
    run.kind = (nq_kind_t) kind;
    int c;
    optind = 1;
    while ((c = getopt_long (argc - 1, argv + 1, "m:s:u:t:C:S:k:a:T:nwji:o:rc:h", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 's': system = optarg; break;
        case 'u': user = optarg; break;
        case 't': tenant = optarg; break;
        case 'S': session = optarg; break;
        case 'k': key = optarg; break;
        case 'i': input = optarg; break;
        case 'o': output = optarg; break;
        case 'c': file = optarg; break;
        case 'n': stream = 0; break;
        case 'r': reflect = 1; break;
        case 'R': restart = 1; break;
        case 'w': run.no_wait = 1; break;
        case 'j': run.json = 1; break;
        case 'T': timeout_ms = nq_cli_duration ("--timeout", optarg); break;
        case 'C':
            klass = strcmp (optarg, "interactive") == 0 ? NQ_CLASS_INTERACTIVE
                    : strcmp (optarg, "standard") == 0  ? NQ_CLASS_STANDARD
                    : strcmp (optarg, "bulk") == 0      ? NQ_CLASS_BULK
                                                        : -1;
            if (klass < 0) {
                fprintf (stderr, "novaq submit: --class: '%s' is not interactive, standard or bulk\n", optarg);
                return NQ_EXIT_USAGE;
            }
            break;
        case 'a': {
            char *end;
            long n = strtol (optarg, &end, 10);
            if (*end || n < 1 || n > 20) {
                fprintf (stderr, "novaq submit: --max-attempts: '%s' is not a number from 1 to 20\n", optarg);
                return NQ_EXIT_USAGE;
            }
            max_attempts = (uint32_t) n;
            break;
        }
        case 'h':
            s_usage (stdout);
            return NQ_EXIT_OK;
        default:
            s_usage (stderr);
            return NQ_EXIT_USAGE;
        }
    }
    int nargs = argc - 1 - optind;
    char **args = argv + 1 + optind;
    if (kind == NQ_KIND_REFLECT && !model)
        model = "mistral:instruct";
    if (!model) {
        fprintf (stderr, "novaq submit %s: --model is required\n", argv[1]);
        return NQ_EXIT_USAGE;
    }
    if (kind == NQ_KIND_REFLECT && (!input || !output || nargs)) {
        fprintf (stderr, "novaq submit reflect: --input and --output are required (and nothing else)\n");
        return NQ_EXIT_USAGE;
    }

    //  The text: arguments, else stdin.
    char *stdin_text = NULL;
    char *joined = NULL;
    const char *inputs[S_MAX_INPUTS];
    size_t ninputs = 0;
    if (kind != NQ_KIND_REFLECT) {
        if (nargs == 0) {
            if (isatty (STDIN_FILENO)) {
                fprintf (stderr, "novaq submit %s: give TEXT or pipe it on stdin\n", argv[1]);
                return NQ_EXIT_USAGE;
            }
            if (!(stdin_text = s_read_stdin ()))
                return NQ_EXIT_USAGE;
        }
        if (kind == NQ_KIND_EMBED) {
            if (stdin_text) {
                char *save = NULL;
                for (char *line = strtok_r (stdin_text, "\n", &save); line && ninputs < S_MAX_INPUTS;
                     line = strtok_r (NULL, "\n", &save))
                    if (*line)
                        inputs[ninputs++] = line;
            }
            else
                for (int i = 0; i < nargs && ninputs < S_MAX_INPUTS; i++)
                    inputs[ninputs++] = args[i];
            if (ninputs == 0) {
                fprintf (stderr, "novaq submit embed: no input\n");
                free (stdin_text);
                return NQ_EXIT_USAGE;
            }
        }
        else if (!stdin_text) {
            size_t len = 0;
            for (int i = 0; i < nargs; i++)
                len += strlen (args[i]) + 1;
            joined = malloc (len + 1);
            if (!joined)
                return NQ_EXIT_FAILED;
            joined[0] = '\0';
            for (int i = 0; i < nargs; i++) {
                if (i)
                    strcat (joined, " ");
                strcat (joined, args[i]);
            }
        }
    }

    nq_config_t *config = nq_app_start (file, "cli");
    if (!config) {
        free (stdin_text);
        free (joined);
        return NQ_EXIT_USAGE;
    }
    nq_job_t job;
    memset (&job, 0, sizeof job);
    job.kind = (nq_kind_t) kind;
    job.model = model;
    job.user = user;
    job.tenant = tenant;
    job.class_ = (nq_class_t) klass;
    job.idempotency_key = key;
    job.max_attempts = max_attempts;
    job.token = nq_config_str (config, NQ_CFG_TOKEN);
    nq_chat_message_t messages[2];
    if (kind == NQ_KIND_CHAT) {
        size_t n = 0;
        if (system)
            messages[n++] = (nq_chat_message_t){NQ_ROLE_SYSTEM, system};
        messages[n++] = (nq_chat_message_t){NQ_ROLE_USER, stdin_text ? stdin_text : joined};
        job.payload.chat.messages = messages;
        job.payload.chat.messages_count = n;
        job.payload.chat.stream = stream;
        job.payload.chat.reflect = reflect;
        job.payload.chat.restart = restart;
        job.payload.chat.session = session;
    }
    else if (kind == NQ_KIND_EMBED) {
        job.payload.embed.inputs = inputs;
        job.payload.embed.inputs_count = ninputs;
    }
    else {
        job.payload.reflect.input = input;
        job.payload.reflect.output = output;
        job.payload.reflect.session = session;
    }

    uv_loop_t loop;
    uv_loop_init (&loop);
    void *ctx = zmq_ctx_new ();
    nq_client_t *client = nq_client_new (&loop, ctx, nq_config_str (config, NQ_CFG_FRONTEND));
    static const nq_call_fn_t fn = {s_accepted, s_chunk, s_result, s_error, NULL};
    run.exit_code = NQ_EXIT_FAILED;
    if (!client)
        fprintf (stderr, "novaq submit: cannot connect to %s\n", nq_config_str (config, NQ_CFG_FRONTEND));
    else if (!nq_client_submit (client, &job, timeout_ms, &fn, &run)) {
        fprintf (stderr, "novaq submit: the job could not be encoded (see the limits in docs/protocol.md)\n");
        run.exit_code = NQ_EXIT_USAGE;
    }
    else {
        while (!run.done && uv_run (&loop, UV_RUN_ONCE))
            ;
        if (run.no_wait && run.done)
            run.exit_code = NQ_EXIT_OK;
    }
    if (client)
        nq_client_close (client, NULL, NULL);
    uv_run (&loop, UV_RUN_DEFAULT);
    zmq_ctx_term (ctx);
    uv_loop_close (&loop);
    nq_config_destroy (&config);
    free (stdin_text);
    free (joined);
    return run.exit_code;
}
