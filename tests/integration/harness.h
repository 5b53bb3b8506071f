/*  harness.h — helpers for integration tests: TAP output, temporary files,
    real processes started, waited for, and killed.

    Integration tests are programs that print TAP (counted by automake's TAP
    driver). tests/run-one gives each test its own temporary directory
    (NQ_TEST_TMPDIR) and a timeout; processes a test starts are killed when it
    ends (nq_h_cleanup, also run at exit). */
#ifndef NQ_HARNESS_H
#define NQ_HARNESS_H

#include <stdarg.h>
#include <sys/types.h>

/*  TAP: plan, one line per check, and the exit status for main. */
void nq_tap_plan (int count);
/*  Prints "ok N - name" or "not ok N - name"; returns cond. */
int nq_tap_ok (int cond, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
/*  Prints a "# " diagnostic line. */
void nq_tap_diag (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
/*  Skips the whole test ("1..0 # SKIP reason") and exits 0 — unless
    NQ_REQUIRE_SERVICES=1, when a missing service is a failure. */
void nq_tap_skip_all (const char *reason) __attribute__ ((noreturn));
/*  Exit status: 0 when every check passed and the plan was met. */
int nq_tap_done (void);

/*  The test's own temporary directory (never NULL). */
const char *nq_h_tmpdir (void);
/*  A path inside it: nq_h_path (buf, sizeof buf, "broker.log"). Returns buf. */
char *nq_h_path (char *buf, size_t cap, const char *name);

/*  Starts argv[0] (searched in PATH) with output appended to log_path (NULL:
    inherit). Returns the pid or -1. The process is killed by nq_h_cleanup. */
pid_t nq_h_spawn (char *const argv[], const char *log_path);
/*  Waits until pid exits or timeout_ms passes. Returns 0 with *status set
    (waitpid's), or -1 on timeout. */
int nq_h_wait_exit (pid_t pid, int timeout_ms, int *status);
/*  Sends sig; for SIGKILL also reaps the process. */
void nq_h_kill (pid_t pid, int sig);
/*  Kills every process still running that this test started. */
void nq_h_cleanup (void);

/*  A TCP port on 127.0.0.1 that nothing listened on a moment ago. */
int nq_h_free_port (void);
/*  Waits until something accepts TCP connections on host:port; 0 or -1. */
int nq_h_wait_port (const char *host, int port, int timeout_ms);
/*  Waits until the file at path contains needle; 0 or -1. */
int nq_h_wait_file_contains (const char *path, const char *needle, int timeout_ms);
/*  Runs a shell command and captures up to cap-1 bytes of its stdout into
    out (may be NULL). Returns the exit status, or -1. */
int nq_h_run (const char *command, char *out, size_t cap);

/*  Monotonic milliseconds, for waits only (never for assertions). */
long long nq_h_now_ms (void);

#endif
