/*  broker_main.c — `novaq broker`: one broker process until SIGINT/SIGTERM. */
#include "broker/broker.h"

#include "common/app.h"
#include "common/exitcodes.h"
#include "common/log.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

typedef struct {
    nq_broker_t *broker;
    uv_signal_t sigint, sigterm;
    int stopping;
} s_main_t;

static void
s_usage (FILE *out)
{
    fprintf (out,
             "Usage: novaq broker [--config FILE]\n"
             "\n"
             "Runs the broker: clients connect to NOVAQ_FRONTEND, workers to NOVAQ_BACKEND.\n"
             "Jobs are queued fairly (class shares, tenant round robin), leased to worker\n"
             "slots, retried with backoff and dead-lettered past their attempts. Stops on\n"
             "SIGINT or SIGTERM. Settings: docs/configuration.md; behaviour: docs/broker.md.\n");
}

static void
s_stopped (void *arg)
{
    s_main_t *m = arg;
    uv_close ((uv_handle_t *) &m->sigint, NULL);
    uv_close ((uv_handle_t *) &m->sigterm, NULL);
}

static void
s_signal (uv_signal_t *sig, int signum)
{
    s_main_t *m = sig->data;
    if (m->stopping)
        return;
    m->stopping = 1;
    NQ_LOG_INFO ("signal", NQ_LS ("signal", signum == SIGINT ? "SIGINT" : "SIGTERM"));
    nq_broker_stop (m->broker, s_stopped, m);
}

int
nq_broker_main (int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *file = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long (argc, argv, "c:h", opts, NULL)) != -1) {
        if (c == 'c')
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
        fprintf (stderr, "novaq broker: unexpected argument '%s'\n", argv[optind]);
        return NQ_EXIT_USAGE;
    }
    nq_config_t *config = nq_app_start (file, "broker");
    if (!config)
        return NQ_EXIT_USAGE;
    if (nq_broker_check_journal (config, "novaq broker") != 0) {
        nq_config_destroy (&config);
        return NQ_EXIT_USAGE;
    }
    uv_loop_t loop;
    uv_loop_init (&loop);
    void *ctx = zmq_ctx_new ();
    s_main_t m = {0};
    m.broker = nq_broker_new (&loop, ctx, config);
    int rc = NQ_EXIT_FAILED;
    if (m.broker && nq_broker_start (m.broker) == 0) {
        uv_signal_init (&loop, &m.sigint);
        uv_signal_init (&loop, &m.sigterm);
        m.sigint.data = m.sigterm.data = &m;
        uv_signal_start (&m.sigint, s_signal, SIGINT);
        uv_signal_start (&m.sigterm, s_signal, SIGTERM);
        uv_run (&loop, UV_RUN_DEFAULT);
        rc = NQ_EXIT_OK;
        NQ_LOG_INFO ("broker_stopped");
    }
    else if (m.broker) {
        nq_broker_stop (m.broker, NULL, NULL);
        uv_run (&loop, UV_RUN_DEFAULT);
    }
    nq_broker_destroy (&m.broker);
    zmq_ctx_term (ctx);
    uv_loop_close (&loop);
    nq_config_destroy (&config);
    return rc;
}
