# tools/ollama-sim: the Ollama API simulator, and the reusable HTTP server it
# stands on (src/common/http_server, part of libnqcommon.a).
libnqcommon_a_SOURCES += src/common/http_server.c src/common/http_server.h \
	src/common/http_request.c src/common/http_request.h

# The simulator's pure pieces, shared by the program and its unit tests.
noinst_LIBRARIES += libnqsim.a
libnqsim_a_CFLAGS = $(AM_CFLAGS) $(NQ_DEP_CFLAGS)
libnqsim_a_SOURCES = \
	tools/ollama-sim/sim.c tools/ollama-sim/sim.h \
	tools/ollama-sim/catalogue.c tools/ollama-sim/catalogue.h \
	tools/ollama-sim/sim_sched.c tools/ollama-sim/sim_sched.h \
	tools/ollama-sim/sim_text.c tools/ollama-sim/sim_text.h \
	tools/ollama-sim/sim_format.c tools/ollama-sim/sim_format.h \
	tools/ollama-sim/sim_vec.c tools/ollama-sim/sim_vec.h \
	tools/ollama-sim/sim_faults.c tools/ollama-sim/sim_faults.h \
	tools/ollama-sim/sim_stats.c tools/ollama-sim/sim_stats.h \
	tools/ollama-sim/sim_generate.c tools/ollama-sim/sim_embed.c \
	tools/ollama-sim/sim_info.c tools/ollama-sim/sim_admin.c

bin_PROGRAMS += tools/ollama-sim/ollama-sim
tools_ollama_sim_ollama_sim_SOURCES = tools/ollama-sim/main.c
tools_ollama_sim_ollama_sim_CFLAGS = $(AM_CFLAGS) $(NQ_DEP_CFLAGS)
tools_ollama_sim_ollama_sim_LDADD = libnqsim.a libnqcommon.a $(NQ_DEP_LIBS)

# Tests: unit tests of the pure pieces and of the HTTP server; integration
# tests that start the simulator and speak plain HTTP to it (libcurl).
SIM_UNIT = tests/unit/test_sim_model tests/unit/test_sim_sched tests/unit/test_http_server
SIM_ITEST = tests/integration/test_ollama_sim_api tests/integration/test_ollama_sim_sched \
	tests/integration/test_ollama_sim_faults tests/integration/test_ollama_sim_load
check_PROGRAMS += $(SIM_UNIT) $(SIM_ITEST)
UNIT_TESTS += $(SIM_UNIT)
TESTS += $(SIM_UNIT) $(SIM_ITEST) tests/integration/test_ollama_sim_cli.sh
EXTRA_DIST += tests/integration/test_ollama_sim_cli.sh
tests_unit_test_sim_model_SOURCES = tests/unit/test_sim_model.c
tests_unit_test_sim_model_CFLAGS = $(NQ_TEST_CFLAGS) -I$(srcdir)/tools/ollama-sim
tests_unit_test_sim_model_LDADD = libnqsim.a $(NQ_TEST_LIBS)
tests_unit_test_http_server_SOURCES = tests/unit/test_http_server.c
tests_unit_test_http_server_CFLAGS = $(NQ_TEST_CFLAGS)
tests_unit_test_http_server_LDADD = $(NQ_TEST_LIBS)

noinst_LIBRARIES += libnqsimclient.a
libnqsimclient_a_SOURCES = tests/integration/sim_client.c tests/integration/sim_client.h
libnqsimclient_a_CFLAGS = $(NQ_ITEST_CFLAGS)
NQ_SIM_ITEST_LIBS = libnqsimclient.a $(NQ_ITEST_LIBS)
tests_integration_test_ollama_sim_api_SOURCES = tests/integration/test_ollama_sim_api.c
tests_integration_test_ollama_sim_api_CFLAGS = $(NQ_ITEST_CFLAGS)
tests_integration_test_ollama_sim_api_LDADD = $(NQ_SIM_ITEST_LIBS)
tests_integration_test_ollama_sim_sched_SOURCES = tests/integration/test_ollama_sim_sched.c
tests_integration_test_ollama_sim_sched_CFLAGS = $(NQ_ITEST_CFLAGS)
tests_integration_test_ollama_sim_sched_LDADD = $(NQ_SIM_ITEST_LIBS)
tests_integration_test_ollama_sim_faults_SOURCES = tests/integration/test_ollama_sim_faults.c
tests_integration_test_ollama_sim_faults_CFLAGS = $(NQ_ITEST_CFLAGS)
tests_integration_test_ollama_sim_faults_LDADD = $(NQ_SIM_ITEST_LIBS)
tests_integration_test_ollama_sim_load_SOURCES = tests/integration/test_ollama_sim_load.c
tests_integration_test_ollama_sim_load_CFLAGS = $(NQ_ITEST_CFLAGS)
tests_integration_test_ollama_sim_load_LDADD = $(NQ_SIM_ITEST_LIBS)

# Benchmark driver (run by bench/ollama-sim-throughput).
BENCH_PROGRAMS += bench/ollama-sim/sim_bench
bench_ollama_sim_sim_bench_SOURCES = bench/ollama-sim/sim_bench.c
bench_ollama_sim_sim_bench_CFLAGS = $(NQ_ITEST_CFLAGS)
bench_ollama_sim_sim_bench_LDADD = $(NQ_SIM_ITEST_LIBS)
EXTRA_DIST += bench/ollama-sim-throughput docs/ollama-sim.md docs/decisions/0001-http-server.md
tests_unit_test_sim_sched_SOURCES = tests/unit/test_sim_sched.c
tests_unit_test_sim_sched_CFLAGS = $(NQ_TEST_CFLAGS) -I$(srcdir)/tools/ollama-sim
tests_unit_test_sim_sched_LDADD = libnqsim.a $(NQ_TEST_LIBS)

# Fuzz target for the HTTP request parser (seeds in tests/fuzz/corpus/fuzz_http_request/).
if FUZZING
FUZZ_TARGETS += tests/fuzz/fuzz_http_request
noinst_PROGRAMS += tests/fuzz/fuzz_http_request
tests_fuzz_fuzz_http_request_SOURCES = tests/fuzz/fuzz_http_request.c
tests_fuzz_fuzz_http_request_CFLAGS = $(AM_CFLAGS) $(NQ_DEP_CFLAGS)
tests_fuzz_fuzz_http_request_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_http_request_LDADD = libnqcommon.a $(NQ_DEP_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus/fuzz_http_request
