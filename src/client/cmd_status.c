/*  cmd_status.c — `novaq status`: the broker's admin snapshot as tables (or
    JSON): workers and their slots, queues with depth and oldest wait, and
    the broker's counters. */
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
#include <string.h>

typedef struct {
    json_t *data;
    int code;
    char message[256];
} s_status_t;

static void
s_reply (void *arg, nq_call_t *call, const nq_raw_t *data)
{
    s_status_t *s = arg;
    (void) call;
    s->code = nq_msgpack_to_json (data->data, data->size, NULL, &s->data);
    if (s->code)
        snprintf (s->message, sizeof s->message, "the broker's answer is malformed: %s", nq_strerror (s->code));
}

static void
s_error (void *arg, nq_call_t *call, int code, const char *message, uint64_t retry_after_ms)
{
    s_status_t *s = arg;
    (void) call;
    (void) retry_after_ms;
    s->code = code;
    snprintf (s->message, sizeof s->message, "%s", message ? message : nq_strerror (code));
}

static const char *
s_str (json_t *o, const char *key)
{
    const char *v = json_string_value (json_object_get (o, key));
    return v ? v : "";
}

static long long
s_int (json_t *o, const char *key)
{
    return (long long) json_integer_value (json_object_get (o, key));
}

static void
s_join (json_t *array, char *buf, size_t cap)
{
    buf[0] = '\0';
    size_t i;
    json_t *v;
    json_array_foreach (array, i, v)
    {
        size_t len = strlen (buf);
        snprintf (buf + len, cap - len, "%s%s", i ? "," : "", json_string_value (v) ? json_string_value (v) : "");
    }
    if (!buf[0])
        snprintf (buf, cap, "*");
}

static void
s_print (json_t *d)
{
    json_t *b = json_object_get (d, "broker");
    printf ("broker: %s journal%s, dispatch %s, %lld jobs known, %lld queued, %lld running\n", s_str (b, "journal"),
            json_is_true (json_object_get (b, "durable")) ? "" : " (not durable)", s_str (b, "dispatch"),
            s_int (b, "jobs"), s_int (b, "queued"), s_int (b, "running"));
    json_t *workers = json_object_get (d, "workers");
    printf ("\n%-34s %-9s %-16s %-10s %-24s %-6s %s\n", "WORKER", "STATE", "INSTANCE", "KINDS", "MODELS (warm)",
            "SLOTS", "SILENT");
    size_t i, j;
    json_t *w, *slot;
    json_array_foreach (workers, i, w)
    {
        json_t *slots = json_object_get (w, "slots");
        json_array_foreach (slots, j, slot)
        {
            char kinds[64], models[128], warm[128], models_warm[260], cap[32];
            s_join (json_object_get (slot, "kinds"), kinds, sizeof kinds);
            s_join (json_object_get (slot, "models"), models, sizeof models);
            s_join (json_object_get (slot, "warm"), warm, sizeof warm);
            snprintf (models_warm, sizeof models_warm, "%s (%s)", models, strcmp (warm, "*") ? warm : "-");
            snprintf (cap, sizeof cap, "%lld/%lld", s_int (slot, "in_flight"), s_int (slot, "capacity"));
            printf ("%-34s %-9s %-16s %-10s %-24s %-6s %lldms\n", j ? "" : s_str (w, "name"),
                    j ? "" : (json_is_true (json_object_get (w, "draining")) ? "draining" : "ready"),
                    s_str (slot, "instance"), kinds, models_warm, cap, s_int (w, "silent_ms"));
        }
    }
    if (json_array_size (workers) == 0)
        printf ("(no workers)\n");
    json_t *queues = json_object_get (d, "queues");
    printf ("\n%-40s %-12s %8s %14s %s\n", "QUEUE", "CLASS", "DEPTH", "OLDEST WAIT", "");
    json_t *q;
    json_array_foreach (queues, i, q)
    printf ("%-40s %-12s %8lld %12lldms %s\n", s_str (q, "queue"), s_str (q, "class"), s_int (q, "depth"),
            s_int (q, "oldest_wait_ms"), json_is_true (json_object_get (q, "paused")) ? "paused" : "");
    if (json_array_size (queues) == 0)
        printf ("(no queued jobs)\n");
    json_t *c = json_object_get (d, "counters");
    printf ("\njobs: %lld submitted, %lld accepted, %lld refused, %lld dispatched, %lld succeeded, %lld failed,\n"
            "      %lld cancelled, %lld expired, %lld dead-lettered, %lld retries, %lld requeued, %lld stale\n",
            s_int (c, "submitted"), s_int (c, "accepted"), s_int (c, "refused"), s_int (c, "dispatched"),
            s_int (c, "succeeded"), s_int (c, "failed"), s_int (c, "cancelled"), s_int (c, "expired"),
            s_int (c, "dead"), s_int (c, "retries"), s_int (c, "requeued"), s_int (c, "stale"));
}

int
nq_cmd_status (int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"timeout", required_argument, NULL, 'T'},
                                         {"config", required_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int json = 0;
    const char *file = NULL;
    uint64_t timeout_ms = 5000;
    int c;
    optind = 1;
    while ((c = getopt_long (argc, argv, "jT:c:h", opts, NULL)) != -1) {
        if (c == 'j')
            json = 1;
        else if (c == 'T')
            timeout_ms = nq_cli_duration ("--timeout", optarg);
        else if (c == 'c')
            file = optarg;
        else if (c == 'h') {
            printf ("Usage: novaq status [--json] [--timeout DUR] [--config FILE]\n\n"
                    "Prints the broker's workers and slots, queue depths with the oldest wait,\n"
                    "and job counters.\n");
            return NQ_EXIT_OK;
        }
        else
            return NQ_EXIT_USAGE;
    }
    nq_config_t *config = nq_app_start (file, "cli");
    if (!config)
        return NQ_EXIT_USAGE;
    nq_admin_t admin = {.op = NQ_ADMIN_STATUS, .token = nq_config_str (config, NQ_CFG_TOKEN)};
    s_status_t s = {NULL, 0, ""};
    static const nq_call_fn_t fn = {NULL, NULL, NULL, s_error, s_reply};
    int rc = nq_sync_admin (nq_config_str (config, NQ_CFG_FRONTEND), &admin, timeout_ms, &fn, &s);
    int exit_code = NQ_EXIT_OK;
    if (rc || s.code || !s.data) {
        fprintf (stderr, "novaq status: %s: %s\n", nq_error_wire (rc ? rc : s.code),
                 s.message[0] ? s.message : "no answer");
        if ((rc ? rc : s.code) == NQ_ETIMEOUT)
            fprintf (stderr, "novaq status: is a broker running at %s?\n", nq_config_str (config, NQ_CFG_FRONTEND));
        exit_code = nq_cli_exit_for (rc ? rc : s.code);
    }
    else if (json) {
        char *text = json_dumps (s.data, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
        puts (text ? text : "{}");
        free (text);
    }
    else
        s_print (s.data);
    json_decref (s.data);
    nq_config_destroy (&config);
    return exit_code;
}
