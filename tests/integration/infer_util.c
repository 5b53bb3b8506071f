/*  infer_util.c — see infer_util.h. */
#include "infer_util.h"

#include "harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *
s_builddir (void)
{
    const char *b = getenv ("NQ_BUILDDIR");
    return b ? b : NQ_BUILDDIR;
}

void
nq_it_broker_place (nq_it_broker_t *b, const char *name)
{
    b->front_port = nq_h_free_port ();
    b->back_port = nq_h_free_port ();
    snprintf (b->front, sizeof b->front, "tcp://127.0.0.1:%d", b->front_port);
    snprintf (b->back, sizeof b->back, "tcp://127.0.0.1:%d", b->back_port);
    char file[128];
    snprintf (file, sizeof file, "%s.log", name);
    nq_h_path (b->log, sizeof b->log, file);
    b->pid = -1;
}

int
nq_it_broker_wait (const nq_it_broker_t *b)
{
    if (nq_h_wait_port ("127.0.0.1", b->front_port, 10000) || nq_h_wait_port ("127.0.0.1", b->back_port, 10000))
        return -1;
    return 0;
}

int
nq_it_broker_start (nq_it_broker_t *b, const char *name, const char *const env[])
{
    static char bin[600], fe[96], be[96];
    nq_it_broker_place (b, name);
    snprintf (bin, sizeof bin, "%s/novaq", s_builddir ());
    snprintf (fe, sizeof fe, "NOVAQ_FRONTEND=%s", b->front);
    snprintf (be, sizeof be, "NOVAQ_BACKEND=%s", b->back);
    char *argv[48] = {"env",
                      "-u",
                      "NOVAQ_DATABASE_URL",
                      fe,
                      be,
                      "NOVAQ_LOG_FORMAT=json",
                      "NOVAQ_LOG_LEVEL=debug",
                      "NOVAQ_HEARTBEAT=200ms",
                      "NOVAQ_LIVENESS=5",
                      "NOVAQ_HTTP=off",
                      "NOVAQ_RETRY_BASE=50ms",
                      "NOVAQ_RETRY_MAX=500ms",
                      "NOVAQ_MAX_ATTEMPTS=10"};
    int n = 13;
    for (int i = 0; env && env[i] && n < 44; i++)
        argv[n++] = (char *)env[i];
    argv[n++] = bin;
    argv[n++] = "broker";
    argv[n] = NULL;
    b->pid = nq_h_spawn (argv, b->log);
    if (b->pid < 0 || nq_it_broker_wait (b))
        return -1;
    return 0;
}

pid_t
nq_it_worker_start (const nq_it_broker_t *b, const char *name, const char *ollama, const char *const env[],
                    char *log, size_t cap)
{
    char bin[600], be[96], ol[2048], file[128];
    snprintf (bin, sizeof bin, "%s/novaq", s_builddir ());
    snprintf (be, sizeof be, "NOVAQ_BACKEND=%s", b->back);
    snprintf (ol, sizeof ol, "NOVAQ_OLLAMA=%s", ollama);
    snprintf (file, sizeof file, "%s.log", name);
    nq_h_path (log, cap, file);
    char *argv[48] = {"env",
                      be,
                      ol,
                      "NOVAQ_LOG_FORMAT=json",
                      "NOVAQ_LOG_LEVEL=debug",
                      "NOVAQ_HEARTBEAT=200ms",
                      "NOVAQ_LIVENESS=5"};
    int n = 7;
    for (int i = 0; env && env[i] && n < 42; i++)
        argv[n++] = (char *)env[i];
    argv[n++] = bin;
    argv[n++] = "worker";
    argv[n++] = "--worker-id";
    argv[n++] = (char *)name;
    argv[n] = NULL;
    return nq_h_spawn (argv, log);
}

pid_t
nq_it_sim_start (const char *name, int *port, const char *const extra[])
{
    char bin[600], listen[64], log[600], file[128];
    snprintf (bin, sizeof bin, "%s/tools/ollama-sim/ollama-sim", s_builddir ());
    if (*port == 0)
        *port = nq_h_free_port ();
    snprintf (listen, sizeof listen, "127.0.0.1:%d", *port);
    char *argv[48] = {bin, "--listen", listen, "--log-level", "warn"};
    int n = 5;
    for (int i = 0; extra && extra[i] && n < 46; i++)
        argv[n++] = (char *)extra[i];
    argv[n] = NULL;
    snprintf (file, sizeof file, "%s.log", name);
    nq_h_path (log, sizeof log, file);
    pid_t pid = nq_h_spawn (argv, log);
    if (pid < 0 || nq_h_wait_port ("127.0.0.1", *port, 10000) != 0)
        return -1;
    return pid;
}

json_t *
nq_it_submit (const nq_it_broker_t *b, const char *args, int *status)
{
    char cmd[4096];
    static char out[1 << 20];
    snprintf (cmd, sizeof cmd,
              "NOVAQ_FRONTEND=%s NOVAQ_LOG_FORMAT=json %s/novaq submit %s --json --timeout 60s 2>>%s/cli.log",
              b->front, s_builddir (), args, nq_h_tmpdir ());
    int rc = nq_h_run (cmd, out, sizeof out);
    if (status)
        *status = rc;
    json_error_t err;
    return json_loads (out, 0, &err);
}

int
nq_it_submit_many (const nq_it_broker_t *b, const char *args_fmt, int count)
{
    //  One shell runs them all at once and prints one exit status per line.
    size_t cap = 256 + (size_t)count * (strlen (args_fmt) + 512);
    char *cmd = malloc (cap);
    char one[2048];
    size_t n = (size_t)snprintf (cmd, cap, "cd %s && ", nq_h_tmpdir ());
    for (int i = 0; i < count; i++) {
        char args[1024];
        const char *hole = strstr (args_fmt, "%d");
        if (hole)
            snprintf (args, sizeof args, "%.*s%d%s", (int)(hole - args_fmt), args_fmt, i, hole + 2);
        else
            snprintf (args, sizeof args, "%s", args_fmt);
        snprintf (
            one, sizeof one,
            "( NOVAQ_FRONTEND=%s NOVAQ_LOG_FORMAT=json %s/novaq submit %s --json --timeout 60s >/dev/null "
            "2>>cli.log; echo \"rc=$?\" ) & ",
            b->front, s_builddir (), args);
        n += (size_t)snprintf (cmd + n, cap - n, "%s", one);
    }
    snprintf (cmd + n, cap - n, "wait");
    static char out[1 << 16];
    nq_h_run (cmd, out, sizeof out);
    free (cmd);
    int ok = 0;
    for (const char *p = out; (p = strstr (p, "rc=")); p += 3)
        ok += p[3] == '0' && (p[4] == '\n' || p[4] == '\0');
    return ok;
}

static int
s_count (const char *path, va_list ap)
{
    const char *needles[16];
    int nn = 0;
    for (const char *s; nn < 16 && (s = va_arg (ap, const char *));)
        needles[nn++] = s;
    FILE *f = fopen (path, "r");
    if (!f)
        return 0;
    char line[8192];
    int count = 0;
    while (fgets (line, sizeof line, f)) {
        int all = 1;
        for (int i = 0; i < nn && all; i++)
            all = strstr (line, needles[i]) != NULL;
        count += all;
    }
    fclose (f);
    return count;
}

int
nq_it_count (const char *path, ...)
{
    va_list ap;
    va_start (ap, path);
    int n = s_count (path, ap);
    va_end (ap);
    return n;
}

int
nq_it_wait_count (int min, int timeout_ms, const char *path, ...)
{
    long long end = nq_h_now_ms () + timeout_ms;
    for (;;) {
        va_list ap;
        va_start (ap, path);
        int n = s_count (path, ap);
        va_end (ap);
        if (n >= min)
            return 0;
        if (nq_h_now_ms () >= end)
            return -1;
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep (&ts, NULL);
    }
}
