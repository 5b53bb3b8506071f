# src/broker: queues, scheduler, dispatcher, journal, admission, admin, metrics.
noinst_LIBRARIES += libnqbroker.a
libnqbroker_a_CFLAGS = $(AM_CFLAGS) $(NQ_DEP_CFLAGS)
libnqbroker_a_SOURCES = \
	src/broker/sched.c src/broker/sched.h \
	src/broker/admission.c src/broker/admission.h

check_PROGRAMS += tests/unit/test_sched
UNIT_TESTS += tests/unit/test_sched
TESTS += tests/unit/test_sched
tests_unit_test_sched_SOURCES = tests/unit/test_sched.c
tests_unit_test_sched_CFLAGS = $(NQ_TEST_CFLAGS)
tests_unit_test_sched_LDADD = libnqbroker.a $(NQ_TEST_LIBS)

check_PROGRAMS += tests/unit/test_admission
UNIT_TESTS += tests/unit/test_admission
TESTS += tests/unit/test_admission
tests_unit_test_admission_SOURCES = tests/unit/test_admission.c
tests_unit_test_admission_CFLAGS = $(NQ_TEST_CFLAGS)
tests_unit_test_admission_LDADD = libnqbroker.a $(NQ_TEST_LIBS)
