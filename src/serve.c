/*  serve.c — `novaq serve`: a broker and one worker in one process.

    The broker listens as `novaq broker` does (clients on NOVAQ_FRONTEND,
    other workers may still join on NOVAQ_BACKEND); its own worker reaches it
    over inproc:// through the shared ZeroMQ context, so a single process is a
    whole novaq. SIGTERM drains the worker, then stops the broker; SIGINT
    stops at once. This file sits beside main.c because, like it, it wires
    the broker and the actors together. */
#include "serve.h"

#include "actors/worker.h"
#include "broker/broker.h"
#include "common/app.h"
#include "common/config.h"
#include "common/exitcodes.h"
#include "common/log.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>
#include <zmq.h>

#define S_INPROC "inproc://novaq-serve-backend"

typedef struct {
    nq_broker_t *broker;
    nq_worker_t *worker;
    uv_signal_t sigint, sigterm;
    uv_async_t drained;
    int stopping;
} s_serve_t;

static void
s_broker_stopped (void *arg)
{
    s_serve_t *s = arg;
    uv_close ((uv_handle_t *) &s->sigint, NULL);
    uv_close ((uv_handle_t *) &s->sigterm, NULL);
    uv_close ((uv_handle_t *) &s->drained, NULL);
}

static void
s_stop (s_serve_t *s)
{
    if (s->stopping)
        return;
    s->stopping = 1;
    //  The worker first, so it says BYE to a broker that still listens.
    nq_worker_destroy (&s->worker);
    nq_broker_stop (s->broker, s_broker_stopped, s);
}

static void
s_drained (uv_async_t *async)
{
    s_stop (async->data);
}

static void
s_on_drained (void *arg)
{
    uv_async_send (arg);
}

static void
s_signal (uv_signal_t *sig, int signum)
{
    s_serve_t *s = sig->data;
    NQ_LOG_INFO ("signal", NQ_LS ("signal", signum == SIGINT ? "SIGINT" : "SIGTERM"));
    if (signum == SIGTERM && s->worker && nq_worker_drain (s->worker) == 0)
        return;    //  s_drained follows
    s_stop (s);
}

static void
s_usage (FILE *out)
{
    fprintf (out, "Usage: novaq serve [--echo [--slots N]] [--config FILE]\n"
                  "\n"
                  "Runs a broker and one worker in one process: the embedded default. Clients use\n"
                  "NOVAQ_FRONTEND; more workers may join on NOVAQ_BACKEND. The worker serves the\n"
                  "Ollama instances of NOVAQ_OLLAMA (default local=http://127.0.0.1:11434); with\n"
                  "--echo it runs echo slot actors instead (no GPU; docs/worker.md). SIGTERM\n"
                  "drains and exits 0.\n");
}

int
nq_serve_main (int argc, char **argv)
{
    static const struct option opts[] = {{"echo", no_argument, NULL, 'e'},
                                         {"slots", required_argument, NULL, 's'},
                                         {"config", required_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int echo = 0;
    unsigned slots = 4;
    int slots_given = 0;
    const char *file = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long (argc, argv, "es:c:h", opts, NULL)) != -1) {
        if (c == 'e')
            echo = 1;
        else if (c == 's') {
            char *end;
            long n = strtol (optarg, &end, 10);
            if (*end || n < 1 || n > 1024) {
                fprintf (stderr, "novaq serve: --slots: '%s' is not a number from 1 to 1024\n", optarg);
                return NQ_EXIT_USAGE;
            }
            slots = (unsigned) n;
            slots_given = 1;
        }
        else if (c == 'c')
            file = optarg;
        else if (c == 'h') {
            s_usage (stdout);
            return NQ_EXIT_OK;
        }
        else {
            s_usage (stderr);
            return NQ_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf (stderr, "novaq serve: unexpected argument '%s'\n", argv[optind]);
        return NQ_EXIT_USAGE;
    }
    if (slots_given && !echo) {
        fprintf (stderr, "novaq serve: --slots goes with --echo; Ollama slots come from NOVAQ_OLLAMA\n");
        return NQ_EXIT_USAGE;
    }
    nq_config_t *config = nq_app_start (file, "serve");
    if (!config)
        return NQ_EXIT_USAGE;
    if (nq_broker_check_journal (config, "novaq serve") != 0) {
        nq_config_destroy (&config);
        return NQ_EXIT_USAGE;
    }
    uv_loop_t loop;
    uv_loop_init (&loop);
    void *ctx = zmq_ctx_new ();
    s_serve_t s = {0};
    int rc = NQ_EXIT_FAILED;
    uv_async_init (&loop, &s.drained, s_drained);
    s.drained.data = &s;
    s.broker = nq_broker_new (&loop, ctx, config);
    if (s.broker && nq_broker_start (s.broker) == 0 && nq_broker_bind_backend (s.broker, S_INPROC) == 0) {
        nq_worker_opts_t wopts = {.echo = echo,
                                  .ollama = nq_config_str (config, NQ_CFG_OLLAMA),
                                  .endpoint = S_INPROC,
                                  .worker_id = "serve",
                                  .slots = slots,
                                  .heartbeat_ms = (uint64_t) nq_config_int (config, NQ_CFG_HEARTBEAT),
                                  .liveness = (uint32_t) nq_config_int (config, NQ_CFG_LIVENESS)};
        nq_instance_defaults_from_config (&wopts.defaults, config);
        s.worker = nq_worker_start (&wopts, ctx, s_on_drained, &s.drained);
    }
    if (s.worker) {
        uv_signal_init (&loop, &s.sigint);
        uv_signal_init (&loop, &s.sigterm);
        s.sigint.data = s.sigterm.data = &s;
        uv_signal_start (&s.sigint, s_signal, SIGINT);
        uv_signal_start (&s.sigterm, s_signal, SIGTERM);
        NQ_LOG_INFO ("serve_started", NQ_LS ("frontend", nq_config_str (config, NQ_CFG_FRONTEND)),
                     NQ_LS ("worker", echo ? "echo" : "ollama"));
        uv_run (&loop, UV_RUN_DEFAULT);
        rc = NQ_EXIT_OK;
        NQ_LOG_INFO ("serve_stopped");
    }
    else {
        if (s.broker)
            nq_broker_stop (s.broker, NULL, NULL);
        uv_close ((uv_handle_t *) &s.drained, NULL);
        uv_run (&loop, UV_RUN_DEFAULT);
    }
    nq_broker_destroy (&s.broker);
    zmq_ctx_term (ctx);
    uv_loop_close (&loop);
    nq_config_destroy (&config);
    return rc;
}
