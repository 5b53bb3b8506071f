/*  config_settings.h — the table of every novaq setting.

    One line per setting:
      X (ID, "ENV_NAME", TYPE, "default", min, max, "choices", flags, "meaning")
    min/max bound INT and DURATION (milliseconds) values; choices lists ENUM
    values separated by '|'. Flags: NQ_CFG_SECRET (masked when printed, may be
    given as ENV_NAME_FILE). An empty default means "unset".
    docs/configuration.md documents each line; keep them in step
    (tests/unit/test_config.c checks that every name appears there). */
#ifndef NQ_CONFIG_SETTINGS_H
#define NQ_CONFIG_SETTINGS_H

#define NQ_CONFIG_LIST(X)                                                                         \
    X (FRONTEND, "NOVAQ_FRONTEND", ENDPOINT, "tcp://127.0.0.1:5555", 0, 0, NULL, 0,                \
       "ZeroMQ endpoint for clients: the broker binds it, clients connect to it")                  \
    X (BACKEND, "NOVAQ_BACKEND", ENDPOINT, "tcp://127.0.0.1:5556", 0, 0, NULL, 0,                  \
       "ZeroMQ endpoint for workers: the broker binds it, workers connect to it")                  \
    X (DATABASE_URL, "NOVAQ_DATABASE_URL", PGURL, "", 0, 0, NULL, NQ_CFG_SECRET,                   \
       "PostgreSQL connection (URL or key=value); unset: in-memory journal")                      \
    X (REDIS_URL, "NOVAQ_REDIS_URL", REDISURL, "", 0, 0, NULL, NQ_CFG_SECRET,                      \
       "Redis URL (redis://[:password@]host[:port][/db]); unset: in-process limits and caches")    \
    X (OLLAMA, "NOVAQ_OLLAMA", OLLAMA_LIST, "local=http://127.0.0.1:11434", 0, 0, NULL, 0,         \
       "Ollama instances, whitespace-separated name=url entries")                                 \
    X (HTTP, "NOVAQ_HTTP", HOSTPORT, "127.0.0.1:9464", 0, 0, NULL, 0,                              \
       "host:port for /metrics and /health; off disables it")                                     \
    X (LOG_LEVEL, "NOVAQ_LOG_LEVEL", ENUM, "info", 0, 0, "debug|info|warn|error", 0,               \
       "least severe level that is logged")                                                       \
    X (LOG_FORMAT, "NOVAQ_LOG_FORMAT", ENUM, "auto", 0, 0, "auto|json|text", 0,                    \
       "log line format; auto: text on a terminal, json otherwise")                               \
    X (SERVICE_NAME, "NOVAQ_SERVICE_NAME", NAME, "novaq", 0, 0, NULL, 0,                           \
       "service name carried by every log line and metric")                                       \
    X (TOKEN, "NOVAQ_TOKEN", STRING, "", 0, 0, NULL, NQ_CFG_SECRET,                                \
       "service token (JWT) clients present to the broker")

#endif
