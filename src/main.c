/*  main.c — the novaq binary: one program, many subcommands.

    This is the composition root: the only file that sees every part (client,
    broker, actors). It maps a subcommand name to its function and handles
    `novaq --help` and `novaq version`. */
#include "actors/worker.h"
#include "broker/broker.h"
#include "client/cli.h"
#include "common/exitcodes.h"
#include "serve.h"

#include <czmq.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>
#include <zmq.h>

typedef struct {
    const char *name;
    nq_cmd_fn *fn;
    const char *summary;
} s_command_t;

static int s_cmd_version (int argc, char **argv);

static const s_command_t s_commands[] = {
    {"version", s_cmd_version, "print the version of novaq and its libraries"},
    {"config", nq_cmd_config, "config check: validate and print the effective configuration"},
    {"serve", nq_serve_main, "broker and one worker in one process: the embedded default"},
    {"broker", nq_broker_main, "run the broker (clients on NOVAQ_FRONTEND, workers on NOVAQ_BACKEND)"},
    {"worker", nq_worker_main, "run a worker (--echo: no GPU; echoes, streams, sleeps, fails on request)"},
    {"submit", nq_cmd_submit, "submit chat|embed|reflect: submit a job, stream it, print its result"},
    {"jobs", nq_cmd_jobs, "jobs show|result|watch|cancel ID: one job by its id"},
    {"status", nq_cmd_status, "the broker's workers, slots, queues and counters"},
    {"dlq", nq_cmd_dlq, "dlq list|retry: dead letters and their history; queue one again"},
    {"drain", nq_cmd_drain, "drain WORKER: send it no new work"},
    {"pause", nq_cmd_pause, "pause KIND MODEL: hold a queue"},
    {"resume", nq_cmd_resume, "resume KIND MODEL: release a held queue"},
    {"scale", nq_cmd_scale, "scale WORKER KIND=N…: resize a worker's slot actors live"},
};

static void
s_usage (FILE *out)
{
    fprintf (out,
             "novaq — the job fabric for model work (chat, embeddings, reflections)\n"
             "\n"
             "Usage: novaq COMMAND [ARGS...]\n"
             "       novaq COMMAND --help\n"
             "\nCommands:\n");
    for (size_t i = 0; i < sizeof s_commands / sizeof s_commands[0]; i++)
        fprintf (out, "  %-10s %s\n", s_commands[i].name, s_commands[i].summary);
    fprintf (out,
             "\nConfiguration comes from NOVAQ_* environment variables (and NOVAQ_CONFIG);\n"
             "see docs/configuration.md. Exit status: 0 ok, 1 failed, 2 usage or\n"
             "configuration error, 3 rejected, 4 timed out, 5 cancelled (docs/cli.md).\n");
}

static int
s_cmd_version (int argc, char **argv)
{
    if (argc > 1 && (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)) {
        printf ("Usage: novaq version [--json]\n\nPrints the version of novaq and of the libraries it runs on.\n");
        return NQ_EXIT_OK;
    }
    int json = argc > 1 && strcmp (argv[1], "--json") == 0;
    if (argc > 1 && !json) {
        fprintf (stderr, "novaq version: unknown option '%s'\n", argv[1]);
        return NQ_EXIT_USAGE;
    }
    int zmaj, zmin, zpat;
    zmq_version (&zmaj, &zmin, &zpat);
    char zmq_v[32];
    snprintf (zmq_v, sizeof zmq_v, "%d.%d.%d", zmaj, zmin, zpat);
    char czmq_v[32];
    snprintf (czmq_v, sizeof czmq_v, "%d.%d.%d", CZMQ_VERSION_MAJOR, CZMQ_VERSION_MINOR, CZMQ_VERSION_PATCH);
    if (json) {
        json_t *o = json_pack ("{s:s, s:s, s:s, s:s, s:s, s:i}", "novaq", PACKAGE_VERSION, "protocol", "NQP1",
                               "libuv", uv_version_string (), "libzmq", zmq_v, "czmq", czmq_v,
                               "curve", zmq_has ("curve"));
        char *text = json_dumps (o, JSON_PRESERVE_ORDER);
        puts (text ? text : "{}");
        free (text);
        json_decref (o);
    }
    else
        printf ("novaq %s (protocol NQP1; libuv %s, libzmq %s, czmq %s, curve %s)\n", PACKAGE_VERSION,
                uv_version_string (), zmq_v, czmq_v, zmq_has ("curve") ? "yes" : "no");
    return NQ_EXIT_OK;
}

int
main (int argc, char **argv)
{
    //  czmq would install its own SIGINT/SIGTERM handlers on its first socket;
    //  novaq's loops handle signals themselves.
    zsys_handler_set (NULL);
    if (argc < 2) {
        s_usage (stderr);
        return NQ_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp (name, "--help") == 0 || strcmp (name, "-h") == 0 || strcmp (name, "help") == 0) {
        s_usage (stdout);
        return NQ_EXIT_OK;
    }
    if (strcmp (name, "--version") == 0)
        return s_cmd_version (1, argv + 1);
    for (size_t i = 0; i < sizeof s_commands / sizeof s_commands[0]; i++)
        if (strcmp (name, s_commands[i].name) == 0)
            return s_commands[i].fn (argc - 1, argv + 1);
    fprintf (stderr, "novaq: unknown command '%s' (see novaq --help)\n", name);
    return NQ_EXIT_USAGE;
}
