# src/actors/ollama.mk: the Ollama HTTP client (libcurl multi on the actor's
# libuv loop), its NDJSON splitter, their tests and fuzz target.
noinst_LIBRARIES += libnqollama.a
libnqollama_a_CFLAGS = $(AM_CFLAGS) $(NQ_DEP_CFLAGS)
libnqollama_a_SOURCES = \
	src/actors/ndjson.c src/actors/ndjson.h \
	src/actors/curl_uv.c src/actors/curl_uv.h \
	src/actors/ollama.c src/actors/ollama.h
NQ_OLLAMA_LIBS = libnqollama.a libnqactors.a libnqcommon.a $(NQ_DEP_LIBS)

OLLAMA_UNIT = tests/unit/test_ndjson tests/unit/test_ollama_errors
check_PROGRAMS += $(OLLAMA_UNIT)
UNIT_TESTS += $(OLLAMA_UNIT)
TESTS += $(OLLAMA_UNIT)
tests_unit_test_ollama_errors_SOURCES = tests/unit/test_ollama_errors.c
tests_unit_test_ollama_errors_CFLAGS = $(NQ_TEST_CFLAGS)
tests_unit_test_ollama_errors_LDADD = libnqollama.a $(NQ_ACTORS_TEST_LIBS)
tests_unit_test_ndjson_SOURCES = tests/unit/test_ndjson.c
tests_unit_test_ndjson_CFLAGS = $(NQ_TEST_CFLAGS)
tests_unit_test_ndjson_LDADD = libnqollama.a $(NQ_ACTORS_TEST_LIBS)

# Against ollama-sim (started on a free port by the test).
OLLAMA_CLIENT_ITEST = tests/integration/test_ollama_client tests/integration/test_ollama_client_faults
check_PROGRAMS += $(OLLAMA_CLIENT_ITEST)
TESTS += $(OLLAMA_CLIENT_ITEST)
tests_integration_test_ollama_client_SOURCES = tests/integration/test_ollama_client.c \
	tests/integration/ollama_client_util.c tests/integration/ollama_client_util.h
tests_integration_test_ollama_client_CFLAGS = $(NQ_ITEST_CFLAGS)
tests_integration_test_ollama_client_LDADD = libnqollama.a libnqactors.a $(NQ_SIM_ITEST_LIBS)
tests_integration_test_ollama_client_faults_SOURCES = tests/integration/test_ollama_client_faults.c \
	tests/integration/ollama_client_util.c tests/integration/ollama_client_util.h
tests_integration_test_ollama_client_faults_CFLAGS = $(NQ_ITEST_CFLAGS)
tests_integration_test_ollama_client_faults_LDADD = libnqollama.a libnqactors.a $(NQ_SIM_ITEST_LIBS)

if FUZZING
FUZZ_TARGETS += tests/fuzz/fuzz_ndjson
noinst_PROGRAMS += tests/fuzz/fuzz_ndjson
tests_fuzz_fuzz_ndjson_SOURCES = tests/fuzz/fuzz_ndjson.c
tests_fuzz_fuzz_ndjson_CFLAGS = $(AM_CFLAGS) $(NQ_DEP_CFLAGS)
tests_fuzz_fuzz_ndjson_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_ndjson_LDADD = libnqollama.a libnqcommon.a $(NQ_DEP_LIBS)
endif
EXTRA_DIST += docs/ollama-client.md

# Benchmark driver (bench/ollama-client-bench runs it; results in docs/performance.md).
BENCH_PROGRAMS += bench/ollama/bench_ollama
bench_ollama_bench_ollama_SOURCES = bench/ollama/bench_ollama.c
bench_ollama_bench_ollama_CFLAGS = $(AM_CFLAGS) $(NQ_DEP_CFLAGS)
bench_ollama_bench_ollama_LDADD = $(NQ_OLLAMA_LIBS)
dist_noinst_SCRIPTS += bench/ollama-client-bench
