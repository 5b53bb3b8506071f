/*  main.c — the ollama-sim program: flags, signals, one libuv loop.

    ollama-sim [--listen HOST:PORT] [--model SPEC]… [--seed N] [--speed X] …
    (--help lists every flag; docs/ollama-sim.md explains the model). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "common/errors.h"
#include "common/exitcodes.h"
#include "common/log.h"
#include "sim.h"

static const char s_usage[] =
    "Usage: ollama-sim [OPTIONS]\n"
    "A simulator of Ollama's HTTP API: model catalogue, NDJSON streaming with a\n"
    "token timing model, embeddings, Ollama's scheduler (slots, pending queue,\n"
    "loads, eviction) and fault injection. See docs/ollama-sim.md.\n"
    "\n"
    "Server:\n"
    "  --listen HOST:PORT        address to serve (default 127.0.0.1:11434; port 0 picks one)\n"
    "  --max-connections N       open connections before new ones are closed (default 10000)\n"
    "  --idle-timeout-ms N       close a connection idle that long between requests (default 300000)\n"
    "  --log-level LEVEL         debug|info|warn|error|off (default info; JSON lines on stderr)\n"
    "\n"
    "Models (defaults: mistral:instruct and all-minilm, 384 dimensions):\n"
    "  --model SPEC              add a model; SPEC is NAME[,kind=chat|embed][,dim=N][,tps=X]\n"
    "                            [,prompt_tps=X][,load_ms=N][,size=BYTES]; repeatable\n"
    "\n"
    "Timing and determinism:\n"
    "  --seed N                  seed for token text, timings and vectors (default 0)\n"
    "  --speed X                 divide every simulated delay by X (default 1; 100 = 100x faster)\n"
    "\n"
    "Scheduler (environment defaults as in Ollama):\n"
    "  --num-parallel N          slots per loaded chat model (OLLAMA_NUM_PARALLEL, default 1)\n"
    "  --max-loaded-models N     models loaded at once (OLLAMA_MAX_LOADED_MODELS, default 3)\n"
    "  --max-queue N             pending requests before 503 (OLLAMA_MAX_QUEUE, default 512)\n"
    "  --keep-alive DURATION     default keep-alive of an idle model, e.g. 5m, 30s, -1 (default 5m)\n"
    "\n"
    "Faults (COUNT: the next COUNT model requests; -1 every one; 0 off):\n"
    "  --fault-busy COUNT        answer 503 \"server busy\"\n"
    "  --fault-busy-rate R       answer 503 with probability R (0..1)\n"
    "  --fault-error COUNT       end the reply with an {\"error\": …} line\n"
    "  --fault-error-after K     … after K tokens (default 0)\n"
    "  --fault-error-message S   the error text\n"
    "  --fault-hang COUNT        never answer (mode accept) or stop streaming (mode stream)\n"
    "  --fault-hang-mode MODE    accept|stream (default accept)\n"
    "  --fault-hang-after K      in mode stream, stop after K tokens (default 0)\n"
    "  --fault-reset COUNT       reset the connection without a response\n"
    "  --fault-slow-load-ms MS   add MS (before --speed) to every model load\n"
    "  --fault-exit-after N      exit when the N-th model request arrives\n"
    "  --fault-exit-code C       exit status for exits (default 3)\n"
    "\n"
    "  --help                    print this help and exit\n"
    "  --version                 print the simulated Ollama version and exit\n"
    "\n"
    "Admin endpoint: GET /_sim/stats, GET|POST /_sim/faults, POST /_sim/reset, POST /_sim/exit.\n";

enum {
    O_LISTEN = 256,
    O_MAXCONN,
    O_IDLE,
    O_LOG,
    O_MODEL,
    O_SEED,
    O_SPEED,
    O_PARALLEL,
    O_MAXLOADED,
    O_MAXQUEUE,
    O_KEEPALIVE,
    O_F_BUSY,
    O_F_BUSYRATE,
    O_F_ERROR,
    O_F_ERRAFTER,
    O_F_ERRMSG,
    O_F_HANG,
    O_F_HANGMODE,
    O_F_HANGAFTER,
    O_F_RESET,
    O_F_SLOWLOAD,
    O_F_EXITAFTER,
    O_F_EXITCODE,
    O_HELP,
    O_VERSION
};

static const struct option s_options[] = {{"listen", required_argument, NULL, O_LISTEN},
                                          {"max-connections", required_argument, NULL, O_MAXCONN},
                                          {"idle-timeout-ms", required_argument, NULL, O_IDLE},
                                          {"log-level", required_argument, NULL, O_LOG},
                                          {"model", required_argument, NULL, O_MODEL},
                                          {"seed", required_argument, NULL, O_SEED},
                                          {"speed", required_argument, NULL, O_SPEED},
                                          {"num-parallel", required_argument, NULL, O_PARALLEL},
                                          {"max-loaded-models", required_argument, NULL, O_MAXLOADED},
                                          {"max-queue", required_argument, NULL, O_MAXQUEUE},
                                          {"keep-alive", required_argument, NULL, O_KEEPALIVE},
                                          {"fault-busy", required_argument, NULL, O_F_BUSY},
                                          {"fault-busy-rate", required_argument, NULL, O_F_BUSYRATE},
                                          {"fault-error", required_argument, NULL, O_F_ERROR},
                                          {"fault-error-after", required_argument, NULL, O_F_ERRAFTER},
                                          {"fault-error-message", required_argument, NULL, O_F_ERRMSG},
                                          {"fault-hang", required_argument, NULL, O_F_HANG},
                                          {"fault-hang-mode", required_argument, NULL, O_F_HANGMODE},
                                          {"fault-hang-after", required_argument, NULL, O_F_HANGAFTER},
                                          {"fault-reset", required_argument, NULL, O_F_RESET},
                                          {"fault-slow-load-ms", required_argument, NULL, O_F_SLOWLOAD},
                                          {"fault-exit-after", required_argument, NULL, O_F_EXITAFTER},
                                          {"fault-exit-code", required_argument, NULL, O_F_EXITCODE},
                                          {"help", no_argument, NULL, O_HELP},
                                          {"version", no_argument, NULL, O_VERSION},
                                          {NULL, 0, NULL, 0}};

static int
s_usage_error (const char *what, const char *value)
{
    fprintf (stderr, "ollama-sim: %s: '%s' (see --help)\n", what, value ? value : "");
    return NQ_EXIT_USAGE;
}

static int
s_parse_long (const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol (s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int
s_parse_listen (const char *s, nq_sim_opts_t *opts)
{
    const char *colon = strrchr (s, ':');
    if (!colon || colon == s || (size_t)(colon - s) >= sizeof opts->host)
        return -1;
    long port;
    if (s_parse_long (colon + 1, 0, 65535, &port) != 0)
        return -1;
    const char *h = s;
    size_t hl = (size_t)(colon - s);
    if (h[0] == '[' && h[hl - 1] == ']') {
        h++;
        hl -= 2;
    }
    snprintf (opts->host, sizeof opts->host, "%.*s", (int)hl, h);
    opts->port = (int)port;
    return 0;
}

static void
s_raise_nofile (void)
{
    struct rlimit rl;
    if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit (RLIMIT_NOFILE, &rl);
    }
}

typedef struct {
    nq_sim_t *sim;
    uv_signal_t sigint, sigterm;
} s_main_t;

static void
s_on_signal (uv_signal_t *handle, int signum)
{
    s_main_t *m = handle->data;
    NQ_LOG_INFO ("sim_stopping", NQ_LI ("signal", signum));
    nq_sim_stop (m->sim);
    uv_close ((uv_handle_t *)&m->sigint, NULL);
    uv_close ((uv_handle_t *)&m->sigterm, NULL);
}

int
main (int argc, char **argv)
{
    nq_sim_opts_t opts;
    nq_sim_opts_default (&opts);
    nq_sim_faults_t faults;
    nq_sim_faults_init (&faults);
    json_t *fault_set = json_object ();
    nq_log_level_t level = NQ_LOG_INFO;
    nq_sim_catalogue_t *catalogue = nq_sim_catalogue_new ();
    if (!catalogue || !fault_set) {
        fprintf (stderr, "ollama-sim: out of memory\n");
        return NQ_EXIT_FAILED;
    }
    int rc = NQ_EXIT_OK;
    int c;
    long n;
    char *end;
    while ((c = getopt_long (argc, argv, "h", s_options, NULL)) != -1) {
        switch (c) {
        case O_LISTEN:
            if (s_parse_listen (optarg, &opts) != 0)
                rc = s_usage_error ("--listen wants HOST:PORT", optarg);
            break;
        case O_MAXCONN:
            if (s_parse_long (optarg, 1, 1000000, &n) != 0)
                rc = s_usage_error ("--max-connections wants 1..1000000", optarg);
            opts.max_connections = (size_t)n;
            break;
        case O_IDLE:
            if (s_parse_long (optarg, 0, 86400000, &n) != 0)
                rc = s_usage_error ("--idle-timeout-ms wants 0..86400000", optarg);
            opts.idle_timeout_ms = (uint64_t)n;
            break;
        case O_LOG:
            if (nq_log_level_parse (optarg, &level) != 0)
                rc = s_usage_error ("--log-level wants debug|info|warn|error|off", optarg);
            break;
        case O_MODEL:
            if (nq_sim_catalogue_add (catalogue, optarg) != 0)
                rc = s_usage_error ("--model wants NAME[,key=value...]", optarg);
            break;
        case O_SEED:
            errno = 0;
            opts.seed = strtoull (optarg, &end, 0);
            if (errno || end == optarg || *end)
                rc = s_usage_error ("--seed wants an unsigned integer", optarg);
            break;
        case O_SPEED:
            errno = 0;
            opts.speed = strtod (optarg, &end);
            if (errno || end == optarg || *end || !(opts.speed > 0) || opts.speed > 1e6)
                rc = s_usage_error ("--speed wants a number > 0", optarg);
            break;
        case O_PARALLEL:
            if (s_parse_long (optarg, 1, 1024, &n) != 0)
                rc = s_usage_error ("--num-parallel wants 1..1024", optarg);
            opts.sched.num_parallel = (int)n;
            break;
        case O_MAXLOADED:
            if (s_parse_long (optarg, 1, 1024, &n) != 0)
                rc = s_usage_error ("--max-loaded-models wants 1..1024", optarg);
            opts.sched.max_loaded = (int)n;
            break;
        case O_MAXQUEUE:
            if (s_parse_long (optarg, 1, 10000000, &n) != 0)
                rc = s_usage_error ("--max-queue wants 1..10000000", optarg);
            opts.sched.max_queue = (int)n;
            break;
        case O_KEEPALIVE: {
            json_t *v = json_string (optarg);
            int64_t ms;
            if (nq_sim_keep_alive_ms (v, &ms) != 0)
                rc = s_usage_error ("--keep-alive wants a duration such as 5m, 30s or -1", optarg);
            else
                opts.sched.keep_alive_ms = ms;
            json_decref (v);
            break;
        }
        case O_F_BUSYRATE:
            errno = 0;
            json_object_set_new (fault_set, "busy_rate", json_real (strtod (optarg, &end)));
            if (errno || end == optarg || *end)
                rc = s_usage_error ("--fault-busy-rate wants a number in 0..1", optarg);
            break;
        case O_F_ERRMSG:
            json_object_set_new (fault_set, "error_message", json_string (optarg));
            break;
        case O_F_HANGMODE:
            json_object_set_new (fault_set, "hang_mode", json_string (optarg));
            break;
        case O_F_BUSY:
        case O_F_ERROR:
        case O_F_ERRAFTER:
        case O_F_HANG:
        case O_F_HANGAFTER:
        case O_F_RESET:
        case O_F_SLOWLOAD:
        case O_F_EXITAFTER:
        case O_F_EXITCODE: {
            static const struct {
                int opt;
                const char *key;
            } keys[] = {{O_F_BUSY, "busy"},
                        {O_F_ERROR, "error"},
                        {O_F_ERRAFTER, "error_after"},
                        {O_F_HANG, "hang"},
                        {O_F_HANGAFTER, "hang_after"},
                        {O_F_RESET, "reset"},
                        {O_F_SLOWLOAD, "slow_load_ms"},
                        {O_F_EXITAFTER, "exit_after"},
                        {O_F_EXITCODE, "exit_code"}};
            const char *key = "";
            for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
                if (keys[i].opt == c)
                    key = keys[i].key;
            if (s_parse_long (optarg, -1, 1000000000, &n) != 0)
                rc = s_usage_error ("a fault flag wants an integer", optarg);
            else
                json_object_set_new (fault_set, key, json_integer (n));
            break;
        }
        case O_HELP:
        case 'h':
            fputs (s_usage, stdout);
            nq_sim_catalogue_destroy (&catalogue);
            json_decref (fault_set);
            return NQ_EXIT_OK;
        case O_VERSION:
            printf ("ollama-sim (simulates ollama version %s)\n", NQ_SIM_VERSION);
            nq_sim_catalogue_destroy (&catalogue);
            json_decref (fault_set);
            return NQ_EXIT_OK;
        default:
            rc = NQ_EXIT_USAGE;
        }
        if (rc != NQ_EXIT_OK)
            break;
    }
    if (rc == NQ_EXIT_OK && optind < argc)
        rc = s_usage_error ("unexpected argument", argv[optind]);
    const char *bad = NULL;
    if (rc == NQ_EXIT_OK && nq_sim_faults_apply (&faults, fault_set, &bad) != 0)
        rc = s_usage_error ("bad value for fault setting", bad);
    json_decref (fault_set);
    if (rc != NQ_EXIT_OK) {
        nq_sim_catalogue_destroy (&catalogue);
        return rc;
    }
    nq_log_init ("ollama-sim", level, NQ_LOG_FORMAT_JSON);
    signal (SIGPIPE, SIG_IGN);
    s_raise_nofile ();

    uv_loop_t loop;
    uv_loop_init (&loop);
    s_main_t m;
    memset (&m, 0, sizeof m);
    m.sim = nq_sim_new (&loop, &opts, &catalogue, &faults);
    if (!m.sim) {
        fprintf (stderr, "ollama-sim: out of memory\n");
        nq_sim_catalogue_destroy (&catalogue);
        return NQ_EXIT_FAILED;
    }
    if (nq_sim_start (m.sim) != 0) {
        fprintf (stderr, "ollama-sim: cannot listen on %s:%d\n", opts.host, opts.port);
        rc = NQ_EXIT_FAILED;
        nq_sim_stop (m.sim);
    }
    else {
        uv_signal_init (&loop, &m.sigint);
        uv_signal_init (&loop, &m.sigterm);
        m.sigint.data = m.sigterm.data = &m;
        uv_signal_start (&m.sigint, s_on_signal, SIGINT);
        uv_signal_start (&m.sigterm, s_on_signal, SIGTERM);
    }
    uv_run (&loop, UV_RUN_DEFAULT);
    nq_sim_destroy (&m.sim);
    if (uv_loop_close (&loop) != 0)
        NQ_LOG_WARN ("sim_loop_not_empty", NQ_LS ("where", "exit"));
    return rc;
}
