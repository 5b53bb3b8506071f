/*  test_supervisor_exit.c — a root supervisor that gives up ends the
    process with a non-zero status and one clear log line.

    The test forks a child process that runs a threaded runtime (the
    production shape) whose root supervisor has one child that crashes as
    soon as it starts; the parent reads the child's log through a pipe and
    checks its exit status and the supervisor_gave_up line. */
#include "nqtest.h"

#include "actors/actor.h"
#include "actors/runtime.h"
#include "actors/supervisor.h"
#include "common/errors.h"
#include "common/log.h"

#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { T_CRASH = 1 };

static int
s_crasher_init (nq_actor_t *self, void *arg)
{
    (void)arg;
    return nq_actor_send (self, T_CRASH, NULL, 0);
}

static int
s_crasher_handle (nq_actor_t *self, nq_mail_t *msg)
{
    (void)self;
    return msg->type == T_CRASH ? NQ_EUPSTREAM_FAILED : 0;
}

static int
s_crasher_start (nq_runtime_t *rt, nq_actor_t *parent, void *arg, nq_actor_t **child_p)
{
    (void)arg;
    static const nq_actor_def_t def = {.name = "crasher", .init = s_crasher_init, .handle = s_crasher_handle};
    nq_spawn_opts_t so = {.parent = parent};
    return nq_actor_spawn (rt, &def, NULL, &so, child_p);
}

static void
s_child_process (void)
{
    alarm (20);    //  never outlive a broken test
    nq_log_init ("novaq-worker", NQ_LOG_WARN, NQ_LOG_FORMAT_JSON);
    nq_runtime_opts_t ro;
    nq_runtime_opts_default (&ro);
    ro.loops = 2;
    nq_runtime_t *rt = nq_runtime_new (&ro);
    if (!rt || nq_runtime_start (rt) != 0)
        _exit (90);
    nq_child_spec_t spec = {.id = "gpu0-slot1", .start = s_crasher_start, .restart = NQ_RESTART_PERMANENT};
    nq_supervisor_opts_t so;
    nq_supervisor_opts_default (&so);
    so.name = "root";
    so.children = &spec;
    so.nchildren = 1;
    so.intensity = 3;
    so.period_ms = 60000;
    so.restart_delay = (nq_backoff_t){.min_ms = 1, .max_ms = 4, .factor = 2, .jitter = 0};
    nq_actor_t *root;
    if (nq_supervisor_start (rt, &so, NULL, &root) != 0)
        _exit (91);
    for (;;)
        pause ();    //  the root's give-up ends the process from its loop
}

static void
test_root_gives_up_exits_non_zero (void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal (pipe (fds), 0);
    pid_t pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0) {
        close (fds[0]);
        dup2 (fds[1], 2);
        close (fds[1]);
        s_child_process ();
        _exit (92);
    }
    close (fds[1]);
    char log[16384];
    size_t len = 0;
    for (;;) {
        struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
        int n = poll (&pfd, 1, 15000);
        assert_true (n > 0);    //  the child must finish well within 15 s
        ssize_t got = read (fds[0], log + len, sizeof log - 1 - len);
        if (got <= 0)
            break;
        len += (size_t)got;
        if (len == sizeof log - 1)
            break;
    }
    log[len] = 0;
    close (fds[0]);
    int status = 0;
    assert_int_equal (waitpid (pid, &status, 0), pid);
    assert_true (WIFEXITED (status));
    assert_int_equal (WEXITSTATUS (status), 1);
    //  Exactly one supervisor_gave_up line, from the root, saying what happens.
    const char *line = strstr (log, "\"event\":\"supervisor_gave_up\"");
    if (!line)
        print_message ("# child log:\n%s\n", log);
    assert_non_null (line);
    assert_null (strstr (line + 1, "\"event\":\"supervisor_gave_up\""));
    const char *eol = strchr (line, '\n');
    assert_non_null (eol);
    char one[1024];
    size_t start = 0;
    while (line - start > log && line[-(long)start - 1] != '\n')
        start++;
    size_t n = (size_t)(eol - (line - start));
    assert_true (n < sizeof one);
    memcpy (one, line - start, n);
    one[n] = 0;
    assert_non_null (strstr (one, "\"level\":\"error\""));
    assert_non_null (strstr (one, "\"supervisor\":\"root\""));
    assert_non_null (strstr (one, "\"action\":\"exit_process\""));
    assert_non_null (strstr (one, "\"exit_status\":1"));
    assert_non_null (strstr (one, "\"intensity\":3"));
}

NQ_TEST_MAIN (cmocka_unit_test (test_root_gives_up_exits_non_zero))
