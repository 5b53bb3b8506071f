# src/common: the NQP/1 codec (docs/protocol.md) and job ids, part of libnqcommon.a.
libnqcommon_a_SOURCES += \
	src/common/mpread.c src/common/mpread.h \
	src/common/protocol.h src/common/protocol_fields.h \
	src/common/protocol_limits.c src/common/protocol_limits.h \
	src/common/protocol_tables.c \
	src/common/protocol_msg.c \
	src/common/protocol_decode.c \
	src/common/protocol_encode.c
libnqcommon_a_SOURCES += \
	src/common/protocol_json.c src/common/protocol_json.h \
	src/common/protocol_zmq.c src/common/protocol_zmq.h \
	src/common/id.c src/common/id.h

# Samples behind the golden vectors, shared by tests, the vector tool and the benchmark.
noinst_LIBRARIES += libnqsamples.a
libnqsamples_a_SOURCES = tests/vectors/samples.c tests/vectors/samples.h \
	tests/vectors/vector_io.c tests/vectors/vector_io.h
libnqsamples_a_CFLAGS = $(AM_CFLAGS) $(NQ_DEP_CFLAGS)
NQ_PROTO_TEST_CFLAGS = $(NQ_TEST_CFLAGS) -I$(srcdir)/tests/vectors
NQ_PROTO_TEST_LIBS = libnqsamples.a $(NQ_TEST_LIBS)

# make-vectors SRCDIR: rewrites tests/vectors/*.hex and the fuzz seeds.
noinst_PROGRAMS += tests/vectors/make-vectors
tests_vectors_make_vectors_SOURCES = tests/vectors/make-vectors.c
tests_vectors_make_vectors_CFLAGS = $(AM_CFLAGS) $(NQ_DEP_CFLAGS)
tests_vectors_make_vectors_LDADD = libnqsamples.a libnqcommon.a $(NQ_DEP_LIBS)
vectors: tests/vectors/make-vectors
	tests/vectors/make-vectors $(abs_top_srcdir)
.PHONY: vectors
EXTRA_DIST += tests/vectors tests/fuzz/fuzz_frames.h

PROTOCOL_UNIT = tests/unit/test_protocol_roundtrip tests/unit/test_protocol_vectors \
	tests/unit/test_protocol_malformed tests/unit/test_protocol_json tests/unit/test_id
check_PROGRAMS += $(PROTOCOL_UNIT)
UNIT_TESTS += $(PROTOCOL_UNIT)
TESTS += $(PROTOCOL_UNIT)
tests_unit_test_protocol_roundtrip_SOURCES = tests/unit/test_protocol_roundtrip.c
tests_unit_test_protocol_roundtrip_CFLAGS = $(NQ_PROTO_TEST_CFLAGS)
tests_unit_test_protocol_roundtrip_LDADD = $(NQ_PROTO_TEST_LIBS)
tests_unit_test_protocol_vectors_SOURCES = tests/unit/test_protocol_vectors.c
tests_unit_test_protocol_vectors_CFLAGS = $(NQ_PROTO_TEST_CFLAGS)
tests_unit_test_protocol_vectors_LDADD = $(NQ_PROTO_TEST_LIBS)
tests_unit_test_protocol_malformed_SOURCES = tests/unit/test_protocol_malformed.c
tests_unit_test_protocol_malformed_CFLAGS = $(NQ_PROTO_TEST_CFLAGS)
tests_unit_test_protocol_malformed_LDADD = $(NQ_PROTO_TEST_LIBS)
tests_unit_test_protocol_json_SOURCES = tests/unit/test_protocol_json.c
tests_unit_test_protocol_json_CFLAGS = $(NQ_PROTO_TEST_CFLAGS)
tests_unit_test_protocol_json_LDADD = $(NQ_PROTO_TEST_LIBS)
tests_unit_test_id_SOURCES = tests/unit/test_id.c
tests_unit_test_id_CFLAGS = $(NQ_TEST_CFLAGS)
tests_unit_test_id_LDADD = $(NQ_TEST_LIBS)

# One libFuzzer target per decoder entry point; seeds come from make-vectors.
if FUZZING
PROTOCOL_FUZZ = tests/fuzz/fuzz_proto_client tests/fuzz/fuzz_proto_worker \
	tests/fuzz/fuzz_proto_peer tests/fuzz/fuzz_proto_json
FUZZ_TARGETS += $(PROTOCOL_FUZZ)
noinst_PROGRAMS += $(PROTOCOL_FUZZ)
tests_fuzz_fuzz_proto_client_SOURCES = tests/fuzz/fuzz_proto_client.c
tests_fuzz_fuzz_proto_client_CFLAGS = $(AM_CFLAGS) $(NQ_DEP_CFLAGS)
tests_fuzz_fuzz_proto_client_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_proto_client_LDADD = libnqcommon.a $(NQ_DEP_LIBS)
tests_fuzz_fuzz_proto_worker_SOURCES = tests/fuzz/fuzz_proto_worker.c
tests_fuzz_fuzz_proto_worker_CFLAGS = $(AM_CFLAGS) $(NQ_DEP_CFLAGS)
tests_fuzz_fuzz_proto_worker_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_proto_worker_LDADD = libnqcommon.a $(NQ_DEP_LIBS)
tests_fuzz_fuzz_proto_peer_SOURCES = tests/fuzz/fuzz_proto_peer.c
tests_fuzz_fuzz_proto_peer_CFLAGS = $(AM_CFLAGS) $(NQ_DEP_CFLAGS)
tests_fuzz_fuzz_proto_peer_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_proto_peer_LDADD = libnqcommon.a $(NQ_DEP_LIBS)
tests_fuzz_fuzz_proto_json_SOURCES = tests/fuzz/fuzz_proto_json.c
tests_fuzz_fuzz_proto_json_CFLAGS = $(AM_CFLAGS) $(NQ_DEP_CFLAGS)
tests_fuzz_fuzz_proto_json_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_proto_json_LDADD = libnqcommon.a $(NQ_DEP_LIBS)
endif

# Codec benchmark driver (bench/codec-bench runs it).
BENCH_PROGRAMS += bench/codec/codec_bench
bench_codec_codec_bench_SOURCES = bench/codec/codec_bench.c
bench_codec_codec_bench_CFLAGS = $(AM_CFLAGS) $(NQ_DEP_CFLAGS) -I$(srcdir)/tests/vectors
bench_codec_codec_bench_LDADD = libnqsamples.a libnqcommon.a $(NQ_DEP_LIBS)
EXTRA_DIST += bench/codec-bench
