/*  test_config.c — defaults, precedence, secrets from files, and a clear
    message naming the setting for every kind of bad value. */
#include "nqtest.h"

#include "common/config.h"
#include "common/errors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  A fake environment: NULL-terminated pairs.
typedef struct {
    const char *pairs[32];
} s_env_t;

static const char *
s_env (void *arg, const char *name)
{
    s_env_t *env = arg;
    for (int i = 0; env->pairs[i]; i += 2)
        if (strcmp (env->pairs[i], name) == 0)
            return env->pairs[i + 1];
    return NULL;
}

static nq_config_t *
s_load (s_env_t *env, int expect_rc)
{
    nq_config_t *config = nq_config_new ();
    assert_non_null (config);
    int rc = nq_config_load (config, NULL, s_env, env);
    if (rc != expect_rc)
        fail_msg ("load of %s=%s returned %d, expected %d: %s", env->pairs[0] ? env->pairs[0] : "",
                  env->pairs[1] ? env->pairs[1] : "", rc, expect_rc, nq_config_error (config));
    return config;
}

static void
test_defaults (void **state)
{
    (void) state;
    s_env_t env = {{NULL}};
    nq_config_t *c = s_load (&env, 0);
    assert_string_equal (nq_config_str (c, NQ_CFG_FRONTEND), "tcp://127.0.0.1:5555");
    assert_string_equal (nq_config_str (c, NQ_CFG_BACKEND), "tcp://127.0.0.1:5556");
    assert_string_equal (nq_config_str (c, NQ_CFG_HTTP), "127.0.0.1:9464");
    assert_string_equal (nq_config_str (c, NQ_CFG_LOG_LEVEL), "info");
    assert_null (nq_config_str (c, NQ_CFG_DATABASE_URL));
    assert_false (nq_config_is_set (c, NQ_CFG_REDIS_URL));
    assert_string_equal (nq_config_source (c, NQ_CFG_FRONTEND), "default");
    nq_config_destroy (&c);
    assert_null (c);
}

static void
test_environment_overrides (void **state)
{
    (void) state;
    s_env_t env = {{"NOVAQ_FRONTEND", "tcp://0.0.0.0:7000", "NOVAQ_LOG_LEVEL", "DEBUG",
                    "NOVAQ_DATABASE_URL", "postgresql://novaq:s3cret@127.0.0.1:5432/novaq",
                    "NOVAQ_REDIS_URL", "redis://:pw@127.0.0.1:6379/2", "NOVAQ_OLLAMA",
                    "gpu0=http://10.0.0.5:11434  gpu1=https://gpu1.example:443", NULL}};
    nq_config_t *c = s_load (&env, 0);
    assert_string_equal (nq_config_str (c, NQ_CFG_FRONTEND), "tcp://0.0.0.0:7000");
    assert_string_equal (nq_config_str (c, NQ_CFG_LOG_LEVEL), "debug");    //  normalised
    assert_string_equal (nq_config_source (c, NQ_CFG_FRONTEND), "env");
    char buf[256];
    //  Secrets are masked when shown: the password, not the host.
    assert_string_equal (nq_config_display (c, NQ_CFG_DATABASE_URL, buf, sizeof buf),
                         "postgresql://novaq:***@127.0.0.1:5432/novaq");
    assert_string_equal (nq_config_display (c, NQ_CFG_REDIS_URL, buf, sizeof buf), "redis://:***@127.0.0.1:6379/2");
    assert_string_equal (nq_config_display (c, NQ_CFG_TOKEN, buf, sizeof buf), "(unset)");
    nq_config_destroy (&c);
}

//  Each kind of bad value is refused with a message that names the setting.
static void
test_bad_values_name_the_setting (void **state)
{
    (void) state;
    static const struct {
        const char *name, *value, *why;
    } bad[] = {
        {"NOVAQ_FRONTEND", "http://x:1", "not a ZeroMQ endpoint"},
        {"NOVAQ_FRONTEND", "tcp://127.0.0.1:99999", "invalid port"},
        {"NOVAQ_FRONTEND", "tcp://127.0.0.1", "not host:port"},
        {"NOVAQ_BACKEND", "inproc://", "names no address"},
        {"NOVAQ_BACKEND", "", "must not be empty"},
        {"NOVAQ_HTTP", "localhost", "not host:port"},
        {"NOVAQ_HTTP", "bad host:80", "invalid host"},
        {"NOVAQ_LOG_LEVEL", "loud", "not one of debug|info|warn|error"},
        {"NOVAQ_LOG_FORMAT", "xml", "not one of auto|json|text"},
        {"NOVAQ_DATABASE_URL", "postgresql://x:notaport/db", "not a valid PostgreSQL connection string"},
        {"NOVAQ_DATABASE_URL", "host=x bogus_option=1", "not a valid PostgreSQL connection string"},
        {"NOVAQ_REDIS_URL", "http://127.0.0.1:6379", "not a Redis URL"},
        {"NOVAQ_REDIS_URL", "redis://127.0.0.1:6379/abc", "invalid database number"},
        {"NOVAQ_OLLAMA", "gpu0", "not name=url"},
        {"NOVAQ_OLLAMA", "gpu0=ftp://x", "not an http:// or https:// URL"},
        {"NOVAQ_OLLAMA", "gpu0=http://a:1 gpu0=http://b:1", "used twice"},
        {"NOVAQ_OLLAMA", "bad name!=http://a:1", "not name=url"},
        {"NOVAQ_OLLAMA", "   ", "names no instance"},
        {"NOVAQ_OLLAMA", "gpu0=http://a:1;slots=x", "entry 'gpu0=http://a:1;slots=x': slots=x is not a number"},
        {"NOVAQ_OLLAMA", "gpu0=http://a:1;colour=red", "unknown option 'colour'"},
        {"NOVAQ_OLLAMA", "gpu0=http://a:1;idle_timeout=soon", "idle_timeout=soon is not a duration"},
        {"NOVAQ_OLLAMA", "gpu0=http://a:99999", "instance 'gpu0': 'a:99999' has an invalid port"},
        {"NOVAQ_OLLAMA_SLOTS", "2000", "outside 0..1024"},
        {"NOVAQ_EMBED_BATCH", "0", "outside 1..8192"},
        {"NOVAQ_BREAKER_OPEN", "soon", "not a duration"},
        {"NOVAQ_SERVICE_NAME", "has space", "must be 1-63"},
        {"NOVAQ_FALLBACK_MODELS", "big", "not primary=fallback"},
        {"NOVAQ_FALLBACK_MODELS", "big=big", "cannot fall back to itself"},
        {"NOVAQ_FALLBACK_MODELS", "big=a big=b", "has two fallbacks"},
        {"NOVAQ_FALLBACK_MODELS", "big=a=b", "not primary=fallback"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s_env_t env = {{bad[i].name, bad[i].value, NULL}};
        nq_config_t *c = s_load (&env, NQ_ECONFIG);
        const char *msg = nq_config_error (c);
        if (strncmp (msg, bad[i].name, strlen (bad[i].name)) != 0 || !strstr (msg, bad[i].why))
            fail_msg ("%s=%s gave '%s', expected the name and '%s'", bad[i].name, bad[i].value, msg, bad[i].why);
        assert_non_null (strstr (msg, "(from env)"));
        nq_config_destroy (&c);
    }
}

static void
test_file_then_environment (void **state)
{
    (void) state;
    nq_config_t *c = nq_config_new ();
    const char *text = "# a comment\n\n  NOVAQ_LOG_LEVEL = warn\nNOVAQ_SERVICE_NAME=\"edge\"\nNOVAQ_HTTP=off\n";
    assert_int_equal (nq_config_load_text (c, text, "etc/novaq.conf"), 0);
    assert_string_equal (nq_config_str (c, NQ_CFG_LOG_LEVEL), "warn");
    assert_string_equal (nq_config_str (c, NQ_CFG_SERVICE_NAME), "edge");
    assert_string_equal (nq_config_str (c, NQ_CFG_HTTP), "off");
    assert_string_equal (nq_config_source (c, NQ_CFG_LOG_LEVEL), "file:etc/novaq.conf:3");
    //  The environment wins over the file.
    s_env_t env = {{"NOVAQ_LOG_LEVEL", "error", NULL}};
    assert_int_equal (nq_config_load (c, NULL, s_env, &env), 0);
    assert_string_equal (nq_config_str (c, NQ_CFG_LOG_LEVEL), "error");
    //  Errors in the file point at the line.
    assert_int_equal (nq_config_load_text (c, "\n\nNOVAQ_LOG_LEVEL=shout\n", "f.conf"), NQ_ECONFIG);
    assert_non_null (strstr (nq_config_error (c), "NOVAQ_LOG_LEVEL: 'shout'"));
    assert_non_null (strstr (nq_config_error (c), "file:f.conf:3"));
    assert_int_equal (nq_config_load_text (c, "NOVAQ_NO_SUCH=1\n", "f.conf"), NQ_ECONFIG);
    assert_non_null (strstr (nq_config_error (c), "NOVAQ_NO_SUCH: unknown setting"));
    assert_int_equal (nq_config_load_text (c, "just words\n", "f.conf"), NQ_ECONFIG);
    assert_non_null (strstr (nq_config_error (c), "expected NAME=VALUE"));
    nq_config_destroy (&c);
}

static void
test_file_path_from_environment (void **state)
{
    (void) state;
    char path[512];
    snprintf (path, sizeof path, "%s/novaq.conf", getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp");
    FILE *f = fopen (path, "w");
    assert_non_null (f);
    fputs ("NOVAQ_BACKEND=ipc:///tmp/novaq-backend\n", f);
    fclose (f);
    s_env_t env = {{"NOVAQ_CONFIG", path, NULL}};
    nq_config_t *c = s_load (&env, 0);
    assert_string_equal (nq_config_str (c, NQ_CFG_BACKEND), "ipc:///tmp/novaq-backend");
    nq_config_destroy (&c);
    remove (path);
    c = s_load (&env, NQ_ECONFIG);
    assert_non_null (strstr (nq_config_error (c), "cannot read"));
    nq_config_destroy (&c);
}

static void
test_secret_from_file (void **state)
{
    (void) state;
    char path[512];
    snprintf (path, sizeof path, "%s/token", getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp");
    FILE *f = fopen (path, "w");
    assert_non_null (f);
    fputs ("eyJhbGciOiJIUzI1NiJ9.e30.sig\n", f);
    fclose (f);
    s_env_t env = {{"NOVAQ_TOKEN_FILE", path, NULL}};
    nq_config_t *c = s_load (&env, 0);
    assert_string_equal (nq_config_str (c, NQ_CFG_TOKEN), "eyJhbGciOiJIUzI1NiJ9.e30.sig");    //  newline trimmed
    assert_string_equal (nq_config_source (c, NQ_CFG_TOKEN), "env:NOVAQ_TOKEN_FILE");
    char buf[64];
    assert_string_equal (nq_config_display (c, NQ_CFG_TOKEN, buf, sizeof buf), "***");
    nq_config_destroy (&c);
    //  Both forms at once is ambiguous: refused.
    s_env_t both = {{"NOVAQ_TOKEN", "x", "NOVAQ_TOKEN_FILE", path, NULL}};
    c = s_load (&both, NQ_ECONFIG);
    assert_non_null (strstr (nq_config_error (c), "NOVAQ_TOKEN and NOVAQ_TOKEN_FILE are both set"));
    nq_config_destroy (&c);
    //  A missing secret file names the variable.
    s_env_t missing = {{"NOVAQ_DATABASE_URL_FILE", "/nonexistent/secret", NULL}};
    c = s_load (&missing, NQ_ECONFIG);
    assert_non_null (strstr (nq_config_error (c), "NOVAQ_DATABASE_URL_FILE: cannot read '/nonexistent/secret'"));
    nq_config_destroy (&c);
    remove (path);
}

static void
test_durations (void **state)
{
    (void) state;
    int64_t ms;
    assert_int_equal (nq_config_parse_duration ("250", &ms), 0);
    assert_int_equal (ms, 250);
    assert_int_equal (nq_config_parse_duration ("250ms", &ms), 0);
    assert_int_equal (ms, 250);
    assert_int_equal (nq_config_parse_duration ("5s", &ms), 0);
    assert_int_equal (ms, 5000);
    assert_int_equal (nq_config_parse_duration ("2m", &ms), 0);
    assert_int_equal (ms, 120000);
    assert_int_equal (nq_config_parse_duration ("1h", &ms), 0);
    assert_int_equal (ms, 3600000);
    assert_true (nq_config_parse_duration ("5 s", &ms) < 0);
    assert_true (nq_config_parse_duration ("-5s", &ms) < 0);
    assert_true (nq_config_parse_duration ("5d", &ms) < 0);
    assert_true (nq_config_parse_duration ("", &ms) < 0);
    assert_true (nq_config_parse_duration ("99999999999999999999h", &ms) < 0);
}

//  docs/configuration.md documents every setting in the table.
static void
test_every_setting_is_documented (void **state)
{
    (void) state;
    FILE *f = fopen (NQ_SRCDIR "/docs/configuration.md", "rb");
    assert_non_null (f);
    static char doc[1 << 18];
    size_t n = fread (doc, 1, sizeof doc - 1, f);
    fclose (f);
    doc[n] = '\0';
    for (int i = 0; i < NQ_CFG__COUNT; i++) {
        char needle[128];
        snprintf (needle, sizeof needle, "`%s`", nq_config_name ((nq_cfg_id_t) i));
        if (!strstr (doc, needle))
            fail_msg ("docs/configuration.md does not document %s", needle);
    }
}

NQ_TEST_MAIN (cmocka_unit_test (test_defaults), cmocka_unit_test (test_environment_overrides),
              cmocka_unit_test (test_bad_values_name_the_setting), cmocka_unit_test (test_file_then_environment),
              cmocka_unit_test (test_file_path_from_environment), cmocka_unit_test (test_secret_from_file),
              cmocka_unit_test (test_durations), cmocka_unit_test (test_every_setting_is_documented))
