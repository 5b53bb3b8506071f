/*  app.h — what every novaq program does at start: load and validate the
    configuration, then set up logging from it.

    nq_app_start prints a configuration error as one clear line on stderr
    ("novaq: configuration error: NOVAQ_X: why (from where)") and returns
    NULL; the caller then exits with NQ_EXIT_USAGE. Warnings (unknown NOVAQ_*
    variables) are logged once. */
#ifndef NQ_APP_H
#define NQ_APP_H

#include "common/config.h"

/*  Loads configuration (from config_file, or NOVAQ_CONFIG, and the
    environment), sets the logger's service, level and format from it, and
    returns the owned configuration, or NULL after printing why. */
nq_config_t *nq_app_start (const char *config_file, const char *service);

#endif
