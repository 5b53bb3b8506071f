/*  cli_common.h — what the client commands share: the exit status for an
    error code, the frontend endpoint and token from the configuration, and
    rendering of results as JSON. */
#ifndef NQ_CLI_COMMON_H
#define NQ_CLI_COMMON_H

#include "common/config.h"
#include "common/protocol.h"

#include <jansson.h>

/*  The exit status for a terminal error code (docs/cli.md). */
int nq_cli_exit_for (int code);

/*  A JSON object for a result of any kind (new reference). */
json_t *nq_cli_result_json (const nq_result_t *result);

/*  Parses a duration option ("30s", "500ms", bare ms) or exits the process
    with status 2 and a message naming the option. */
uint64_t nq_cli_duration (const char *option, const char *text);

#endif
