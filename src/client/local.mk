# src/client: libnovaq (include/novaq.h) and the novaq CLI's client-side commands.
# Libraries the novaq binary links before libnqcommon.a, innermost last.
NQ_CLI_LIBS =

# libnovaq: the client library front ends embed.
noinst_LIBRARIES += libnovaq.a
libnovaq_a_CFLAGS = $(AM_CFLAGS) $(NQ_DEP_CFLAGS)
libnovaq_a_SOURCES = include/novaq.h src/client/client.c src/client/client_sync.c

# CLI subcommands that live with the client.
noinst_LIBRARIES += libnqcli.a
libnqcli_a_CFLAGS = $(AM_CFLAGS) $(NQ_DEP_CFLAGS)
libnqcli_a_SOURCES = src/client/cli.h src/client/cmd_config.c \
	src/client/cli_common.c src/client/cli_common.h \
	src/client/cmd_submit.c src/client/cmd_status.c src/client/cmd_jobs.c \
	src/client/cmd_admin.c
NQ_CLI_LIBS += libnqcli.a libnovaq.a

check_PROGRAMS += tests/integration/test_client
TESTS += tests/integration/test_client
tests_integration_test_client_SOURCES = tests/integration/test_client.c
tests_integration_test_client_CFLAGS = $(NQ_ITEST_CFLAGS)
tests_integration_test_client_LDADD = libnovaq.a $(NQ_ITEST_LIBS)
