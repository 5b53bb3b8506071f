/*  worker_main.c — `novaq worker [--echo]`: a worker process until SIGTERM
    (graceful: drain, then exit) or SIGINT. Without --echo it serves the
    Ollama instances of NOVAQ_OLLAMA. */
#include "actors/worker.h"

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

typedef struct {
    nq_worker_t *worker;
    uv_signal_t sigint, sigterm;
    uv_async_t drained;
    int draining;
} s_main_t;

static void
s_usage (FILE *out)
{
    fprintf (out,
             "Usage: novaq worker [--worker-id ID] [--drain-timeout DUR] [--config FILE]\n"
             "       novaq worker --echo [--slots N] [--instance NAME] [--models A,B] [options]\n"
             "\n"
             "Runs a worker connected to the broker's NOVAQ_BACKEND. It serves the Ollama\n"
             "instances of NOVAQ_OLLAMA (name=url[;slots=N;embed=N;reflect=N;models=a,b;…]\n"
             "entries): one supervisor per instance with its circuit breaker and probe, chat\n"
             "actors (one per Ollama slot), embedding and reflection actors (docs/worker.md).\n"
             "With --echo it needs no GPU: it serves every kind and any model, echoing,\n"
             "streaming, sleeping or failing on request, and honours cancel. SIGTERM drains:\n"
             "no new work, running jobs finish (up to --drain-timeout, default 30s), then it\n"
             "exits 0.\n"
             "\n"
             "  --worker-id ID     the name the broker knows this worker by (default host-pid)\n"
             "  --drain-timeout D  on SIGTERM, how long running jobs may take (default 30s)\n"
             "  --config FILE      configuration file (NOVAQ_* settings)\n"
             "  --echo             run echo slot actors instead of Ollama inference actors\n"
             "  --slots N          echo: slot actors per kind at start (default 4, 1-1024)\n"
             "  --instance NAME    echo: the slot groups' instance name (default echo)\n"
             "  --models A,B       echo: serve only these models (default: any)\n");
}

static void
s_close_all (s_main_t *m)
{
    uv_close ((uv_handle_t *) &m->sigint, NULL);
    uv_close ((uv_handle_t *) &m->sigterm, NULL);
    uv_close ((uv_handle_t *) &m->drained, NULL);
}

static void
s_drained (uv_async_t *async)
{
    s_close_all (async->data);
}

static void
s_on_drained (void *arg)
{
    uv_async_send (arg);    //  from the link's loop to the main loop
}

static void
s_signal (uv_signal_t *sig, int signum)
{
    s_main_t *m = sig->data;
    if (signum == SIGINT || m->draining) {
        NQ_LOG_INFO ("worker_stopping", NQ_LS ("signal", signum == SIGINT ? "SIGINT" : "SIGTERM"));
        s_close_all (m);
        return;
    }
    m->draining = 1;
    NQ_LOG_INFO ("signal", NQ_LS ("signal", "SIGTERM"), NQ_LS ("action", "drain"));
    if (nq_worker_drain (m->worker) != 0)
        s_close_all (m);
}

int
nq_worker_main (int argc, char **argv)
{
    static const struct option opts[] = {
        {"echo", no_argument, NULL, 'e'},          {"slots", required_argument, NULL, 's'},
        {"worker-id", required_argument, NULL, 'w'}, {"instance", required_argument, NULL, 'i'},
        {"drain-timeout", required_argument, NULL, 'd'}, {"config", required_argument, NULL, 'c'},
        {"models", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    int echo = 0, echo_only = 0;
    nq_worker_opts_t wopts = {0};
    const char *file = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long (argc, argv, "es:w:i:d:m:c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'e':
            echo = 1;
            break;
        case 's': {
            char *end;
            long n = strtol (optarg, &end, 10);
            if (*end || n < 1 || n > 1024) {
                fprintf (stderr, "novaq worker: --slots: '%s' is not a number from 1 to 1024\n", optarg);
                return NQ_EXIT_USAGE;
            }
            wopts.slots = (unsigned) n;
            echo_only = 1;
            break;
        }
        case 'w':
            wopts.worker_id = optarg;
            break;
        case 'i':
            wopts.instance = optarg;
            echo_only = 1;
            break;
        case 'm':
            wopts.models = optarg;
            echo_only = 1;
            break;
        case 'd': {
            int64_t ms;
            if (nq_config_parse_duration (optarg, &ms) != 0) {
                fprintf (stderr, "novaq worker: --drain-timeout: '%s' is not a duration\n", optarg);
                return NQ_EXIT_USAGE;
            }
            wopts.drain_timeout_ms = (uint64_t) ms;
            break;
        }
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
    if (optind < argc) {
        fprintf (stderr, "novaq worker: unexpected argument '%s'\n", argv[optind]);
        return NQ_EXIT_USAGE;
    }
    if (echo_only && !echo) {
        fprintf (stderr, "novaq worker: --slots, --instance and --models go with --echo; an Ollama worker "
                         "takes its instances and slots from NOVAQ_OLLAMA\n");
        return NQ_EXIT_USAGE;
    }
    nq_config_t *config = nq_app_start (file, "worker");
    if (!config)
        return NQ_EXIT_USAGE;
    wopts.echo = echo;
    wopts.ollama = nq_config_str (config, NQ_CFG_OLLAMA);
    nq_instance_defaults_from_config (&wopts.defaults, config);
    wopts.endpoint = nq_config_str (config, NQ_CFG_BACKEND);
    wopts.heartbeat_ms = (uint64_t) nq_config_int (config, NQ_CFG_HEARTBEAT);
    wopts.liveness = (uint32_t) nq_config_int (config, NQ_CFG_LIVENESS);

    uv_loop_t loop;
    uv_loop_init (&loop);
    void *ctx = zmq_ctx_new ();
    s_main_t m = {0};
    uv_async_init (&loop, &m.drained, s_drained);
    m.drained.data = &m;
    m.worker = nq_worker_start (&wopts, ctx, s_on_drained, &m.drained);
    int rc = NQ_EXIT_FAILED;
    if (m.worker) {
        uv_signal_init (&loop, &m.sigint);
        uv_signal_init (&loop, &m.sigterm);
        m.sigint.data = m.sigterm.data = &m;
        uv_signal_start (&m.sigint, s_signal, SIGINT);
        uv_signal_start (&m.sigterm, s_signal, SIGTERM);
        uv_run (&loop, UV_RUN_DEFAULT);
        rc = nq_worker_destroy (&m.worker) == 0 ? NQ_EXIT_OK : NQ_EXIT_FAILED;
        NQ_LOG_INFO ("worker_stopped");
    }
    else {
        uv_close ((uv_handle_t *) &m.drained, NULL);
        uv_run (&loop, UV_RUN_DEFAULT);
    }
    zmq_ctx_term (ctx);
    uv_loop_close (&loop);
    nq_config_destroy (&config);
    return rc;
}
