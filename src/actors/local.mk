# src/actors: the actor runtime (mailboxes, loops, actors, timers),
# supervisors and circuit breakers. Built as libnqactors.a; uses src/common only.
noinst_LIBRARIES += libnqactors.a
libnqactors_a_CFLAGS = $(AM_CFLAGS) $(NQ_DEP_CFLAGS)
libnqactors_a_SOURCES = \
	src/actors/mpsc.h \
	src/actors/mailbox.c src/actors/mailbox.h \
	src/actors/actor_int.h \
	src/actors/runtime.c src/actors/runtime.h \
	src/actors/timer.c \
	src/actors/actor.c src/actors/actor.h \
	src/actors/breaker.c src/actors/breaker.h \
	src/actors/supervisor.c src/actors/supervisor.h

# The worker process: its broker link, the echo slot actors, the tree.
noinst_LIBRARIES += libnqworker.a
libnqworker_a_CFLAGS = $(AM_CFLAGS) $(NQ_DEP_CFLAGS)
libnqworker_a_SOURCES = \
	src/actors/worker_int.h \
	src/actors/link.c src/actors/link.h \
	src/actors/slot.c src/actors/slot.h \
	src/actors/echo.c \
	src/actors/worker.c src/actors/worker.h \
	src/actors/worker_main.c \
	src/actors/reflect.c src/actors/reflect.h \
	src/actors/instance.c src/actors/instance.h \
	src/actors/probe.c \
	src/actors/infer_int.h src/actors/infer.c src/actors/infer_chat.c \
	src/actors/infer_embed.c src/actors/infer_reflect.c

# Unit tests of the actor runtime (in-process, driven clocks).
NQ_ACTORS_TEST_LIBS = libnqactors.a $(NQ_TEST_LIBS)
ACTORS_UNIT = tests/unit/test_mailbox tests/unit/test_actor tests/unit/test_breaker tests/unit/test_supervisor \
	tests/unit/test_supervisor_exit tests/unit/test_supervisor_threaded tests/unit/test_actor_stress
check_PROGRAMS += $(ACTORS_UNIT)
UNIT_TESTS += $(ACTORS_UNIT)
TESTS += $(ACTORS_UNIT)
tests_unit_test_mailbox_SOURCES = tests/unit/test_mailbox.c
tests_unit_test_mailbox_CFLAGS = $(NQ_TEST_CFLAGS)
tests_unit_test_mailbox_LDADD = $(NQ_ACTORS_TEST_LIBS)
tests_unit_test_actor_SOURCES = tests/unit/test_actor.c
tests_unit_test_actor_CFLAGS = $(NQ_TEST_CFLAGS)
tests_unit_test_actor_LDADD = $(NQ_ACTORS_TEST_LIBS)
tests_unit_test_breaker_SOURCES = tests/unit/test_breaker.c
tests_unit_test_breaker_CFLAGS = $(NQ_TEST_CFLAGS)
tests_unit_test_breaker_LDADD = $(NQ_ACTORS_TEST_LIBS)
tests_unit_test_supervisor_SOURCES = tests/unit/test_supervisor.c
tests_unit_test_supervisor_CFLAGS = $(NQ_TEST_CFLAGS)
tests_unit_test_supervisor_LDADD = $(NQ_ACTORS_TEST_LIBS)
tests_unit_test_supervisor_exit_SOURCES = tests/unit/test_supervisor_exit.c
tests_unit_test_supervisor_exit_CFLAGS = $(NQ_TEST_CFLAGS)
tests_unit_test_supervisor_exit_LDADD = $(NQ_ACTORS_TEST_LIBS)
tests_unit_test_supervisor_threaded_SOURCES = tests/unit/test_supervisor_threaded.c
tests_unit_test_supervisor_threaded_CFLAGS = $(NQ_TEST_CFLAGS)
tests_unit_test_supervisor_threaded_LDADD = $(NQ_ACTORS_TEST_LIBS)
tests_unit_test_actor_stress_SOURCES = tests/unit/test_actor_stress.c
tests_unit_test_actor_stress_CFLAGS = $(NQ_TEST_CFLAGS)
tests_unit_test_actor_stress_LDADD = $(NQ_ACTORS_TEST_LIBS)

# Benchmark driver (bench/actors-bench runs it; results in docs/performance.md).
BENCH_PROGRAMS += bench/actors/bench_actors
bench_actors_bench_actors_SOURCES = bench/actors/bench_actors.c
bench_actors_bench_actors_CFLAGS = $(AM_CFLAGS) $(NQ_DEP_CFLAGS)
bench_actors_bench_actors_LDADD = libnqactors.a libnqcommon.a $(NQ_DEP_LIBS)
dist_noinst_SCRIPTS += bench/actors-bench

check_PROGRAMS += tests/unit/test_reflect
UNIT_TESTS += tests/unit/test_reflect
TESTS += tests/unit/test_reflect
tests_unit_test_reflect_SOURCES = tests/unit/test_reflect.c
tests_unit_test_reflect_CFLAGS = $(NQ_TEST_CFLAGS)
tests_unit_test_reflect_LDADD = libnqworker.a $(NQ_ACTORS_TEST_LIBS)

check_PROGRAMS += tests/unit/test_instance
UNIT_TESTS += tests/unit/test_instance
TESTS += tests/unit/test_instance
tests_unit_test_instance_SOURCES = tests/unit/test_instance.c
tests_unit_test_instance_CFLAGS = $(NQ_TEST_CFLAGS)
tests_unit_test_instance_LDADD = libnqworker.a libnqollama.a $(NQ_ACTORS_TEST_LIBS)

# The Ollama worker end to end: broker, worker and ollama-sim processes.
INFER_ITEST = tests/integration/test_infer tests/integration/test_infer_faults
check_PROGRAMS += $(INFER_ITEST)
TESTS += $(INFER_ITEST)
noinst_LIBRARIES += libnqinferit.a
libnqinferit_a_SOURCES = tests/integration/infer_util.c tests/integration/infer_util.h
libnqinferit_a_CFLAGS = $(NQ_ITEST_CFLAGS)
tests_integration_test_infer_SOURCES = tests/integration/test_infer.c
tests_integration_test_infer_CFLAGS = $(NQ_ITEST_CFLAGS)
tests_integration_test_infer_LDADD = libnqinferit.a $(NQ_SIM_ITEST_LIBS) -lm
tests_integration_test_infer_faults_SOURCES = tests/integration/test_infer_faults.c
tests_integration_test_infer_faults_CFLAGS = $(NQ_ITEST_CFLAGS)
tests_integration_test_infer_faults_LDADD = libnqinferit.a $(NQ_SIM_ITEST_LIBS)
