/*  test_supervisor_threaded.c — a pool supervisor on a threaded runtime,
    its children pinned to another loop (synchronous starts across loops):
    grown and shrunk while children crash, it converges to the asked size,
    and the runtime shuts the tree down cleanly. Waits are for other threads
    to converge (bounded), not for timers: restart delays are zero. */
#include "nqtest.h"

#include "actors/actor.h"
#include "actors/runtime.h"
#include "actors/supervisor.h"
#include "common/errors.h"
#include "common/log.h"

#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

enum { T_CRASH = 1 };

static _Atomic int s_starts, s_stops;

static int
s_init (nq_actor_t *self, void *arg)
{
    (void)self;
    (void)arg;
    atomic_fetch_add (&s_starts, 1);
    return 0;
}

static int
s_handle (nq_actor_t *self, nq_mail_t *msg)
{
    (void)self;
    return msg->type == T_CRASH ? NQ_EUPSTREAM_FAILED : 0;
}

static void
s_stopping (nq_actor_t *self, int reason)
{
    (void)self;
    (void)reason;
    atomic_fetch_add (&s_stops, 1);
}

static int
s_start (nq_runtime_t *rt, nq_actor_t *parent, void *arg, nq_actor_t **child_p)
{
    (void)arg;
    static const nq_actor_def_t def = {
        .name = "embed", .init = s_init, .handle = s_handle, .stopping = s_stopping};
    nq_spawn_opts_t so = {.parent = parent, .loop = 1};
    return nq_actor_spawn (rt, &def, NULL, &so, child_p);
}

//  Waits (bounded) until the pool reports n running children.
static int
s_converge (nq_actor_t *sup, size_t n)
{
    struct timespec pause = {0, 1000000};
    for (int i = 0; i < 10000; i++) {
        nq_supervisor_info_t info;
        nq_supervisor_info (sup, &info);
        if (info.running == n && info.children == n)
            return 1;
        nanosleep (&pause, NULL);
    }
    return 0;
}

static void
test_pool_resized_live_across_loops (void **state)
{
    (void)state;
    nq_log_set_level (NQ_LOG_ERROR);
    nq_runtime_opts_t ro;
    nq_runtime_opts_default (&ro);
    ro.loops = 2;
    nq_runtime_t *rt = nq_runtime_new (&ro);
    assert_non_null (rt);
    assert_int_equal (nq_runtime_start (rt), 0);
    nq_supervisor_opts_t o;
    nq_supervisor_opts_default (&o);
    o.name = "embed-pool";
    o.strategy = NQ_SUP_POOL;
    o.pool_child = (nq_child_spec_t){.id = "embed", .start = s_start};
    o.pool_size = 4;
    o.intensity = 1000;
    o.restart_delay = (nq_backoff_t){0};
    nq_actor_t *pool;
    assert_int_equal (nq_supervisor_start (rt, &o, NULL, &pool), 0);
    assert_true (s_converge (pool, 4));
    assert_int_equal (nq_supervisor_pool_resize (pool, 32), 0);
    assert_true (s_converge (pool, 32));
    //  Crash some while shrinking: the pool still settles at the new size.
    for (int i = 1; i <= 32; i += 3) {
        char id[32];
        snprintf (id, sizeof id, "embed-%d", i);
        nq_actor_t *child = nq_supervisor_child (pool, id);
        if (child) {
            nq_actor_send (child, T_CRASH, NULL, 0);
            nq_actor_unref (&child);
        }
    }
    assert_int_equal (nq_supervisor_pool_resize (pool, 2), 0);
    assert_true (s_converge (pool, 2));
    assert_int_equal (nq_supervisor_pool_resize (pool, 6), 0);
    assert_true (s_converge (pool, 6));
    nq_supervisor_info_t info;
    nq_supervisor_info (pool, &info);
    assert_int_equal (info.gave_up, 0);
    nq_actor_unref (&pool);
    assert_int_equal (nq_runtime_destroy (&rt), 0);
    //  Every start was matched by a stop (crashes call stopping too).
    assert_int_equal (atomic_load (&s_starts), atomic_load (&s_stops));
    assert_true (atomic_load (&s_starts) >= 32 + 4);
}

NQ_TEST_MAIN (cmocka_unit_test (test_pool_resized_live_across_loops))
