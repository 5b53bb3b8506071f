/*  config.h — typed, validated configuration.

    Every setting has a name, a default, an environment variable and a line in
    docs/configuration.md (the table is config_settings.h). Values come, in
    rising precedence, from the defaults, a configuration file (NOVAQ_CONFIG or
    --config; lines of NAME=VALUE, '#' comments), and the environment. A secret
    setting may instead be read from a file named by NAME_FILE. Loading
    validates every value and stops at the first bad one with a message that
    names the setting; programs then exit with status 2. */
#ifndef NQ_CONFIG_H
#define NQ_CONFIG_H

#include "common/config_settings.h"

#include <stddef.h>
#include <stdint.h>

typedef enum {
#define NQ_CFG_ENUM_(id, env, type, def, lo, hi, choices, flags, desc) NQ_CFG_##id,
    NQ_CONFIG_LIST (NQ_CFG_ENUM_)
#undef NQ_CFG_ENUM_
    NQ_CFG__COUNT
} nq_cfg_id_t;

typedef enum {
    NQ_CFG_T_STRING,
    NQ_CFG_T_NAME,          //  [A-Za-z0-9_.-]{1,63}
    NQ_CFG_T_INT,
    NQ_CFG_T_DURATION,      //  "250ms", "5s", "2m", "1h" or bare milliseconds
    NQ_CFG_T_BOOL,
    NQ_CFG_T_ENUM,
    NQ_CFG_T_ENDPOINT,      //  ZeroMQ: tcp://host:port, ipc://path, inproc://name
    NQ_CFG_T_HOSTPORT,      //  host:port or "off"
    NQ_CFG_T_PGURL,
    NQ_CFG_T_REDISURL,
    NQ_CFG_T_OLLAMA_LIST,
    NQ_CFG_T_MODEL_MAP      //  whitespace-separated from=to pairs of model names
} nq_cfg_type_t;

#define NQ_CFG_SECRET 1

/*  Reads an environment variable; returns NULL when unset. */
typedef const char *(nq_config_env_fn) (void *arg, const char *name);

typedef struct nq_config_t nq_config_t;

/*  Creates a configuration holding every default. NULL on no memory. */
nq_config_t *nq_config_new (void);
void nq_config_destroy (nq_config_t **self_p);

/*  Loads file (may be NULL: then NOVAQ_CONFIG from the environment names it,
    if set) and then the environment through env (NULL: the process
    environment). Returns 0, or NQ_ECONFIG with nq_config_error() set. */
int nq_config_load (nq_config_t *self, const char *file, nq_config_env_fn *env, void *env_arg);

/*  Applies configuration-file text (NAME=VALUE lines) as if read from the
    file at path (used in messages). Returns 0 or NQ_ECONFIG with the error set. */
int nq_config_load_text (nq_config_t *self, const char *text, const char *path);

/*  Sets one setting from text, as if it came from source (for flags and
    tests). Returns 0 or NQ_ECONFIG with the error set. */
int nq_config_set (nq_config_t *self, nq_cfg_id_t id, const char *value, const char *source);

/*  The message of the last failed load or set ("" if none). */
const char *nq_config_error (const nq_config_t *self);

/*  Warnings from the last load (unknown NOVAQ_* variables), one per line, or "". */
const char *nq_config_warnings (const nq_config_t *self);

/*  The value as text, or NULL when the setting is unset. Owned by self. */
const char *nq_config_str (const nq_config_t *self, nq_cfg_id_t id);
/*  INT and BOOL values, and DURATION values in milliseconds. */
int64_t nq_config_int (const nq_config_t *self, nq_cfg_id_t id);
int nq_config_is_set (const nq_config_t *self, nq_cfg_id_t id);
/*  Where the value came from: "default", "env", "env:NAME_FILE", "file:PATH:LINE", or a set() source. */
const char *nq_config_source (const nq_config_t *self, nq_cfg_id_t id);

/*  The value as it may be shown: secrets masked ("***", or a URL with its
    password masked). Written into buf; returns buf. */
const char *nq_config_display (const nq_config_t *self, nq_cfg_id_t id, char *buf, size_t cap);

/*  Static facts about a setting. */
const char *nq_config_name (nq_cfg_id_t id);
const char *nq_config_default (nq_cfg_id_t id);
const char *nq_config_description (nq_cfg_id_t id);
nq_cfg_type_t nq_config_type (nq_cfg_id_t id);
int nq_config_flags (nq_cfg_id_t id);
/*  Finds a setting by its environment name; returns -1 if none. */
int nq_config_lookup (const char *name);

/*  Parses a duration ("250ms", "5s", "2m", "1h", bare = ms) into *ms; 0 or NQ_ECONFIG. */
int nq_config_parse_duration (const char *text, int64_t *ms);

#endif
