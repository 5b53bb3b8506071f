/*  runtime.c — N libuv loops on threads, their ready queues and wake-ups
    (see runtime.h). */
#include "actors/actor_int.h"

#include "common/alloc.h"
#include "common/errors.h"
#include "common/exitcodes.h"
#include "common/log.h"

#include <assert.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

_Thread_local nq_loop_t *nq_loop_current_ = NULL;

void
nq_runtime_opts_default (nq_runtime_opts_t *opts)
{
    assert (opts);
    memset (opts, 0, sizeof *opts);
    opts->loops = 1;
    opts->threaded = 1;
    opts->clock = nq_clock_system ();
    opts->budget = 64;
    opts->start_timeout_ms = 5000;
    opts->shutdown_grace_ms = 2000;
}

//  Runs the actors that have mail, a snapshot of the ready queue at a time;
//  actors re-armed during the pass wait for the next wake-up so that I/O
//  callbacks get their turn in between.
static void
s_drain_ready (nq_loop_t *loop)
{
    size_t n = atomic_load_explicit (&loop->ready_count, memory_order_acquire);
    for (size_t i = 0; i < n; i++) {
        nq_mpsc_node_t *node;
        while (!(node = nq_mpsc_pop (&loop->ready)))
            sched_yield ();    //  a producer between its two steps
        nq_actor_t *actor = (nq_actor_t *)((char *)node - offsetof (nq_actor_t, ready_node));
        nq_actor_run_ (actor, loop->rt->opts.budget);
        loop->work++;
    }
    if (n && atomic_fetch_sub_explicit (&loop->ready_count, n, memory_order_acq_rel) - n > 0)
        nq_loop_wake_ (loop);
}

static void
s_apply_stop_phase (nq_loop_t *loop)
{
    int phase = atomic_load (&loop->rt->stop_phase);
    if (phase == 0)
        return;
    //  Collect first: stopping an actor unlinks it from the registry.
    size_t n = 0;
    for (nq_actor_t *a = loop->actors; a; a = a->reg_next)
        n++;
    if (n == 0)
        return;
    nq_actor_t **list = nq_malloc (n * sizeof *list);
    if (!list) {
        for (nq_actor_t *a = loop->actors; a; a = a->reg_next)
            if (phase == 2 || !a->parent)
                nq_actor_stop (a, NQ_EXIT_SHUTDOWN);
        return;
    }
    size_t k = 0;
    for (nq_actor_t *a = loop->actors; a; a = a->reg_next)
        if (phase == 2 || !a->parent)
            list[k++] = nq_actor_ref (a);
    for (size_t i = 0; i < k; i++) {
        nq_actor_stop (list[i], NQ_EXIT_SHUTDOWN);
        nq_actor_unref (&list[i]);
    }
    nq_free (list);
}

static void
s_close_cb (uv_handle_t *h)
{
    nq_loop_t *loop = h->data;
    loop->handles_open--;
    loop->work++;
}

static void
s_close_loop_handles (nq_loop_t *loop)
{
    if (loop->handles_open == 2 && !uv_is_closing ((uv_handle_t *)&loop->async)) {
        s_drain_ready (loop);
        uv_close ((uv_handle_t *)&loop->async, s_close_cb);
        uv_close ((uv_handle_t *)&loop->timer, s_close_cb);
    }
}

static void
s_async_cb (uv_async_t *h)
{
    nq_loop_t *loop = h->data;
    s_drain_ready (loop);
    if (atomic_load (&loop->rt->stop_phase) != loop->stop_phase_seen) {
        loop->stop_phase_seen = atomic_load (&loop->rt->stop_phase);
        s_apply_stop_phase (loop);
    }
    if (atomic_load (&loop->rt->closing))
        s_close_loop_handles (loop);
}

static void
s_timer_cb (uv_timer_t *h)
{
    nq_loop_t *loop = h->data;
    loop->work += nq_timer_fire_due_ (loop, nq_clock_now_ms (loop->rt->opts.clock));
    nq_loop_timers_changed_ (loop);
}

void
nq_loop_timers_changed_ (nq_loop_t *loop)
{
    //  Driven runtimes fire timers from run_once on the (manual) clock.
    if (!loop->rt->opts.threaded || loop->handles_open < 2 || atomic_load (&loop->rt->closing))
        return;
    uint64_t due = nq_timer_next_due_ (loop);
    if (due == UINT64_MAX) {
        uv_timer_stop (&loop->timer);
        return;
    }
    uint64_t now = nq_clock_now_ms (loop->rt->opts.clock);
    uv_update_time (&loop->uv);
    uv_timer_start (&loop->timer, s_timer_cb, due > now ? due - now : 0, 0);
}

void
nq_loop_wake_ (nq_loop_t *loop)
{
    if (!atomic_load_explicit (&loop->async_closed, memory_order_acquire))
        uv_async_send (&loop->async);
}

void
nq_loop_schedule_ (nq_loop_t *loop, nq_actor_t *actor)
{
    nq_actor_ref (actor);    //  held while the actor is queued or running
    nq_mpsc_push (&loop->ready, &actor->ready_node);
    if (atomic_fetch_add_explicit (&loop->ready_count, 1, memory_order_acq_rel) == 0)
        nq_loop_wake_ (loop);
}

nq_runtime_t *
nq_runtime_new (const nq_runtime_opts_t *opts)
{
    nq_runtime_opts_t defaults;
    nq_runtime_opts_default (&defaults);
    if (!opts)
        opts = &defaults;
    nq_runtime_t *self = nq_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->opts = *opts;
    if (!self->opts.loops)
        self->opts.loops = 1;
    if (!self->opts.clock)
        self->opts.clock = nq_clock_system ();
    if (!self->opts.budget)
        self->opts.budget = defaults.budget;
    if (!self->opts.start_timeout_ms)
        self->opts.start_timeout_ms = defaults.start_timeout_ms;
    if (!self->opts.shutdown_grace_ms)
        self->opts.shutdown_grace_ms = defaults.shutdown_grace_ms;
    if (self->opts.seed)
        self->seed_base = self->opts.seed;
    else {
        nq_rng_t rng;
        nq_rng_seed_os (&rng);
        self->seed_base = nq_rng_next (&rng);
    }
    atomic_init (&self->next_id, 1);
    pthread_mutex_init (&self->mutex, NULL);
    pthread_cond_init (&self->cond, NULL);
    self->loops = nq_calloc (self->opts.loops, sizeof *self->loops);
    if (!self->loops)
        goto fail;
    for (unsigned i = 0; i < self->opts.loops; i++) {
        nq_loop_t *loop = &self->loops[i];
        loop->rt = self;
        loop->index = i;
        nq_mpsc_init (&loop->ready);
        if (uv_loop_init (&loop->uv) != 0)
            goto fail;
        self->nloops++;
        loop->uv.data = loop;
        uv_async_init (&loop->uv, &loop->async, s_async_cb);
        loop->async.data = loop;
        uv_timer_init (&loop->uv, &loop->timer);
        loop->timer.data = loop;
        loop->handles_open = 2;
    }
    return self;
fail:
    nq_runtime_destroy (&self);
    return NULL;
}

static void *
s_loop_thread (void *arg)
{
    nq_loop_t *loop = arg;
    nq_loop_current_ = loop;
    uv_run (&loop->uv, UV_RUN_DEFAULT);
    nq_loop_current_ = NULL;
    return NULL;
}

int
nq_runtime_start (nq_runtime_t *self)
{
    assert (self);
    if (!self->opts.threaded)
        return 0;
    for (unsigned i = 0; i < self->nloops; i++) {
        nq_loop_t *loop = &self->loops[i];
        if (loop->thread_started)
            continue;
        if (pthread_create (&loop->thread, NULL, s_loop_thread, loop) != 0)
            return NQ_EINTERNAL;
        loop->thread_started = 1;
    }
    return 0;
}

static size_t
s_run_once (nq_runtime_t *self)
{
    size_t work = 0;
    uint64_t now = nq_clock_now_ms (self->opts.clock);
    for (unsigned i = 0; i < self->nloops; i++) {
        nq_loop_t *loop = &self->loops[i];
        nq_loop_t *saved = nq_loop_current_;
        nq_loop_current_ = loop;
        loop->work = 0;
        loop->work += nq_timer_fire_due_ (loop, now);
        uv_run (&loop->uv, UV_RUN_NOWAIT);
        nq_loop_current_ = saved;
        work += loop->work;
    }
    return work;
}

size_t
nq_runtime_run_once (nq_runtime_t *self)
{
    assert (self && !self->opts.threaded);
    return s_run_once (self);
}

size_t
nq_runtime_settle (nq_runtime_t *self, size_t max_rounds)
{
    size_t total = 0;
    for (size_t i = 0; i < max_rounds; i++) {
        size_t work = nq_runtime_run_once (self);
        if (work == 0)
            break;
        total += work;
    }
    return total;
}

//  Waits for the loop threads, or drives the loops from this thread when
//  they have none (driven runtimes, or threaded ones never started), until
//  no actor is live or the grace period ends; returns the live count left.
static uint64_t
s_wait_all_stopped (nq_runtime_t *self, uint64_t grace_ms, int drive)
{
    if (drive) {
        for (size_t round = 0; round < 100000 && atomic_load (&self->live) > 0; round++)
            if (s_run_once (self) == 0 && round > 1000)
                break;
        return atomic_load (&self->live);
    }
    struct timespec deadline;
    clock_gettime (CLOCK_REALTIME, &deadline);
    deadline.tv_sec += (time_t)(grace_ms / 1000);
    deadline.tv_nsec += (long)(grace_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock (&self->mutex);
    while (atomic_load (&self->live) > 0)
        if (pthread_cond_timedwait (&self->cond, &self->mutex, &deadline) != 0)
            break;
    pthread_mutex_unlock (&self->mutex);
    return atomic_load (&self->live);
}

static void
s_wake_all (nq_runtime_t *self)
{
    for (unsigned i = 0; i < self->nloops; i++)
        if (self->loops[i].handles_open == 2)
            uv_async_send (&self->loops[i].async);
}

int
nq_runtime_destroy (nq_runtime_t **self_p)
{
    assert (self_p);
    nq_runtime_t *self = *self_p;
    if (!self)
        return 0;
    int rc = 0;
    int running = 0;
    for (unsigned i = 0; i < self->nloops; i++)
        running |= self->loops[i].thread_started;
    int drive = !running;
    if (self->nloops == self->opts.loops) {
        //  Roots first: supervisors stop their children in reverse order.
        atomic_store (&self->stop_phase, 1);
        s_wake_all (self);
        uint64_t left = s_wait_all_stopped (self, self->opts.shutdown_grace_ms, drive);
        if (left > 0) {
            atomic_store (&self->stop_phase, 2);
            s_wake_all (self);
            //  Every actor must honour a stop; waiting longer is all we can do.
            while ((left = s_wait_all_stopped (self, 10000, drive)) > 0) {
                NQ_LOG_WARN ("runtime_stop_waiting", NQ_LU ("actors_live", left));
                if (drive)
                    break;
            }
        }
    }
    atomic_store (&self->closing, 1);
    for (unsigned i = 0; i < self->nloops; i++) {
        nq_loop_t *loop = &self->loops[i];
        if (loop->thread_started) {
            uv_async_send (&loop->async);
            pthread_join (loop->thread, NULL);
        }
        else {
            nq_loop_current_ = loop;
            s_close_loop_handles (loop);
            uv_run (&loop->uv, UV_RUN_DEFAULT);
            nq_loop_current_ = NULL;
        }
        //  Whatever was scheduled after the async handle closed.
        while (atomic_load (&loop->ready_count) > 0)
            s_drain_ready (loop);
        nq_timer_heap_fini_ (loop);
        if (uv_loop_close (&loop->uv) != 0) {
            NQ_LOG_ERROR ("runtime_loop_leak", NQ_LU ("loop", i));
            rc = NQ_EINTERNAL;
        }
    }
    pthread_cond_destroy (&self->cond);
    pthread_mutex_destroy (&self->mutex);
    nq_free (self->loops);
    nq_free (self);
    *self_p = NULL;
    return rc;
}

unsigned
nq_runtime_loop_count (const nq_runtime_t *self)
{
    assert (self);
    return self->nloops;
}

uv_loop_t *
nq_runtime_uv_loop (nq_runtime_t *self, unsigned i)
{
    assert (self && i < self->nloops);
    return &self->loops[i].uv;
}

nq_clock_t *
nq_runtime_clock (const nq_runtime_t *self)
{
    assert (self);
    return self->opts.clock;
}

int
nq_runtime_current_loop (const nq_runtime_t *self)
{
    nq_loop_t *loop = nq_loop_current_;
    return loop && loop->rt == self ? (int)loop->index : -1;
}

void
nq_runtime_stats (const nq_runtime_t *self, nq_runtime_stats_t *stats)
{
    assert (self && stats);
    nq_runtime_t *rt = (nq_runtime_t *)self;
    stats->actors_live = atomic_load (&rt->live);
    stats->actors_started = atomic_load (&rt->started);
    stats->dead_letters = atomic_load (&rt->dead_letters);
    stats->late_replies = atomic_load (&rt->late_replies);
    stats->activations = stats->messages = 0;
    for (unsigned i = 0; i < rt->nloops; i++) {
        stats->activations += atomic_load_explicit (&rt->loops[i].activations, memory_order_relaxed);
        stats->messages += atomic_load_explicit (&rt->loops[i].messages, memory_order_relaxed);
    }
}

uint64_t
nq_runtime_seed (nq_runtime_t *self)
{
    assert (self);
    uint64_t n = atomic_fetch_add (&self->seed_seq, 1);
    nq_rng_t rng;
    nq_rng_seed (&rng, self->seed_base + n * 0x9E3779B97F4A7C15ULL);
    return nq_rng_next (&rng);
}

void
nq_runtime_root_exit (nq_runtime_t *self, const char *name, int reason)
{
    assert (self);
    if (self->opts.on_root_exit) {
        self->opts.on_root_exit (self, name, reason, self->opts.on_root_exit_arg);
        return;
    }
    //  The process cannot heal itself: let systemd or Kubernetes restart it
    //  (the broker requeues its leases). _exit: other loops are still running.
    _exit (NQ_EXIT_FAILED);
}
