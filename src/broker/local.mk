# src/broker: queues, scheduler, dispatcher, journal, admission, admin, metrics.
noinst_LIBRARIES += libnqbroker.a
libnqbroker_a_CFLAGS = $(AM_CFLAGS) $(NQ_DEP_CFLAGS)
libnqbroker_a_SOURCES = \
	src/broker/sched.c src/broker/sched.h \
	src/broker/admission.c src/broker/admission.h \
	src/broker/timers.c src/broker/timers.h \
	src/broker/job.c src/broker/job.h \
	src/broker/journal.c src/broker/journal.h \
	src/broker/journal_mem.c src/broker/journal_mem.h \
	src/broker/registry.c src/broker/registry.h \
	src/broker/engine.c src/broker/engine.h src/broker/engine_int.h \
	src/broker/engine_workers.c src/broker/engine_ops.c \
	src/broker/broker_reply.c src/broker/broker_reply.h \
	src/broker/broker_http.c src/broker/broker_http.h \
	src/broker/broker.c src/broker/broker.h \
	src/broker/broker_main.c

check_PROGRAMS += tests/unit/test_sched
UNIT_TESTS += tests/unit/test_sched
TESTS += tests/unit/test_sched
tests_unit_test_sched_SOURCES = tests/unit/test_sched.c
tests_unit_test_sched_CFLAGS = $(NQ_TEST_CFLAGS)
tests_unit_test_sched_LDADD = libnqbroker.a $(NQ_TEST_LIBS)

check_PROGRAMS += tests/unit/test_registry
UNIT_TESTS += tests/unit/test_registry
TESTS += tests/unit/test_registry
tests_unit_test_registry_SOURCES = tests/unit/test_registry.c
tests_unit_test_registry_CFLAGS = $(NQ_TEST_CFLAGS)
tests_unit_test_registry_LDADD = libnqbroker.a $(NQ_TEST_LIBS)

check_PROGRAMS += tests/unit/test_admission
UNIT_TESTS += tests/unit/test_admission
TESTS += tests/unit/test_admission
tests_unit_test_admission_SOURCES = tests/unit/test_admission.c
tests_unit_test_admission_CFLAGS = $(NQ_TEST_CFLAGS)
tests_unit_test_admission_LDADD = libnqbroker.a $(NQ_TEST_LIBS)

check_PROGRAMS += tests/unit/test_engine
UNIT_TESTS += tests/unit/test_engine
TESTS += tests/unit/test_engine
tests_unit_test_engine_SOURCES = tests/unit/test_engine.c
tests_unit_test_engine_CFLAGS = $(NQ_TEST_CFLAGS)
tests_unit_test_engine_LDADD = libnqbroker.a $(NQ_TEST_LIBS)

check_PROGRAMS += tests/integration/test_broker
TESTS += tests/integration/test_broker
tests_integration_test_broker_SOURCES = tests/integration/test_broker.c
tests_integration_test_broker_CFLAGS = $(NQ_ITEST_CFLAGS)
tests_integration_test_broker_LDADD = $(NQ_ITEST_LIBS)

# The broker's acceptance with real processes (broker, echo workers, libnovaq).
check_PROGRAMS += tests/integration/test_fleet
TESTS += tests/integration/test_fleet
tests_integration_test_fleet_SOURCES = tests/integration/test_fleet.c
tests_integration_test_fleet_CFLAGS = $(NQ_ITEST_CFLAGS)
tests_integration_test_fleet_LDADD = libnqinferit.a libnovaq.a $(NQ_ITEST_LIBS)
TESTS += tests/integration/test_admin.sh
EXTRA_DIST += tests/integration/test_admin.sh
TESTS += tests/integration/test_serve.sh
EXTRA_DIST += tests/integration/test_serve.sh
