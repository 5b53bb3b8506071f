/*  config.c — loading and validating settings (see config.h). */
#include "common/config.h"

#include "common/alloc.h"
#include "common/errors.h"
#include "common/ollama_spec.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S_VALUE_MAX 65536    //  longest value accepted (tokens can be long)
#define S_FILE_MAX (1 << 20) //  longest configuration or secret file

typedef struct {
    const char *env;
    nq_cfg_type_t type;
    const char *def;
    int64_t lo, hi;
    const char *choices;
    int flags;
    const char *desc;
} s_setting_t;

static const s_setting_t s_settings[NQ_CFG__COUNT] = {
#define NQ_CFG_ROW_(id, env, type, def, lo, hi, choices, flags, desc) \
    {env, NQ_CFG_T_##type, def, lo, hi, choices, flags, desc},
    NQ_CONFIG_LIST (NQ_CFG_ROW_)
#undef NQ_CFG_ROW_
};

struct nq_config_t {
    char *value[NQ_CFG__COUNT];     //  NULL: unset
    int64_t num[NQ_CFG__COUNT];     //  INT, BOOL, DURATION (ms)
    char *source[NQ_CFG__COUNT];
    char error[512];
    char warnings[1024];
};

//  --------------------------------------------------------------------------
//  Static facts

const char *
nq_config_name (nq_cfg_id_t id)
{
    assert (id < NQ_CFG__COUNT);
    return s_settings[id].env;
}

const char *
nq_config_default (nq_cfg_id_t id)
{
    assert (id < NQ_CFG__COUNT);
    return s_settings[id].def;
}

const char *
nq_config_description (nq_cfg_id_t id)
{
    assert (id < NQ_CFG__COUNT);
    return s_settings[id].desc;
}

nq_cfg_type_t
nq_config_type (nq_cfg_id_t id)
{
    assert (id < NQ_CFG__COUNT);
    return s_settings[id].type;
}

int
nq_config_flags (nq_cfg_id_t id)
{
    assert (id < NQ_CFG__COUNT);
    return s_settings[id].flags;
}

int
nq_config_lookup (const char *name)
{
    for (int i = 0; i < NQ_CFG__COUNT; i++)
        if (strcmp (s_settings[i].env, name) == 0)
            return i;
    return -1;
}

//  --------------------------------------------------------------------------
//  Validators: each returns 0, or writes why into why and returns -1.

static int s_fail (char *why, size_t cap, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));

static int
s_fail (char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (why, cap, fmt, ap);
    va_end (ap);
    return -1;
}

static int
s_parse_int (const char *text, int64_t *out)
{
    if (!*text)
        return -1;
    errno = 0;
    char *end;
    long long v = strtoll (text, &end, 10);
    if (errno || *end || isspace ((unsigned char) *text))
        return -1;
    *out = v;
    return 0;
}

int
nq_config_parse_duration (const char *text, int64_t *ms)
{
    if (!text || !*text || !isdigit ((unsigned char) *text))
        return NQ_ECONFIG;
    errno = 0;
    char *end;
    unsigned long long v = strtoull (text, &end, 10);
    if (errno)
        return NQ_ECONFIG;
    unsigned long long mult;
    if (*end == '\0' || strcmp (end, "ms") == 0)
        mult = 1;
    else if (strcmp (end, "s") == 0)
        mult = 1000;
    else if (strcmp (end, "m") == 0)
        mult = 60000;
    else if (strcmp (end, "h") == 0)
        mult = 3600000;
    else
        return NQ_ECONFIG;
    if (v > (unsigned long long) INT64_MAX / mult)
        return NQ_ECONFIG;
    *ms = (int64_t) (v * mult);
    return 0;
}

static int
s_parse_bool (const char *text, int64_t *out)
{
    static const char *yes[] = {"1", "true", "yes", "on"};
    static const char *no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp (text, yes[i]) == 0)
            return (*out = 1, 0);
        if (strcasecmp (text, no[i]) == 0)
            return (*out = 0, 0);
    }
    return -1;
}

static int
s_valid_name (const char *s, size_t len)
{
    if (len == 0 || len > 63)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!isalnum ((unsigned char) s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
            return 0;
    return 1;
}

//  host:port where host is a name, an IPv4 address, [IPv6] or '*'.
static int
s_check_hostport (const char *hp, int allow_zero_port, char *why, size_t cap)
{
    const char *colon = strrchr (hp, ':');
    if (!colon || colon == hp)
        return s_fail (why, cap, "'%s' is not host:port", hp);
    size_t hlen = (size_t) (colon - hp);
    if (hp[0] == '[') {
        if (hp[hlen - 1] != ']' || hlen < 3)
            return s_fail (why, cap, "'%s' has a malformed [IPv6] host", hp);
    }
    else
        for (size_t i = 0; i < hlen; i++) {
            char c = hp[i];
            if (!isalnum ((unsigned char) c) && c != '.' && c != '-' && c != '_' && c != '*')
                return s_fail (why, cap, "'%s' has an invalid host", hp);
        }
    int64_t port;
    if (s_parse_int (colon + 1, &port) || port < (allow_zero_port ? 0 : 1) || port > 65535)
        return s_fail (why, cap, "'%s' has an invalid port (1-65535)", hp);
    return 0;
}

static int
s_check_endpoint (const char *v, char *why, size_t cap)
{
    if (strncmp (v, "tcp://", 6) == 0)
        return s_check_hostport (v + 6, 0, why, cap);
    if (strncmp (v, "ipc://", 6) == 0 || strncmp (v, "inproc://", 9) == 0) {
        const char *rest = strstr (v, "://") + 3;
        if (!*rest)
            return s_fail (why, cap, "'%s' names no address", v);
        return 0;
    }
    return s_fail (why, cap, "'%s' is not a ZeroMQ endpoint (tcp://host:port, ipc://path, inproc://name)", v);
}

static int
s_check_url_host (const char *url, const char *scheme_end, char *why, size_t cap, int need_port)
{
    //  authority = [userinfo@]host[:port], up to '/', '?' or end
    const char *auth = scheme_end;
    size_t alen = strcspn (auth, "/?#");
    const char *at = memchr (auth, '@', alen);
    const char *host = at ? at + 1 : auth;
    size_t hlen = alen - (size_t) (host - auth);
    if (hlen == 0)
        return s_fail (why, cap, "'%s' names no host", url);
    char hp[300];
    if (hlen >= sizeof hp)
        return s_fail (why, cap, "'%s' has a host that is too long", url);
    memcpy (hp, host, hlen);
    hp[hlen] = '\0';
    if (!strrchr (hp, ':') || (hp[0] == '[' && hp[hlen - 1] == ']')) {
        if (need_port)
            return s_fail (why, cap, "'%s' needs a port", url);
        return 0;
    }
    return s_check_hostport (hp, 0, why, cap);
}

static int
s_check_redis (const char *v, char *why, size_t cap)
{
    if (strncmp (v, "redis://", 8) == 0) {
        if (s_check_url_host (v, v + 8, why, cap, 0))
            return -1;
        const char *path = strchr (v + 8, '/');
        if (path && path[1]) {
            int64_t db;
            if (s_parse_int (path + 1, &db) || db < 0 || db > 1000)
                return s_fail (why, cap, "'%s' has an invalid database number", v);
        }
        return 0;
    }
    if (strncmp (v, "unix://", 7) == 0 && v[7] == '/')
        return 0;
    return s_fail (why, cap, "'%s' is not a Redis URL (redis://host[:port][/db] or unix:///path)", v);
}

static int
s_check_pg (const char *v, char *why, size_t cap)
{
    //  libpq's own parser decides, so whatever it accepts here works later.
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse (v, &err);
    if (!opts) {
        char msg[256];
        snprintf (msg, sizeof msg, "%s", err ? err : "out of memory");
        size_t n = strlen (msg);
        while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
            msg[--n] = '\0';
        if (err)
            PQfreemem (err);
        return s_fail (why, cap, "not a valid PostgreSQL connection string: %s", msg);
    }
    //  libpq checks ports only when it connects; a typo should stop the start.
    int rc = 0;
    for (PQconninfoOption *o = opts; o->keyword && rc == 0; o++) {
        if (strcmp (o->keyword, "port") != 0 || !o->val || !*o->val)
            continue;
        char ports[256];
        snprintf (ports, sizeof ports, "%s", o->val);
        char *save = NULL;
        for (char *p = strtok_r (ports, ",", &save); p && rc == 0; p = strtok_r (NULL, ",", &save)) {
            int64_t port;
            if (*p && (s_parse_int (p, &port) || port < 1 || port > 65535))
                rc = s_fail (why, cap, "not a valid PostgreSQL connection string: invalid port '%s'", p);
        }
    }
    PQconninfoFree (opts);
    return rc;
}

static int
s_check_ollama (const char *v, char *why, size_t cap)
{
    //  The entries and their options (ollama_spec.c), then each URL's host.
    nq_ollama_specs_t *specs = nq_ollama_specs_parse (v, why, cap);
    if (!specs)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < specs->count && rc == 0; i++) {
        const char *url = specs->specs[i].url;
        const char *rest = strstr (url, "://") + 3;
        char inner[256];
        if ((rc = s_check_url_host (url, rest, inner, sizeof inner, 0)) != 0)
            s_fail (why, cap, "instance '%s': %s", specs->specs[i].name, inner);
    }
    nq_ollama_specs_destroy (&specs);
    return rc;
}

//  from=to pairs: names without spaces or '=', each from named once, never itself.
static int
s_check_model_map (const char *v, char *why, size_t cap)
{
    char seen[64][128];
    int count = 0;
    for (const char *p = v; *p;) {
        while (isspace ((unsigned char) *p))
            p++;
        if (!*p)
            break;
        size_t len = strcspn (p, " \t\r\n");
        const char *eq = memchr (p, '=', len);
        if (!eq || eq == p || eq == p + len - 1 || memchr (eq + 1, '=', (size_t) (p + len - eq - 1)))
            return s_fail (why, cap, "entry '%.*s' is not primary=fallback", (int) len, p);
        size_t from = (size_t) (eq - p);
        size_t to = len - from - 1;
        if (from >= 128 || to >= 128)
            return s_fail (why, cap, "entry '%.*s' has a model name longer than 127 bytes", (int) len, p);
        if (from == to && memcmp (p, eq + 1, from) == 0)
            return s_fail (why, cap, "model '%.*s' cannot fall back to itself", (int) from, p);
        for (int i = 0; i < count; i++)
            if (strlen (seen[i]) == from && memcmp (seen[i], p, from) == 0)
                return s_fail (why, cap, "model '%.*s' has two fallbacks", (int) from, p);
        if (count == 64)
            return s_fail (why, cap, "more than 64 fallbacks");
        memcpy (seen[count], p, from);
        seen[count++][from] = '\0';
        p += len;
    }
    return 0;
}

static int
s_check_enum (const char *v, const char *choices, char *why, size_t cap)
{
    size_t vlen = strlen (v);
    for (const char *c = choices; *c;) {
        size_t len = strcspn (c, "|");
        if (len == vlen && strncasecmp (c, v, len) == 0)
            return 0;
        c += len + (c[len] == '|');
    }
    return s_fail (why, cap, "'%s' is not one of %s", v, choices);
}

//  Validates text for setting id; on success stores it (and its number).
static int
s_store (nq_config_t *self, nq_cfg_id_t id, const char *text, const char *source)
{
    const s_setting_t *s = &s_settings[id];
    char why[400] = "";
    int64_t num = 0;
    int rc = 0;
    size_t len = strlen (text);
    if (len > S_VALUE_MAX)
        rc = s_fail (why, sizeof why, "value is longer than %d bytes", S_VALUE_MAX);
    else if (len == 0) {
        //  Empty means unset, allowed only where the default is unset too.
        if (s->def[0])
            rc = s_fail (why, sizeof why, "must not be empty (default %s)", s->def);
    }
    else
        switch (s->type) {
        case NQ_CFG_T_STRING:
            break;
        case NQ_CFG_T_NAME:
            if (!s_valid_name (text, len))
                rc = s_fail (why, sizeof why, "'%s' must be 1-63 of [A-Za-z0-9_.-]", text);
            break;
        case NQ_CFG_T_INT:
            if (s_parse_int (text, &num))
                rc = s_fail (why, sizeof why, "'%s' is not an integer", text);
            else if (num < s->lo || num > s->hi)
                rc = s_fail (why, sizeof why, "%lld is outside %lld..%lld", (long long) num,
                             (long long) s->lo, (long long) s->hi);
            break;
        case NQ_CFG_T_DURATION:
            if (nq_config_parse_duration (text, &num))
                rc = s_fail (why, sizeof why, "'%s' is not a duration (e.g. 250ms, 5s, 2m, 1h)", text);
            else if (num < s->lo || num > s->hi)
                rc = s_fail (why, sizeof why, "'%s' is outside %lldms..%lldms", text,
                             (long long) s->lo, (long long) s->hi);
            break;
        case NQ_CFG_T_BOOL:
            if (s_parse_bool (text, &num))
                rc = s_fail (why, sizeof why, "'%s' is not a boolean (true/false, yes/no, on/off, 1/0)", text);
            break;
        case NQ_CFG_T_ENUM:
            rc = s_check_enum (text, s->choices, why, sizeof why);
            break;
        case NQ_CFG_T_ENDPOINT:
            rc = s_check_endpoint (text, why, sizeof why);
            break;
        case NQ_CFG_T_HOSTPORT:
            if (strcmp (text, "off") != 0)
                rc = s_check_hostport (text, 1, why, sizeof why);
            break;
        case NQ_CFG_T_PGURL:
            rc = s_check_pg (text, why, sizeof why);
            break;
        case NQ_CFG_T_REDISURL:
            rc = s_check_redis (text, why, sizeof why);
            break;
        case NQ_CFG_T_OLLAMA_LIST:
            rc = s_check_ollama (text, why, sizeof why);
            break;
        case NQ_CFG_T_MODEL_MAP:
            rc = s_check_model_map (text, why, sizeof why);
            break;
        }
    if (rc) {
        snprintf (self->error, sizeof self->error, "%s: %s (from %s)", s->env, why, source);
        return NQ_ECONFIG;
    }
    char *value = len ? nq_strdup (text) : NULL;
    char *src = nq_strdup (source);
    if ((len && !value) || !src) {
        nq_free (value);
        nq_free (src);
        snprintf (self->error, sizeof self->error, "%s: out of memory", s->env);
        return NQ_ENOMEM;
    }
    if (s->type == NQ_CFG_T_ENUM && value)
        for (char *p = value; *p; p++)
            *p = (char) tolower ((unsigned char) *p);
    nq_free (self->value[id]);
    nq_free (self->source[id]);
    self->value[id] = value;
    self->source[id] = src;
    self->num[id] = num;
    return 0;
}

//  --------------------------------------------------------------------------

nq_config_t *
nq_config_new (void)
{
    nq_config_t *self = nq_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    for (int i = 0; i < NQ_CFG__COUNT; i++)
        if (s_store (self, (nq_cfg_id_t) i, s_settings[i].def, "default")) {
            nq_config_destroy (&self);
            return NULL;
        }
    return self;
}

void
nq_config_destroy (nq_config_t **self_p)
{
    assert (self_p);
    nq_config_t *self = *self_p;
    if (!self)
        return;
    for (int i = 0; i < NQ_CFG__COUNT; i++) {
        nq_free (self->value[i]);
        nq_free (self->source[i]);
    }
    nq_free (self);
    *self_p = NULL;
}

int
nq_config_set (nq_config_t *self, nq_cfg_id_t id, const char *value, const char *source)
{
    assert (self && id < NQ_CFG__COUNT && value);
    return s_store (self, id, value, source ? source : "set");
}

//  Reads a whole small file into a new string, without one trailing newline.
static char *
s_read_file (const char *path, char *err, size_t cap)
{
    FILE *f = fopen (path, "rb");
    if (!f) {
        snprintf (err, cap, "cannot read '%s': %s", path, strerror (errno));
        return NULL;
    }
    char *buf = nq_malloc (S_FILE_MAX + 1);
    size_t n = buf ? fread (buf, 1, S_FILE_MAX + 1, f) : 0;
    int bad = ferror (f);
    fclose (f);
    if (!buf || bad || n > S_FILE_MAX) {
        snprintf (err, cap, "cannot read '%s': %s", path,
                  !buf ? "out of memory" : bad ? "read error" : "file is larger than 1 MiB");
        nq_free (buf);
        return NULL;
    }
    buf[n] = '\0';
    if (memchr (buf, '\0', n)) {
        snprintf (err, cap, "'%s' contains a NUL byte", path);
        nq_free (buf);
        return NULL;
    }
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    return buf;
}

//  Applies NAME=VALUE (or NAME_FILE=PATH for secrets) from origin.
static int
s_apply (nq_config_t *self, const char *name, const char *value, const char *origin, int strict)
{
    int id = nq_config_lookup (name);
    if (id >= 0)
        return s_store (self, (nq_cfg_id_t) id, value, origin);
    size_t nlen = strlen (name);
    if (nlen > 5 && strcmp (name + nlen - 5, "_FILE") == 0) {
        char base[128];
        snprintf (base, sizeof base, "%.*s", (int) (nlen - 5), name);
        id = nq_config_lookup (base);
        if (id >= 0 && (s_settings[id].flags & NQ_CFG_SECRET)) {
            char err[300];
            char *content = s_read_file (value, err, sizeof err);
            if (!content) {
                snprintf (self->error, sizeof self->error, "%s: %s (from %s)", name, err, origin);
                return NQ_ECONFIG;
            }
            char src[300];
            snprintf (src, sizeof src, "%s:%s", origin, name);
            int rc = s_store (self, (nq_cfg_id_t) id, content, src);
            nq_free (content);
            return rc;
        }
    }
    if (strict) {
        snprintf (self->error, sizeof self->error, "%s: unknown setting (from %s)", name, origin);
        return NQ_ECONFIG;
    }
    size_t used = strlen (self->warnings);
    snprintf (self->warnings + used, sizeof self->warnings - used,
              "%s: unknown setting in the environment, ignored\n", name);
    return 0;
}

int
nq_config_load_text (nq_config_t *self, const char *source, const char *path)
{
    assert (self && source && path);
    char *text = nq_strdup (source);
    if (!text) {
        snprintf (self->error, sizeof self->error, "configuration file: out of memory");
        return NQ_ENOMEM;
    }
    int rc = 0;
    int lineno = 0;
    //  Line by line, counting every line so messages can point at it.
    char *line = text;
    while (line && rc == 0) {
        char *next = strchr (line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        char *p = line;
        while (isspace ((unsigned char) *p))
            p++;
        size_t len = strlen (p);
        while (len && isspace ((unsigned char) p[len - 1]))
            p[--len] = '\0';
        if (*p && *p != '#') {
            char *eq = strchr (p, '=');
            char origin[400];
            snprintf (origin, sizeof origin, "file:%s:%d", path, lineno);
            if (!eq) {
                snprintf (self->error, sizeof self->error, "%s: expected NAME=VALUE", origin);
                rc = NQ_ECONFIG;
                break;
            }
            *eq = '\0';
            char *name = p;
            char *value = eq + 1;
            size_t nl = strlen (name);
            while (nl && isspace ((unsigned char) name[nl - 1]))
                name[--nl] = '\0';
            while (isspace ((unsigned char) *value))
                value++;
            //  Optional matching quotes around the value.
            size_t vl = strlen (value);
            if (vl >= 2 && (value[0] == '"' || value[0] == '\'') && value[vl - 1] == value[0]) {
                value[vl - 1] = '\0';
                value++;
            }
            rc = s_apply (self, name, value, origin, 1);
        }
        line = next;
    }
    nq_free (text);
    return rc;
}

static int
s_load_file (nq_config_t *self, const char *path)
{
    char err[300];
    char *text = s_read_file (path, err, sizeof err);
    if (!text) {
        snprintf (self->error, sizeof self->error, "configuration file: %s", err);
        return NQ_ECONFIG;
    }
    int rc = nq_config_load_text (self, text, path);
    nq_free (text);
    return rc;
}

static const char *
s_getenv (void *arg, const char *name)
{
    (void) arg;
    return getenv (name);
}

extern char **environ;

int
nq_config_load (nq_config_t *self, const char *file, nq_config_env_fn *env, void *env_arg)
{
    assert (self);
    self->error[0] = '\0';
    self->warnings[0] = '\0';
    if (!env)
        env = s_getenv;
    if (!file)
        file = env (env_arg, "NOVAQ_CONFIG");
    if (file && *file) {
        int rc = s_load_file (self, file);
        if (rc)
            return NQ_ECONFIG;
    }
    for (int i = 0; i < NQ_CFG__COUNT; i++) {
        const s_setting_t *s = &s_settings[i];
        const char *v = env (env_arg, s->env);
        const char *vf = NULL;
        char fname[128];
        if (s->flags & NQ_CFG_SECRET) {
            snprintf (fname, sizeof fname, "%s_FILE", s->env);
            vf = env (env_arg, fname);
        }
        if (v && vf) {
            snprintf (self->error, sizeof self->error, "%s and %s_FILE are both set; set one", s->env, s->env);
            return NQ_ECONFIG;
        }
        if (v && s_apply (self, s->env, v, "env", 1))
            return NQ_ECONFIG;
        if (vf && s_apply (self, fname, vf, "env", 1))
            return NQ_ECONFIG;
    }
    //  Unknown NOVAQ_* variables are most often typos: say so.
    if (env == s_getenv)
        for (char **e = environ; e && *e; e++) {
            if (strncmp (*e, "NOVAQ_", 6) != 0)
                continue;
            char name[128];
            size_t nlen = strcspn (*e, "=");
            if (nlen >= sizeof name)
                continue;
            memcpy (name, *e, nlen);
            name[nlen] = '\0';
            if (nq_config_lookup (name) >= 0 || strcmp (name, "NOVAQ_CONFIG") == 0)
                continue;
            if (nlen > 5 && strcmp (name + nlen - 5, "_FILE") == 0) {
                name[nlen - 5] = '\0';
                int id = nq_config_lookup (name);
                if (id >= 0 && (s_settings[id].flags & NQ_CFG_SECRET))
                    continue;
                name[nlen - 5] = '_';
            }
            size_t used = strlen (self->warnings);
            snprintf (self->warnings + used, sizeof self->warnings - used,
                      "%s: unknown setting in the environment, ignored\n", name);
        }
    return 0;
}

const char *
nq_config_error (const nq_config_t *self)
{
    return self->error;
}

const char *
nq_config_warnings (const nq_config_t *self)
{
    return self->warnings;
}

const char *
nq_config_str (const nq_config_t *self, nq_cfg_id_t id)
{
    assert (self && id < NQ_CFG__COUNT);
    return self->value[id];
}

int64_t
nq_config_int (const nq_config_t *self, nq_cfg_id_t id)
{
    assert (self && id < NQ_CFG__COUNT);
    return self->num[id];
}

int
nq_config_is_set (const nq_config_t *self, nq_cfg_id_t id)
{
    assert (self && id < NQ_CFG__COUNT);
    return self->value[id] != NULL;
}

const char *
nq_config_source (const nq_config_t *self, nq_cfg_id_t id)
{
    assert (self && id < NQ_CFG__COUNT);
    return self->source[id] ? self->source[id] : "default";
}

//  Masks the password of a URL's userinfo (scheme://user:pass@host).
static void
s_mask_url (const char *v, char *buf, size_t cap)
{
    const char *scheme = strstr (v, "://");
    const char *at = scheme ? strchr (scheme + 3, '@') : NULL;
    const char *slash = scheme ? strpbrk (scheme + 3, "/?#") : NULL;
    if (at && (!slash || at < slash)) {
        const char *colon = memchr (scheme + 3, ':', (size_t) (at - scheme - 3));
        if (colon) {
            snprintf (buf, cap, "%.*s:***%s", (int) (colon - v), v, at);
            return;
        }
    }
    if (scheme) {
        //  A password may also hide in the query (?password=...).
        if (strstr (v, "password=")) {
            snprintf (buf, cap, "%.*s?***", (int) strcspn (v, "?"), v);
            return;
        }
        snprintf (buf, cap, "%s", v);
        return;
    }
    //  key=value form: mask password=...
    const char *pw = strstr (v, "password");
    if (pw) {
        snprintf (buf, cap, "%.*spassword=***", (int) (pw - v), v);
        return;
    }
    snprintf (buf, cap, "%s", v);
}

const char *
nq_config_display (const nq_config_t *self, nq_cfg_id_t id, char *buf, size_t cap)
{
    assert (self && id < NQ_CFG__COUNT && buf && cap);
    const char *v = self->value[id];
    if (!v)
        snprintf (buf, cap, "(unset)");
    else if (!(s_settings[id].flags & NQ_CFG_SECRET))
        snprintf (buf, cap, "%s", v);
    else if (s_settings[id].type == NQ_CFG_T_PGURL || s_settings[id].type == NQ_CFG_T_REDISURL)
        s_mask_url (v, buf, cap);
    else
        snprintf (buf, cap, "***");
    return buf;
}
