# bench: the fleet benchmark (bench/fleet-bench runs it; results in docs/performance.md, "Fleet").
BENCH_PROGRAMS += bench/fleet/fleet_bench
bench_fleet_fleet_bench_SOURCES = bench/fleet/fleet_bench.c
bench_fleet_fleet_bench_CFLAGS = $(AM_CFLAGS) $(NQ_DEP_CFLAGS)
bench_fleet_fleet_bench_LDADD = libnovaq.a libnqcommon.a $(NQ_DEP_LIBS)
dist_noinst_SCRIPTS += bench/fleet-bench
