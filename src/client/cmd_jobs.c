/*  cmd_jobs.c — `novaq jobs show|result|watch|cancel ID`: one job, by id. */
#include "client/cli.h"

#include "client/cli_common.h"
#include "common/app.h"
#include "common/errors.h"
#include "common/exitcodes.h"
#include "common/protocol_json.h"
#include "novaq.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int json;
    int code;
    int printed;
    int cancelling;    //  a cancelled answer is the success of `jobs cancel`
} s_jobs_t;

static void
s_usage (FILE *out)
{
    fprintf (out,
             "Usage: novaq jobs show ID [--json]      status, attempts and error of a job\n"
             "       novaq jobs result ID [--json]    its result (waits for nothing)\n"
             "       novaq jobs watch ID [--from SEQ] follow its stream to the end\n"
             "       novaq jobs cancel ID             cancel it (queued: at once; running: at its worker)\n"
             "\n"
             "Exit status: 0 ok, 1 failed or unknown job, 2 usage, 4 timed out, 5 cancelled.\n");
}

static void
s_reply (void *arg, nq_call_t *call, const nq_raw_t *data)
{
    s_jobs_t *s = arg;
    (void) call;
    json_t *j = NULL;
    if (nq_msgpack_to_json (data->data, data->size, NULL, &j) != 0) {
        fprintf (stderr, "novaq jobs: the broker's answer is malformed\n");
        s->code = NQ_EINTERNAL;
        return;
    }
    if (s->json) {
        char *text = json_dumps (j, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
        puts (text ? text : "{}");
        free (text);
    }
    else {
        printf ("job %s: %s\n", json_string_value (json_object_get (j, "job_id")),
                json_string_value (json_object_get (j, "status")));
        printf ("  %s %s for %s/%s (%s), attempt %lld of %lld\n", json_string_value (json_object_get (j, "kind")),
                json_string_value (json_object_get (j, "model")), json_string_value (json_object_get (j, "tenant")),
                json_string_value (json_object_get (j, "user")) ? json_string_value (json_object_get (j, "user")) : "-",
                json_string_value (json_object_get (j, "class")),
                (long long) json_integer_value (json_object_get (j, "attempt")),
                (long long) json_integer_value (json_object_get (j, "max_attempts")));
        json_t *err = json_object_get (j, "error");
        if (json_is_object (err))
            printf ("  error: %s: %s\n", json_string_value (json_object_get (err, "code")),
                    json_string_value (json_object_get (err, "message")));
        json_t *history = json_object_get (j, "history");
        size_t i;
        json_t *a;
        json_array_foreach (history, i, a)
        printf ("  attempt %lld on %s/%s, %lld ms%s%s\n", (long long) json_integer_value (json_object_get (a, "attempt")),
                json_string_value (json_object_get (a, "worker")), json_string_value (json_object_get (a, "instance")),
                (long long) json_integer_value (json_object_get (a, "duration_ms")),
                json_string_value (json_object_get (a, "error")) ? ": " : "",
                json_string_value (json_object_get (a, "message")) ? json_string_value (json_object_get (a, "message")) : "");
    }
    json_decref (j);
}

static void
s_result (void *arg, nq_call_t *call, const nq_result_t *r)
{
    s_jobs_t *s = arg;
    (void) call;
    json_t *o = nq_cli_result_json (r);
    char *text = json_dumps (o, s->json ? JSON_INDENT (2) | JSON_PRESERVE_ORDER : JSON_COMPACT);
    if (!s->json && r->kind == NQ_KIND_CHAT) {
        if (!s->printed)
            fputs (r->body.chat.text ? r->body.chat.text : "", stdout);
        fputc ('\n', stdout);
    }
    else
        puts (text ? text : "{}");
    free (text);
    json_decref (o);
}

static void
s_chunk (void *arg, nq_call_t *call, const nq_chunk_t *chunk)
{
    s_jobs_t *s = arg;
    (void) call;
    if (chunk->restart)
        fprintf (stderr, "\nnovaq: the job started over\n");
    if (chunk->text && !s->json) {
        fputs (chunk->text, stdout);
        fflush (stdout);
        s->printed = 1;
    }
}

static void
s_error (void *arg, nq_call_t *call, int code, const char *message, uint64_t retry_after_ms)
{
    s_jobs_t *s = arg;
    (void) call, (void) retry_after_ms;
    s->code = code;
    if (s->printed)
        fputc ('\n', stdout);
    if (!(s->cancelling && code == NQ_ECANCELLED))
        fprintf (stderr, "novaq jobs: %s: %s\n", nq_error_wire (code), message ? message : "");
}

int
nq_cmd_jobs (int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"from", required_argument, NULL, 'f'},
                                         {"timeout", required_argument, NULL, 'T'},
                                         {"config", required_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0) {
        s_usage (argc < 2 ? stderr : stdout);
        return argc < 2 ? NQ_EXIT_USAGE : NQ_EXIT_OK;
    }
    const char *action = argv[1];
    s_jobs_t s = {0, 0, 0, strcmp (action, "cancel") == 0};
    const char *file = NULL;
    uint64_t from = 0, timeout_ms = 0;
    int c;
    optind = 1;
    while ((c = getopt_long (argc - 1, argv + 1, "jf:T:c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            s.json = 1;
            break;
        case 'f':
            from = strtoull (optarg, NULL, 10);
            break;
        case 'T':
            timeout_ms = nq_cli_duration ("--timeout", optarg);
            break;
        case 'c':
            file = optarg;
            break;
        case 'h':
            s_usage (stdout);
            return NQ_EXIT_OK;
        default:
            s_usage (stderr);
            return NQ_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc - 1) {
        fprintf (stderr, "novaq jobs %s: give one job id\n", action);
        return NQ_EXIT_USAGE;
    }
    const char *id = argv[optind + 1];
    if (strlen (id) != NQ_ID_LEN) {
        fprintf (stderr, "novaq jobs: '%s' is not a job id\n", id);
        return NQ_EXIT_USAGE;
    }
    nq_config_t *config = nq_app_start (file, "cli");
    if (!config)
        return NQ_EXIT_USAGE;
    const char *endpoint = nq_config_str (config, NQ_CFG_FRONTEND);
    const char *token = nq_config_str (config, NQ_CFG_TOKEN);
    static const nq_call_fn_t fn = {NULL, s_chunk, s_result, s_error, s_reply};
    int rc;
    if (strcmp (action, "show") == 0)
        rc = nq_sync_query (endpoint, id, NQ_QUERY_STATUS, 0, token, timeout_ms ? timeout_ms : 5000, &fn, &s);
    else if (strcmp (action, "result") == 0)
        rc = nq_sync_query (endpoint, id, NQ_QUERY_RESULT, 0, token, timeout_ms ? timeout_ms : 5000, &fn, &s);
    else if (strcmp (action, "watch") == 0)
        rc = nq_sync_query (endpoint, id, NQ_QUERY_STREAM, from, token, timeout_ms ? timeout_ms : 600000, &fn, &s);
    else if (strcmp (action, "cancel") == 0) {
        rc = nq_sync_cancel (endpoint, id, token, timeout_ms ? timeout_ms : 30000, &fn, &s);
        if (rc == NQ_ECANCELLED) {
            fprintf (stderr, "novaq jobs: %s cancelled\n", id);
            rc = 0;
            s.code = 0;
        }
    }
    else {
        fprintf (stderr, "novaq jobs: unknown action '%s' (show, result, watch, cancel)\n", action);
        nq_config_destroy (&config);
        return NQ_EXIT_USAGE;
    }
    nq_config_destroy (&config);
    return nq_cli_exit_for (rc ? rc : s.code);
}
