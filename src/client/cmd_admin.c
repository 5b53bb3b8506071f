/*  cmd_admin.c — operators' commands over ADMIN:
      novaq dlq list [--json] [--limit N]     dead letters with their history
      novaq dlq retry ID                      queue a dead job again
      novaq drain WORKER                      no new work for a worker
      novaq pause|resume KIND MODEL           hold or release a queue
      novaq scale WORKER KIND=N …             resize a worker's pools
      novaq scale WORKER --instance NAME slots=N */
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
    json_t *data;
} s_admin_t;

static void
s_reply (void *arg, nq_call_t *call, const nq_raw_t *data)
{
    s_admin_t *s = arg;
    (void) call;
    if (nq_msgpack_to_json (data->data, data->size, NULL, &s->data) != 0)
        s->code = NQ_EINTERNAL;
}

static void
s_error (void *arg, nq_call_t *call, int code, const char *message, uint64_t retry_after_ms)
{
    s_admin_t *s = arg;
    (void) call, (void) retry_after_ms;
    s->code = code;
    fprintf (stderr, "novaq: %s: %s\n", nq_error_wire (code), message ? message : "");
}

//  Sends one ADMIN request; prints what it says; returns the exit status.
static int
s_admin (const nq_config_t *config, nq_admin_t *admin, int json, void (*print) (json_t *data))
{
    admin->token = nq_config_str (config, NQ_CFG_TOKEN);
    s_admin_t s = {json, 0, NULL};
    static const nq_call_fn_t fn = {NULL, NULL, NULL, s_error, s_reply};
    int rc = nq_sync_admin (nq_config_str (config, NQ_CFG_FRONTEND), admin, 10000, &fn, &s);
    if (rc == NQ_ETIMEOUT)
        fprintf (stderr, "novaq: no answer from a broker at %s\n", nq_config_str (config, NQ_CFG_FRONTEND));
    if (rc == 0 && s.code == 0 && s.data) {
        if (json || !print) {
            char *text = json_dumps (s.data, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
            if (json)
                puts (text ? text : "{}");
            else
                printf ("%s\n", json_string_value (json_object_get (s.data, "done")));
            free (text);
        }
        else
            print (s.data);
    }
    json_decref (s.data);
    return nq_cli_exit_for (rc ? rc : s.code);
}

static void
s_print_dead (json_t *data)
{
    json_t *dead = json_object_get (data, "dead");
    if (json_array_size (dead) == 0) {
        printf ("no dead letters\n");
        return;
    }
    size_t i, j;
    json_t *d, *a;
    json_array_foreach (dead, i, d)
    {
        json_t *err = json_object_get (d, "error");
        printf ("%s  %s %s  tenant %s  %lld attempts  %s: %s\n", json_string_value (json_object_get (d, "job_id")),
                json_string_value (json_object_get (d, "kind")), json_string_value (json_object_get (d, "model")),
                json_string_value (json_object_get (d, "tenant")),
                (long long) json_integer_value (json_object_get (d, "attempts")),
                json_string_value (json_object_get (err, "code")), json_string_value (json_object_get (err, "message")));
        json_array_foreach (json_object_get (d, "history"), j, a)
        printf ("    attempt %lld on %s/%s: %s\n", (long long) json_integer_value (json_object_get (a, "attempt")),
                json_string_value (json_object_get (a, "worker")), json_string_value (json_object_get (a, "instance")),
                json_string_value (json_object_get (a, "message")) ? json_string_value (json_object_get (a, "message"))
                                                                  : "ok");
    }
}

static int
s_kind (const char *text)
{
    return strcmp (text, "chat") == 0      ? NQ_KIND_CHAT
           : strcmp (text, "embed") == 0   ? NQ_KIND_EMBED
           : strcmp (text, "reflect") == 0 ? NQ_KIND_REFLECT
                                           : -1;
}

//  Common option parsing: --json, --config FILE, --limit N, --instance NAME.
typedef struct {
    int json;
    const char *file;
    unsigned limit;
    const char *instance;
    int argc;
    char **argv;    //  the positional arguments
} s_opts_t;

static int
s_parse (int argc, char **argv, s_opts_t *o, const char *usage)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"config", required_argument, NULL, 'c'},
                                         {"limit", required_argument, NULL, 'l'},
                                         {"instance", required_argument, NULL, 'i'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    memset (o, 0, sizeof *o);
    int c;
    optind = 1;
    while ((c = getopt_long (argc, argv, "jc:l:i:h", opts, NULL)) != -1) {
        if (c == 'j')
            o->json = 1;
        else if (c == 'c')
            o->file = optarg;
        else if (c == 'l')
            o->limit = (unsigned) strtoul (optarg, NULL, 10);
        else if (c == 'i')
            o->instance = optarg;
        else if (c == 'h') {
            printf ("%s", usage);
            return 1;
        }
        else {
            fprintf (stderr, "%s", usage);
            return 2;
        }
    }
    o->argc = argc - optind;
    o->argv = argv + optind;
    return 0;
}

int
nq_cmd_dlq (int argc, char **argv)
{
    const char *usage = "Usage: novaq dlq list [--json] [--limit N]\n"
                        "       novaq dlq retry ID\n\n"
                        "Dead letters are jobs that failed retryably past their attempts; each keeps the\n"
                        "history of its attempts. retry queues one again with its attempts reset.\n";
    s_opts_t o;
    int p = s_parse (argc, argv, &o, usage);
    if (p)
        return p == 1 ? NQ_EXIT_OK : NQ_EXIT_USAGE;
    if (o.argc < 1 || (strcmp (o.argv[0], "list") == 0 && o.argc != 1)
        || (strcmp (o.argv[0], "retry") == 0 && o.argc != 2)
        || (strcmp (o.argv[0], "list") != 0 && strcmp (o.argv[0], "retry") != 0)) {
        fprintf (stderr, "%s", usage);
        return NQ_EXIT_USAGE;
    }
    nq_config_t *config = nq_app_start (o.file, "cli");
    if (!config)
        return NQ_EXIT_USAGE;
    nq_admin_t admin = {0};
    int rc;
    if (strcmp (o.argv[0], "list") == 0) {
        admin.op = NQ_ADMIN_DEAD_LIST;
        admin.count = o.limit;
        rc = s_admin (config, &admin, o.json, s_print_dead);
    }
    else {
        admin.op = NQ_ADMIN_DEAD_RETRY;
        admin.target = o.argv[1];
        rc = s_admin (config, &admin, o.json, NULL);
    }
    nq_config_destroy (&config);
    return rc;
}

int
nq_cmd_drain (int argc, char **argv)
{
    const char *usage = "Usage: novaq drain WORKER\n\n"
                        "The broker sends the worker (its name or id, see novaq status) no new work;\n"
                        "what it runs finishes.\n";
    s_opts_t o;
    int p = s_parse (argc, argv, &o, usage);
    if (p)
        return p == 1 ? NQ_EXIT_OK : NQ_EXIT_USAGE;
    if (o.argc != 1) {
        fprintf (stderr, "%s", usage);
        return NQ_EXIT_USAGE;
    }
    nq_config_t *config = nq_app_start (o.file, "cli");
    if (!config)
        return NQ_EXIT_USAGE;
    nq_admin_t admin = {.op = NQ_ADMIN_DRAIN, .target = o.argv[0]};
    int rc = s_admin (config, &admin, o.json, NULL);
    nq_config_destroy (&config);
    return rc;
}

static int
s_pause (int argc, char **argv, int pause)
{
    const char *usage = pause ? "Usage: novaq pause KIND MODEL\n\nHolds a queue: it keeps taking jobs but dispatches none.\n"
                              : "Usage: novaq resume KIND MODEL\n\nReleases a held queue.\n";
    s_opts_t o;
    int p = s_parse (argc, argv, &o, usage);
    if (p)
        return p == 1 ? NQ_EXIT_OK : NQ_EXIT_USAGE;
    if (o.argc != 2 || s_kind (o.argv[0]) < 0) {
        fprintf (stderr, "%s", usage);
        return NQ_EXIT_USAGE;
    }
    nq_config_t *config = nq_app_start (o.file, "cli");
    if (!config)
        return NQ_EXIT_USAGE;
    nq_admin_t admin = {.op = pause ? NQ_ADMIN_PAUSE : NQ_ADMIN_RESUME,
                        .kind = (nq_kind_t) s_kind (o.argv[0]),
                        .model = o.argv[1]};
    int rc = s_admin (config, &admin, o.json, NULL);
    nq_config_destroy (&config);
    return rc;
}

int
nq_cmd_pause (int argc, char **argv)
{
    return s_pause (argc, argv, 1);
}

int
nq_cmd_resume (int argc, char **argv)
{
    return s_pause (argc, argv, 0);
}

int
nq_cmd_scale (int argc, char **argv)
{
    const char *usage = "Usage: novaq scale WORKER KIND=N [KIND=N …]\n"
                        "       novaq scale WORKER --instance NAME slots=N\n\n"
                        "Resizes a worker's slot actors live: KIND is chat, embed or reflect; N the\n"
                        "number of slot actors wanted. Shrinking lets running jobs finish.\n";
    s_opts_t o;
    int p = s_parse (argc, argv, &o, usage);
    if (p)
        return p == 1 ? NQ_EXIT_OK : NQ_EXIT_USAGE;
    if (o.argc < 2) {
        fprintf (stderr, "%s", usage);
        return NQ_EXIT_USAGE;
    }
    //  Check every KIND=N before sending anything.
    int kinds[16];
    unsigned counts[16];
    int n = 0;
    for (int i = 1; i < o.argc && n < 16; i++) {
        char name[32];
        const char *eq = strchr (o.argv[i], '=');
        char *end = NULL;
        long count = eq ? strtol (eq + 1, &end, 10) : -1;
        snprintf (name, sizeof name, "%.*s", eq ? (int) (eq - o.argv[i]) : 0, o.argv[i]);
        int kind = o.instance ? (strcmp (name, "slots") == 0 ? NQ_KIND_NONE : -1) : s_kind (name);
        if (!eq || kind < 0 || !end || *end || count < 0 || count > 1024) {
            fprintf (stderr, "novaq scale: '%s' is not %s=N (N from 0 to 1024)\n", o.argv[i],
                     o.instance ? "slots" : "KIND");
            return NQ_EXIT_USAGE;
        }
        kinds[n] = kind;
        counts[n++] = (unsigned) count;
    }
    nq_config_t *config = nq_app_start (o.file, "cli");
    if (!config)
        return NQ_EXIT_USAGE;
    int rc = NQ_EXIT_OK;
    for (int i = 0; i < n && rc == NQ_EXIT_OK; i++) {
        nq_admin_t admin = {.op = NQ_ADMIN_SCALE, .target = o.argv[0], .kind = (nq_kind_t) kinds[i],
                            .count = counts[i], .instance = o.instance};
        rc = s_admin (config, &admin, o.json, NULL);
    }
    nq_config_destroy (&config);
    return rc;
}
