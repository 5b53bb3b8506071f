/*  test_harness.c — the process helpers work on a real server: start a
    private redis-server on a free loopback port, wait until it answers, talk
    to it, SIGKILL it, and see it die by that signal. */
#include "harness.h"

#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

int
main (void)
{
    char out[4096];
    if (nq_h_run ("command -v redis-server", out, sizeof out) != 0)
        nq_tap_skip_all ("redis-server is not installed (scripts/deps installs it)");
    nq_tap_plan (6);

    int port = nq_h_free_port ();
    nq_tap_ok (port > 1024, "a free loopback port (%d)", port);

    char port_s[16], dir[512], log[512];
    snprintf (port_s, sizeof port_s, "%d", port);
    snprintf (dir, sizeof dir, "%s", nq_h_tmpdir ());
    nq_h_path (log, sizeof log, "redis.log");
    char *argv[] = {"redis-server", "--port", port_s, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--dir", dir, NULL};
    pid_t pid = nq_h_spawn (argv, log);
    nq_tap_ok (pid > 0, "spawn redis-server");
    nq_tap_ok (nq_h_wait_port ("127.0.0.1", port, 10000) == 0, "it accepts connections within 10 s");

    redisContext *c = redisConnect ("127.0.0.1", port);
    redisReply *r = c && !c->err ? redisCommand (c, "PING") : NULL;
    nq_tap_ok (r && r->type == REDIS_REPLY_STATUS && strcmp (r->str, "PONG") == 0, "it answers PING");
    freeReplyObject (r);
    if (c)
        redisFree (c);

    kill (pid, SIGKILL);
    int status = 0;
    int waited = nq_h_wait_exit (pid, 5000, &status);
    nq_tap_ok (waited == 0 && WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL, "SIGKILL ends it");
    nq_tap_ok (nq_h_wait_port ("127.0.0.1", port, 200) != 0, "nothing listens on its port afterwards");
    return nq_tap_done ();
}
