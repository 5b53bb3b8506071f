/*  cmd_config.c — `novaq config check`: validate the configuration and print
    every effective setting with where it came from, secrets masked. */
#include "client/cli.h"

#include "common/app.h"
#include "common/exitcodes.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static void
s_usage (FILE *out)
{
    fprintf (out,
             "Usage: novaq config check [--config FILE] [--json]\n"
             "\n"
             "Validates the configuration (defaults, then the file named by --config or\n"
             "NOVAQ_CONFIG, then the environment) and prints each effective setting, its\n"
             "source and meaning; secrets are masked. Exits 0 when valid, 2 when a value is\n"
             "bad (the message names the setting). Every setting: docs/configuration.md.\n"
             "\n"
             "  --config FILE  read NAME=VALUE lines from FILE before the environment\n"
             "  --json         print one JSON object instead of a table\n");
}

int
nq_cmd_config (int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0) {
        s_usage (argc < 2 ? stderr : stdout);
        return argc < 2 ? NQ_EXIT_USAGE : NQ_EXIT_OK;
    }
    if (strcmp (argv[1], "check") != 0) {
        fprintf (stderr, "novaq config: unknown action '%s' (try: novaq config check)\n", argv[1]);
        return NQ_EXIT_USAGE;
    }
    const char *file = NULL;
    int json = 0;
    int c;
    optind = 1;
    while ((c = getopt_long (argc - 1, argv + 1, "c:jh", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            file = optarg;
            break;
        case 'j':
            json = 1;
            break;
        case 'h':
            s_usage (stdout);
            return NQ_EXIT_OK;
        default:
            s_usage (stderr);
            return NQ_EXIT_USAGE;
        }
    }
    if (optind < argc - 1) {
        fprintf (stderr, "novaq config check: unexpected argument '%s'\n", argv[optind + 1]);
        return NQ_EXIT_USAGE;
    }
    nq_config_t *config = nq_app_start (file, "cli");
    if (!config)
        return NQ_EXIT_USAGE;
    char shown[1024];
    if (json) {
        json_t *root = json_object ();
        json_t *settings = json_object ();
        for (int i = 0; i < NQ_CFG__COUNT; i++) {
            nq_cfg_id_t id = (nq_cfg_id_t) i;
            json_t *item = json_object ();
            json_object_set_new (item, "value", nq_config_is_set (config, id)
                                                    ? json_string (nq_config_display (config, id, shown, sizeof shown))
                                                    : json_null ());
            json_object_set_new (item, "source", json_string (nq_config_source (config, id)));
            json_object_set_new (item, "default", json_string (nq_config_default (id)));
            json_object_set_new (settings, nq_config_name (id), item);
        }
        json_object_set_new (root, "valid", json_true ());
        json_object_set_new (root, "settings", settings);
        char *text = json_dumps (root, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
        if (text)
            puts (text);
        free (text);
        json_decref (root);
    }
    else {
        printf ("configuration is valid\n\n");
        printf ("%-26s %-40s %s\n", "SETTING", "VALUE", "SOURCE");
        for (int i = 0; i < NQ_CFG__COUNT; i++) {
            nq_cfg_id_t id = (nq_cfg_id_t) i;
            printf ("%-26s %-40s %s\n", nq_config_name (id),
                    nq_config_display (config, id, shown, sizeof shown), nq_config_source (config, id));
        }
        const char *warn = nq_config_warnings (config);
        if (*warn)
            printf ("\nwarnings:\n%s", warn);
    }
    nq_config_destroy (&config);
    return NQ_EXIT_OK;
}
