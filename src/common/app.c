/*  app.c — configuration and logging set-up at program start (see app.h). */
#include "common/app.h"

#include "common/log.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

nq_config_t *
nq_app_start (const char *config_file, const char *service)
{
    nq_config_t *config = nq_config_new ();
    if (!config) {
        fprintf (stderr, "novaq: out of memory\n");
        return NULL;
    }
    if (nq_config_load (config, config_file, NULL, NULL)) {
        fprintf (stderr, "novaq: configuration error: %s\n", nq_config_error (config));
        nq_config_destroy (&config);
        return NULL;
    }
    nq_log_level_t level = NQ_LOG_INFO;
    nq_log_level_parse (nq_config_str (config, NQ_CFG_LOG_LEVEL), &level);
    const char *fmt = nq_config_str (config, NQ_CFG_LOG_FORMAT);
    nq_log_format_t format = strcmp (fmt, "text") == 0 ? NQ_LOG_FORMAT_TEXT
                             : strcmp (fmt, "json") == 0 ? NQ_LOG_FORMAT_JSON
                             : isatty (STDERR_FILENO)    ? NQ_LOG_FORMAT_TEXT
                                                         : NQ_LOG_FORMAT_JSON;
    char name[128];
    snprintf (name, sizeof name, "%s%s%s", nq_config_str (config, NQ_CFG_SERVICE_NAME),
              service ? "-" : "", service ? service : "");
    nq_log_init (name, level, format);
    const char *warn = nq_config_warnings (config);
    while (*warn) {
        size_t len = strcspn (warn, "\n");
        char line[256];
        snprintf (line, sizeof line, "%.*s", (int) len, warn);
        NQ_LOG_WARN ("config_warning", NQ_LS ("message", line));
        warn += len + (warn[len] == '\n');
    }
    return config;
}
