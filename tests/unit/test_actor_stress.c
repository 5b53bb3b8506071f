/*  test_actor_stress.c — 1,000 actors over 4 loops exchange 1,000,000
    messages: none lost, none duplicated, per-sender order kept, no dead
    letters, and every loop closes cleanly (uv_loop_close returns 0 inside
    nq_runtime_destroy). Runs in-process under ASan too. */
#include "nqtest.h"

#include "actors/actor.h"
#include "actors/runtime.h"
#include "common/alloc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#define N_ACTORS 1000
#define N_LOOPS 4
#define PER_ACTOR 1000    //  messages each actor sends: 1,000,000 in all
#define N_TARGETS 4
#define BURST 50

enum { T_KICK = 1, T_MORE, T_DATA };

typedef struct {
    uint32_t from;
    uint32_t seq;    //  per (sender, receiver) pair, from 0
} data_t;

typedef struct {
    uint32_t index;
    uint32_t sent;
    uint32_t pair_seq[N_TARGETS];
} st_t;

static nq_actor_t *s_actors[N_ACTORS];
static st_t s_state[N_ACTORS];
static uint16_t (*s_got)[N_ACTORS];    //  s_got[receiver][sender], written by the receiver's loop
static _Atomic uint64_t s_received;
static _Atomic uint64_t s_order_errors;
static pthread_mutex_t s_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t s_cond = PTHREAD_COND_INITIALIZER;

static uint32_t
s_target (uint32_t i, unsigned k)
{
    static const uint32_t step[N_TARGETS] = {1, 7, 333, 501};    //  crosses loops and stays on them
    return (i + step[k]) % N_ACTORS;
}

static int
s_init (nq_actor_t *self, void *arg)
{
    nq_actor_set_state (self, arg);
    return 0;
}

static int
s_handle (nq_actor_t *self, nq_mail_t *msg)
{
    st_t *st = nq_actor_state (self);
    if (msg->type == T_DATA) {
        data_t d;
        memcpy (&d, msg->data, sizeof d);
        if (d.seq != s_got[st->index][d.from])
            atomic_fetch_add (&s_order_errors, 1);
        s_got[st->index][d.from]++;
        if (atomic_fetch_add (&s_received, 1) + 1 == (uint64_t)N_ACTORS * PER_ACTOR) {
            pthread_mutex_lock (&s_mutex);
            pthread_cond_broadcast (&s_cond);
            pthread_mutex_unlock (&s_mutex);
        }
        return 0;
    }
    //  T_KICK / T_MORE: send a burst, then ask ourselves for more, so the
    //  loop interleaves senders instead of one actor flooding it.
    for (int b = 0; b < BURST && st->sent < PER_ACTOR; b++, st->sent++) {
        unsigned k = st->sent % N_TARGETS;
        data_t d = {.from = st->index, .seq = st->pair_seq[k]++};
        int rc = nq_actor_send (s_actors[s_target (st->index, k)], T_DATA, &d, sizeof d);
        if (rc != 0)
            return rc;
    }
    if (st->sent < PER_ACTOR)
        return nq_actor_send (self, T_MORE, NULL, 0);
    return 0;
}

static const nq_actor_def_t s_def = {.name = "stress", .init = s_init, .handle = s_handle};

static void
test_thousand_actors_million_messages (void **state)
{
    (void)state;
    s_got = nq_calloc (N_ACTORS, sizeof *s_got);
    assert_non_null (s_got);
    nq_runtime_opts_t opts;
    nq_runtime_opts_default (&opts);
    opts.loops = N_LOOPS;
    nq_runtime_t *rt = nq_runtime_new (&opts);
    assert_non_null (rt);
    assert_int_equal (nq_runtime_start (rt), 0);
    for (uint32_t i = 0; i < N_ACTORS; i++) {
        s_state[i].index = i;
        nq_spawn_opts_t so = {.loop = i % N_LOOPS};
        assert_int_equal (nq_actor_spawn (rt, &s_def, &s_state[i], &so, &s_actors[i]), 0);
    }
    for (uint32_t i = 0; i < N_ACTORS; i++)
        assert_int_equal (nq_actor_send (s_actors[i], T_KICK, NULL, 0), 0);

    struct timespec deadline;
    clock_gettime (CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 120;
    pthread_mutex_lock (&s_mutex);
    while (atomic_load (&s_received) < (uint64_t)N_ACTORS * PER_ACTOR)
        if (pthread_cond_timedwait (&s_cond, &s_mutex, &deadline) != 0)
            break;
    pthread_mutex_unlock (&s_mutex);
    assert_int_equal (atomic_load (&s_received), (uint64_t)N_ACTORS * PER_ACTOR);
    assert_int_equal (atomic_load (&s_order_errors), 0);

    //  Every pair got exactly what was sent: nothing lost, nothing twice.
    for (uint32_t s = 0; s < N_ACTORS; s++) {
        assert_int_equal (s_state[s].sent, PER_ACTOR);
        uint32_t total = 0;
        for (unsigned k = 0; k < N_TARGETS; k++) {
            uint32_t r = s_target (s, k);
            assert_int_equal (s_got[r][s], s_state[s].pair_seq[k]);
            total += s_got[r][s];
        }
        assert_int_equal (total, PER_ACTOR);
    }
    nq_runtime_stats_t st;
    nq_runtime_stats (rt, &st);
    assert_int_equal (st.dead_letters, 0);
    assert_int_equal (st.actors_live, N_ACTORS);
    assert_true (st.messages >= (uint64_t)N_ACTORS * PER_ACTOR);
    print_message ("# %llu messages in %llu activations\n", (unsigned long long)st.messages,
                   (unsigned long long)st.activations);

    for (uint32_t i = 0; i < N_ACTORS; i++)
        nq_actor_unref (&s_actors[i]);
    //  Stops every actor, joins the loops; non-zero if a loop had a handle left.
    assert_int_equal (nq_runtime_destroy (&rt), 0);
    nq_free (s_got);
}

NQ_TEST_MAIN (cmocka_unit_test (test_thousand_actors_million_messages))
