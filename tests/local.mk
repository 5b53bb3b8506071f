# tests: the foundation's unit tests, the integration harness and its tests.
# Other areas add their tests in their own local.mk.
NQ_TEST_CFLAGS = $(AM_CFLAGS) $(NQ_DEP_CFLAGS) $(CMOCKA_CFLAGS) \
	-DNQ_SRCDIR='"$(abs_top_srcdir)"' -DNQ_BUILDDIR='"$(abs_top_builddir)"'
NQ_TEST_LIBS = libnqcommon.a $(NQ_DEP_LIBS) $(CMOCKA_LIBS)

EXTRA_DIST += tests/run-one tests/unit/nqtest.h

# Unit tests (cmocka, TAP output).
FOUNDATION_UNIT = tests/unit/test_errors tests/unit/test_alloc tests/unit/test_clock \
	tests/unit/test_log tests/unit/test_config tests/unit/test_ollama_spec
check_PROGRAMS += $(FOUNDATION_UNIT)
UNIT_TESTS += $(FOUNDATION_UNIT)
TESTS += $(FOUNDATION_UNIT)
tests_unit_test_errors_SOURCES = tests/unit/test_errors.c
tests_unit_test_errors_CFLAGS = $(NQ_TEST_CFLAGS)
tests_unit_test_errors_LDADD = $(NQ_TEST_LIBS)
tests_unit_test_alloc_SOURCES = tests/unit/test_alloc.c
tests_unit_test_alloc_CFLAGS = $(NQ_TEST_CFLAGS)
tests_unit_test_alloc_LDADD = $(NQ_TEST_LIBS)
tests_unit_test_clock_SOURCES = tests/unit/test_clock.c
tests_unit_test_clock_CFLAGS = $(NQ_TEST_CFLAGS)
tests_unit_test_clock_LDADD = $(NQ_TEST_LIBS)
tests_unit_test_log_SOURCES = tests/unit/test_log.c
tests_unit_test_log_CFLAGS = $(NQ_TEST_CFLAGS)
tests_unit_test_log_LDADD = $(NQ_TEST_LIBS)
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CFLAGS = $(NQ_TEST_CFLAGS)
tests_unit_test_config_LDADD = $(NQ_TEST_LIBS)
tests_unit_test_ollama_spec_SOURCES = tests/unit/test_ollama_spec.c
tests_unit_test_ollama_spec_CFLAGS = $(NQ_TEST_CFLAGS)
tests_unit_test_ollama_spec_LDADD = $(NQ_TEST_LIBS)

# The integration harness, linked into every integration test.
noinst_LIBRARIES += libnqharness.a
libnqharness_a_SOURCES = tests/integration/harness.c tests/integration/harness.h
libnqharness_a_CFLAGS = $(AM_CFLAGS)
NQ_ITEST_CFLAGS = $(NQ_TEST_CFLAGS) -I$(srcdir)/tests/integration
NQ_ITEST_LIBS = libnqharness.a $(NQ_TEST_LIBS)

check_PROGRAMS += tests/integration/test_services tests/integration/test_harness
TESTS += tests/integration/test_services tests/integration/test_harness tests/integration/test_cli.sh
EXTRA_DIST += tests/integration/test_cli.sh
tests_integration_test_services_SOURCES = tests/integration/test_services.c
tests_integration_test_services_CFLAGS = $(NQ_ITEST_CFLAGS)
tests_integration_test_services_LDADD = $(NQ_ITEST_LIBS)
tests_integration_test_harness_SOURCES = tests/integration/test_harness.c
tests_integration_test_harness_CFLAGS = $(NQ_ITEST_CFLAGS)
tests_integration_test_harness_LDADD = $(NQ_ITEST_LIBS)

# Tests find built programs here.
AM_TESTS_ENVIRONMENT = NQ_BUILDDIR='$(abs_top_builddir)'; export NQ_BUILDDIR; \
	NQ_SRCDIR='$(abs_top_srcdir)'; export NQ_SRCDIR; PATH='$(abs_top_builddir):$(PATH)'; export PATH;

# Fuzz targets (libFuzzer): a decoder per target, seeds under tests/fuzz/corpus/NAME/.
if FUZZING
FUZZ_TARGETS += tests/fuzz/fuzz_config
noinst_PROGRAMS += tests/fuzz/fuzz_config
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c
tests_fuzz_fuzz_config_CFLAGS = $(AM_CFLAGS) $(NQ_DEP_CFLAGS)
tests_fuzz_fuzz_config_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_config_LDADD = libnqcommon.a $(NQ_DEP_LIBS)
endif
EXTRA_DIST += tests/fuzz/run-all

check_PROGRAMS += tests/unit/test_zuv
UNIT_TESTS += tests/unit/test_zuv
TESTS += tests/unit/test_zuv
tests_unit_test_zuv_SOURCES = tests/unit/test_zuv.c
tests_unit_test_zuv_CFLAGS = $(NQ_TEST_CFLAGS)
tests_unit_test_zuv_LDADD = $(NQ_TEST_LIBS)

# Ollama-backed workers as operators run them (scale, warm-first, fallback, SIGTERM).
TESTS += tests/integration/test_ollama_ops.sh
EXTRA_DIST += tests/integration/test_ollama_ops.sh
