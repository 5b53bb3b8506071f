# bench: the broker benchmark (issue 5): novaq against gearmand, a Redis
# reliable queue and the bare ZeroMQ floor. bench/broker-bench runs it;
# results in docs/performance.md ("Broker").
NQ_BENCH_STATS = bench/peers/bench_stats.c bench/peers/bench_stats.h
NQ_BENCH_CFLAGS = $(AM_CFLAGS) $(NQ_DEP_CFLAGS) -I$(srcdir)/bench

BENCH_PROGRAMS += bench/broker/bench_broker
bench_broker_bench_broker_SOURCES = bench/broker/bench_broker.c $(NQ_BENCH_STATS)
bench_broker_bench_broker_CFLAGS = $(NQ_BENCH_CFLAGS)
bench_broker_bench_broker_LDADD = libnovaq.a libnqcommon.a $(NQ_DEP_LIBS)

BENCH_PROGRAMS += bench/peers/bench_zmq_floor
bench_peers_bench_zmq_floor_SOURCES = bench/peers/bench_zmq_floor.c $(NQ_BENCH_STATS)
bench_peers_bench_zmq_floor_CFLAGS = $(NQ_BENCH_CFLAGS)
bench_peers_bench_zmq_floor_LDADD = $(ZMQ_LIBS) -lpthread

BENCH_PROGRAMS += bench/peers/bench_redisq
bench_peers_bench_redisq_SOURCES = bench/peers/bench_redisq.c $(NQ_BENCH_STATS)
bench_peers_bench_redisq_CFLAGS = $(NQ_BENCH_CFLAGS)
bench_peers_bench_redisq_LDADD = $(HIREDIS_LIBS) -lpthread

# The gearmand peer builds only where libgearman is installed (configure
# looks for it; nothing else depends on it).
if HAVE_GEARMAN
BENCH_PROGRAMS += bench/peers/bench_gearman
bench_peers_bench_gearman_SOURCES = bench/peers/bench_gearman.c $(NQ_BENCH_STATS)
bench_peers_bench_gearman_CFLAGS = $(NQ_BENCH_CFLAGS) $(GEARMAN_CFLAGS)
bench_peers_bench_gearman_LDADD = $(GEARMAN_LIBS) -lpthread
endif
EXTRA_DIST += bench/peers/bench_gearman.c

dist_noinst_SCRIPTS += bench/broker-bench

# bench: the fleet benchmark (bench/fleet-bench runs it; results in docs/performance.md, "Fleet").
BENCH_PROGRAMS += bench/fleet/fleet_bench
bench_fleet_fleet_bench_SOURCES = bench/fleet/fleet_bench.c
bench_fleet_fleet_bench_CFLAGS = $(AM_CFLAGS) $(NQ_DEP_CFLAGS)
bench_fleet_fleet_bench_LDADD = libnovaq.a libnqcommon.a $(NQ_DEP_LIBS)
dist_noinst_SCRIPTS += bench/fleet-bench
