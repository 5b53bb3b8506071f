/*  harness.c — integration-test helpers (see harness.h). */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int s_planned = -1;
static int s_run;
static int s_failed;
static pid_t s_children[64];
static int s_nchildren;
static int s_cleanup_registered;

long long
nq_h_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
s_sleep_ms (int ms)
{
    struct timespec ts = {ms / 1000, (long) (ms % 1000) * 1000000L};
    nanosleep (&ts, NULL);
}

void
nq_tap_plan (int count)
{
    s_planned = count;
    printf ("1..%d\n", count);
    fflush (stdout);
}

int
nq_tap_ok (int cond, const char *fmt, ...)
{
    va_list ap;
    s_run++;
    if (!cond)
        s_failed++;
    printf ("%sok %d - ", cond ? "" : "not ", s_run);
    va_start (ap, fmt);
    vprintf (fmt, ap);
    va_end (ap);
    printf ("\n");
    fflush (stdout);
    return cond;
}

void
nq_tap_diag (const char *fmt, ...)
{
    va_list ap;
    printf ("# ");
    va_start (ap, fmt);
    vprintf (fmt, ap);
    va_end (ap);
    printf ("\n");
    fflush (stdout);
}

void
nq_tap_skip_all (const char *reason)
{
    const char *require = getenv ("NQ_REQUIRE_SERVICES");
    if (require && strcmp (require, "1") == 0) {
        printf ("1..1\nnot ok 1 - required service missing: %s\n", reason);
        fflush (stdout);
        nq_h_cleanup ();
        exit (1);
    }
    printf ("1..0 # SKIP %s\n", reason);
    fflush (stdout);
    nq_h_cleanup ();
    exit (0);
}

int
nq_tap_done (void)
{
    nq_h_cleanup ();
    if (s_planned >= 0 && s_planned != s_run) {
        printf ("# planned %d checks but ran %d\n", s_planned, s_run);
        return 1;
    }
    return s_failed ? 1 : 0;
}

const char *
nq_h_tmpdir (void)
{
    const char *dir = getenv ("NQ_TEST_TMPDIR");
    return dir && *dir ? dir : "/tmp";
}

char *
nq_h_path (char *buf, size_t cap, const char *name)
{
    snprintf (buf, cap, "%s/%s", nq_h_tmpdir (), name);
    return buf;
}

pid_t
nq_h_spawn (char *const argv[], const char *log_path)
{
    if (!s_cleanup_registered) {
        atexit (nq_h_cleanup);
        s_cleanup_registered = 1;
    }
    fflush (stdout);
    pid_t pid = fork ();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (log_path) {
            int fd = open (log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (fd >= 0) {
                dup2 (fd, STDOUT_FILENO);
                dup2 (fd, STDERR_FILENO);
                close (fd);
            }
        }
        //  Its own process group, so a kill reaches its children too.
        setpgid (0, 0);
        execvp (argv[0], argv);
        fprintf (stderr, "exec %s: %s\n", argv[0], strerror (errno));
        _exit (127);
    }
    if (s_nchildren < (int) (sizeof s_children / sizeof s_children[0]))
        s_children[s_nchildren++] = pid;
    return pid;
}

static void
s_forget (pid_t pid)
{
    for (int i = 0; i < s_nchildren; i++)
        if (s_children[i] == pid) {
            s_children[i] = s_children[--s_nchildren];
            return;
        }
}

int
nq_h_wait_exit (pid_t pid, int timeout_ms, int *status)
{
    long long end = nq_h_now_ms () + timeout_ms;
    for (;;) {
        int st;
        pid_t r = waitpid (pid, &st, WNOHANG);
        if (r == pid) {
            if (status)
                *status = st;
            s_forget (pid);
            return 0;
        }
        if (r < 0 && errno == ECHILD) {
            s_forget (pid);
            return -1;
        }
        if (nq_h_now_ms () >= end)
            return -1;
        s_sleep_ms (10);
    }
}

void
nq_h_kill (pid_t pid, int sig)
{
    if (pid <= 0)
        return;
    kill (pid, sig);
    if (sig == SIGKILL)
        nq_h_wait_exit (pid, 5000, NULL);
}

void
nq_h_cleanup (void)
{
    while (s_nchildren > 0) {
        pid_t pid = s_children[0];
        kill (-pid, SIGTERM);
        kill (pid, SIGTERM);
        if (nq_h_wait_exit (pid, 2000, NULL) != 0) {
            kill (-pid, SIGKILL);
            kill (pid, SIGKILL);
            nq_h_wait_exit (pid, 2000, NULL);
            s_forget (pid);
        }
    }
}

int
nq_h_free_port (void)
{
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    int port = -1;
    if (bind (fd, (struct sockaddr *) &sa, sizeof sa) == 0 && getsockname (fd, (struct sockaddr *) &sa, &len) == 0)
        port = ntohs (sa.sin_port);
    close (fd);
    return port;
}

int
nq_h_wait_port (const char *host, int port, int timeout_ms)
{
    long long end = nq_h_now_ms () + timeout_ms;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons ((uint16_t) port)};
    if (inet_pton (AF_INET, host, &sa.sin_addr) != 1)
        return -1;
    while (nq_h_now_ms () < end) {
        int fd = socket (AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
            return -1;
        int rc = connect (fd, (struct sockaddr *) &sa, sizeof sa);
        close (fd);
        if (rc == 0)
            return 0;
        s_sleep_ms (20);
    }
    return -1;
}

int
nq_h_wait_file_contains (const char *path, const char *needle, int timeout_ms)
{
    long long end = nq_h_now_ms () + timeout_ms;
    static char buf[1 << 20];
    do {
        FILE *f = fopen (path, "rb");
        if (f) {
            size_t n = fread (buf, 1, sizeof buf - 1, f);
            fclose (f);
            buf[n] = '\0';
            if (strstr (buf, needle))
                return 0;
        }
        s_sleep_ms (20);
    } while (nq_h_now_ms () < end);
    return -1;
}

int
nq_h_run (const char *command, char *out, size_t cap)
{
    fflush (stdout);
    FILE *p = popen (command, "r");
    if (!p)
        return -1;
    size_t n = 0;
    char sink[4096];
    for (;;) {
        char *dst = out && n + 1 < cap ? out + n : sink;
        size_t room = out && n + 1 < cap ? cap - 1 - n : sizeof sink;
        size_t r = fread (dst, 1, room, p);
        if (r == 0)
            break;
        if (dst != sink)
            n += r;
    }
    if (out && cap)
        out[n] = '\0';
    int st = pclose (p);
    return WIFEXITED (st) ? WEXITSTATUS (st) : -1;
}
