# src/common: foundations every part uses (errors, alloc, clock, rng, backoff,
# log, config, app start-up). Built as libnqcommon.a.
noinst_LIBRARIES += libnqcommon.a
libnqcommon_a_CFLAGS = $(AM_CFLAGS) $(NQ_DEP_CFLAGS)
libnqcommon_a_SOURCES = \
	src/common/errors.c src/common/errors.h \
	src/common/alloc.c src/common/alloc.h \
	src/common/clock.c src/common/clock.h \
	src/common/rng.c src/common/rng.h \
	src/common/backoff.c src/common/backoff.h \
	src/common/log.c src/common/log.h \
	src/common/config.c src/common/config.h src/common/config_settings.h \
	src/common/ollama_spec.c src/common/ollama_spec.h \
	src/common/app.c src/common/app.h \
	src/common/zuv.c src/common/zuv.h \
	src/common/protocol_zuv.c src/common/protocol_zuv.h \
	src/common/exitcodes.h
