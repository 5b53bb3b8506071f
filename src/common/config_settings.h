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
       "Ollama instances: whitespace-separated name=url[;key=value]... entries")                  \
    X (OLLAMA_SLOTS, "NOVAQ_OLLAMA_SLOTS", INT, "4", 0, 1024, NULL, 0,                             \
       "chat inference actors per instance (its OLLAMA_NUM_PARALLEL) unless the entry says slots=")\
    X (OLLAMA_EMBED_SLOTS, "NOVAQ_OLLAMA_EMBED_SLOTS", INT, "1", 0, 1024, NULL, 0,                 \
       "embedding actors per instance unless the entry says embed=")                              \
    X (OLLAMA_REFLECT_SLOTS, "NOVAQ_OLLAMA_REFLECT_SLOTS", INT, "1", 0, 1024, NULL, 0,             \
       "reflection actors per instance unless the entry says reflect=")                           \
    X (OLLAMA_CONNECT_TIMEOUT, "NOVAQ_OLLAMA_CONNECT_TIMEOUT", DURATION, "5s", 1, 600000, NULL, 0, \
       "TCP (and TLS) connect timeout of Ollama requests")                                        \
    X (OLLAMA_FIRST_BYTE_TIMEOUT, "NOVAQ_OLLAMA_FIRST_BYTE_TIMEOUT", DURATION, "5m", 1, 86400000,  \
       NULL, 0, "longest wait for the first byte of an Ollama answer (covers a model load)")      \
    X (OLLAMA_IDLE_TIMEOUT, "NOVAQ_OLLAMA_IDLE_TIMEOUT", DURATION, "60s", 1, 86400000, NULL, 0,    \
       "longest gap between bytes of an Ollama answer once it began")                             \
    X (OLLAMA_TOTAL_TIMEOUT, "NOVAQ_OLLAMA_TOTAL_TIMEOUT", DURATION, "0", 0, 604800000, NULL, 0,   \
       "longest Ollama request in all; 0: none (the job's deadline rules)")                       \
    X (OLLAMA_PROBE, "NOVAQ_OLLAMA_PROBE", DURATION, "5s", 10, 3600000, NULL, 0,                   \
       "interval of the /api/ps poll that reports warm models (and probes an open breaker)")      \
    X (EMBED_BATCH, "NOVAQ_EMBED_BATCH", INT, "64", 1, 8192, NULL, 0,                              \
       "most inputs sent in one /api/embed call")                                                 \
    X (BREAKER_FAILURES, "NOVAQ_BREAKER_FAILURES", INT, "5", 1, 1000, NULL, 0,                     \
       "consecutive failed Ollama calls that open an instance's circuit breaker")                 \
    X (BREAKER_OPEN, "NOVAQ_BREAKER_OPEN", DURATION, "5s", 10, 3600000, NULL, 0,                   \
       "first open wait of a tripped breaker before it probes the instance")                      \
    X (BREAKER_OPEN_MAX, "NOVAQ_BREAKER_OPEN_MAX", DURATION, "60s", 10, 86400000, NULL, 0,         \
       "longest open wait (the wait doubles on each failed probe)")                               \
    X (HTTP, "NOVAQ_HTTP", HOSTPORT, "127.0.0.1:9464", 0, 0, NULL, 0,                              \
       "host:port for /metrics and /health; off disables it")                                     \
    X (LOG_LEVEL, "NOVAQ_LOG_LEVEL", ENUM, "info", 0, 0, "debug|info|warn|error", 0,               \
       "least severe level that is logged")                                                       \
    X (LOG_FORMAT, "NOVAQ_LOG_FORMAT", ENUM, "auto", 0, 0, "auto|json|text", 0,                    \
       "log line format; auto: text on a terminal, json otherwise")                               \
    X (SERVICE_NAME, "NOVAQ_SERVICE_NAME", NAME, "novaq", 0, 0, NULL, 0,                           \
       "service name carried by every log line and metric")                                       \
    X (TOKEN, "NOVAQ_TOKEN", STRING, "", 0, 0, NULL, NQ_CFG_SECRET,                                \
       "service token (JWT) clients present to the broker")                                       \
    X (HEARTBEAT, "NOVAQ_HEARTBEAT", DURATION, "1s", 100, 60000, NULL, 0,                          \
       "heartbeat interval the broker offers workers")                                            \
    X (LIVENESS, "NOVAQ_LIVENESS", INT, "3", 2, 100, NULL, 0,                                      \
       "heartbeat intervals of silence after which a worker is dead")                             \
    X (MAX_ATTEMPTS, "NOVAQ_MAX_ATTEMPTS", INT, "3", 1, 20, NULL, 0,                               \
       "attempts of a job that names none, before it is dead-lettered")                           \
    X (RETRY_BASE, "NOVAQ_RETRY_BASE", DURATION, "1s", 1, 3600000, NULL, 0,                        \
       "first retry delay; each later one doubles, with 20% jitter")                              \
    X (RETRY_MAX, "NOVAQ_RETRY_MAX", DURATION, "60s", 1, 86400000, NULL, 0,                        \
       "longest retry delay")                                                                     \
    X (RETENTION, "NOVAQ_RETENTION", DURATION, "10m", 1000, 604800000, NULL, 0,                    \
       "how long a finished job stays queryable")                                                 \
    X (CANCEL_GRACE, "NOVAQ_CANCEL_GRACE", DURATION, "5s", 10, 600000, NULL, 0,                    \
       "how long a worker has to confirm a cancel")                                               \
    X (WEIGHT_INTERACTIVE, "NOVAQ_WEIGHT_INTERACTIVE", INT, "70", 1, 1000, NULL, 0,                \
       "share of dispatches for the interactive class when classes compete")                      \
    X (WEIGHT_STANDARD, "NOVAQ_WEIGHT_STANDARD", INT, "20", 1, 1000, NULL, 0,                      \
       "share of dispatches for the standard class")                                              \
    X (WEIGHT_BULK, "NOVAQ_WEIGHT_BULK", INT, "10", 1, 1000, NULL, 0,                              \
       "share of dispatches for the bulk class")                                                  \
    X (MAX_QUEUED, "NOVAQ_MAX_QUEUED", INT, "100000", 1, 100000000, NULL, 0,                       \
       "queued jobs the broker holds in all")                                                     \
    X (MAX_QUEUED_CLASS, "NOVAQ_MAX_QUEUED_CLASS", INT, "100000", 1, 100000000, NULL, 0,           \
       "queued jobs the broker holds per class")                                                  \
    X (MAX_QUEUED_TENANT, "NOVAQ_MAX_QUEUED_TENANT", INT, "10000", 1, 100000000, NULL, 0,          \
       "queued jobs the broker holds per tenant and class")                                       \
    X (FALLBACK_MODELS, "NOVAQ_FALLBACK_MODELS", MODEL_MAP, "", 0, 0, NULL, 0,                     \
       "primary=fallback model pairs: a job runs on the fallback when no healthy slot serves the primary") \
    X (DISPATCH, "NOVAQ_DISPATCH", ENUM, "affinity", 0, 0, "affinity|round_robin|least_busy", 0,    \
       "how the broker picks among free slots: warm model first, in turn, or least busy")         \
    X (AFFINITY_SPILL, "NOVAQ_AFFINITY_SPILL", DURATION, "2s", 0, 3600000, NULL, 0,                 \
       "affinity: how long interactive jobs wait for a warm slot before one elsewhere loads the model")

#endif
