# src/client: libnovaq (include/novaq.h) and the novaq CLI's client-side commands.
# Libraries the novaq binary links before libnqcommon.a, innermost last.
NQ_CLI_LIBS =

# CLI subcommands that live with the client.
noinst_LIBRARIES += libnqcli.a
libnqcli_a_CFLAGS = $(AM_CFLAGS) $(NQ_DEP_CFLAGS)
libnqcli_a_SOURCES = src/client/cli.h src/client/cmd_config.c
NQ_CLI_LIBS += libnqcli.a
