/*  test_ollama_spec.c — NOVAQ_OLLAMA entries: names, URLs, every option,
    defaults left unset, and a message naming the entry for each fault. */
#include "nqtest.h"

#include "common/alloc.h"
#include "common/ollama_spec.h"

#include <stdio.h>
#include <string.h>

static void
test_simple_entries (void **state)
{
    (void)state;
    char why[512];
    nq_ollama_specs_t *s =
        nq_ollama_specs_parse ("  gpu0=http://10.0.0.5:11434\n\tgpu1=https://gpu1:443  ", why, sizeof why);
    assert_non_null (s);
    assert_int_equal (s->count, 2);
    assert_string_equal (s->specs[0].name, "gpu0");
    assert_string_equal (s->specs[0].url, "http://10.0.0.5:11434");
    assert_string_equal (s->specs[1].name, "gpu1");
    assert_string_equal (s->specs[1].url, "https://gpu1:443");
    //  Nothing given: every option takes its default later.
    const nq_ollama_spec_t *g = &s->specs[0];
    assert_true (g->slots == -1 && g->embed == -1 && g->reflect == -1);
    assert_true (g->connect_timeout_ms == -1 && g->first_byte_timeout_ms == -1 && g->idle_timeout_ms == -1 &&
                 g->total_timeout_ms == -1);
    assert_int_equal (g->models_set, 0);
    assert_int_equal (g->nmodels, 0);
    assert_int_equal (g->nlabels, 0);
    nq_ollama_specs_destroy (&s);
    assert_null (s);
}

static void
test_every_option (void **state)
{
    (void)state;
    char why[512];
    nq_ollama_specs_t *s = nq_ollama_specs_parse (
        "a=http://127.0.0.1:1;slots=2;embed=0;reflect=3;models=mistral:instruct,all-minilm;labels=rack1,fast;"
        "connect_timeout=250ms;first_byte_timeout=2m;idle_timeout=30s;total_timeout=0 "
        "b=http://127.0.0.1:2;models=x",
        why, sizeof why);
    assert_non_null (s);
    assert_int_equal (s->count, 2);
    const nq_ollama_spec_t *a = &s->specs[0];
    assert_int_equal (a->slots, 2);
    assert_int_equal (a->embed, 0);
    assert_int_equal (a->reflect, 3);
    assert_int_equal (a->models_set, 1);
    assert_int_equal (a->nmodels, 2);
    assert_string_equal (a->models[0], "mistral:instruct");
    assert_string_equal (a->models[1], "all-minilm");
    assert_int_equal (a->nlabels, 2);
    assert_string_equal (a->labels[0], "rack1");
    assert_string_equal (a->labels[1], "fast");
    assert_int_equal (a->connect_timeout_ms, 250);
    assert_int_equal (a->first_byte_timeout_ms, 120000);
    assert_int_equal (a->idle_timeout_ms, 30000);
    assert_int_equal (a->total_timeout_ms, 0);
    assert_string_equal (a->url, "http://127.0.0.1:1");
    const nq_ollama_spec_t *b = &s->specs[1];
    assert_int_equal (b->nmodels, 1);
    assert_string_equal (b->models[0], "x");
    assert_int_equal (b->slots, -1);
    nq_ollama_specs_destroy (&s);
}

static void
test_bad_entries_are_named (void **state)
{
    (void)state;
    static const struct {
        const char *text, *why;
    } bad[] = {
        {"", "names no instance"},
        {" \n ", "names no instance"},
        {"gpu0", "entry 'gpu0' is not name=url"},
        {"gpu0;slots=1=http://x", "is not name=url"},
        {"=http://x:1", "instance name '' must be 1-63"},
        {"g!=http://x:1", "instance name 'g!' must be 1-63"},
        {"gpu0=ftp://x", "entry 'gpu0=ftp://x': 'ftp://x' is not an http:// or https:// URL"},
        {"gpu0=http://a:1 gpu0=http://b:1", "instance name 'gpu0' is used twice"},
        {"gpu0=http://a:1;slots", "entry 'gpu0=http://a:1;slots': option 'slots' is not key=value"},
        {"gpu0=http://a:1;slots=-1", "slots=-1 is not a number from 0 to 1024"},
        {"gpu0=http://a:1;embed=1025", "embed=1025 is not a number from 0 to 1024"},
        {"gpu0=http://a:1;reflect=", "reflect= is not a number"},
        {"gpu0=http://a:1;slots=2;slots=3", "option 'slots' is given twice"},
        {"gpu0=http://a:1;models=", "models= names nothing"},
        {"gpu0=http://a:1;models=a,,b", "models= has an empty or over-long name"},
        {"gpu0=http://a:1;labels=,", "labels= has an empty or over-long name"},
        {"gpu0=http://a:1;idle_timeout=forever", "idle_timeout=forever is not a duration"},
        {"gpu0=http://a:1;total_timeout=-5s", "total_timeout=-5s is not a duration"},
        {"gpu0=http://a:1;;slots=1", "has an empty option"},
        {"gpu0=http://a:1;weight=3", "unknown option 'weight'"},
        {"ok=http://a:1 gpu1=http://b:1;slots=x", "entry 'gpu1=http://b:1;slots=x'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char why[512] = "";
        nq_ollama_specs_t *s = nq_ollama_specs_parse (bad[i].text, why, sizeof why);
        if (s || !strstr (why, bad[i].why))
            fail_msg ("'%s' gave '%s', expected '%s'", bad[i].text, why, bad[i].why);
    }
}

static void
test_limits (void **state)
{
    (void)state;
    char text[8192] = "";
    size_t len = 0;
    for (int i = 0; i <= NQ_OLLAMA_SPEC_MAX; i++)
        len += (size_t)snprintf (text + len, sizeof text - len, "i%d=http://h:%d ", i, i + 1);
    char why[512];
    nq_ollama_specs_t *s = nq_ollama_specs_parse (text, why, sizeof why);
    assert_null (s);
    assert_non_null (strstr (why, "more than 64 instances"));
    len = (size_t)snprintf (text, sizeof text, "g=http://h:1;models=");
    for (int i = 0; i <= NQ_OLLAMA_SPEC_NAMES; i++)
        len += (size_t)snprintf (text + len, sizeof text - len, "%sm%d", i ? "," : "", i);
    s = nq_ollama_specs_parse (text, why, sizeof why);
    assert_null (s);
    assert_non_null (strstr (why, "names more than 32"));
}

static void
test_allocation_failures (void **state)
{
    (void)state;
    char why[512];
    for (long n = 1; n <= 2; n++) {
        nq_alloc_fail_after (n, 0);
        nq_ollama_specs_t *s = nq_ollama_specs_parse ("g=http://h:1;models=a", why, sizeof why);
        nq_alloc_fail_after (0, 0);
        assert_null (s);
        assert_string_equal (why, "out of memory");
    }
}

NQ_TEST_MAIN (cmocka_unit_test (test_simple_entries), cmocka_unit_test (test_every_option),
              cmocka_unit_test (test_bad_entries_are_named), cmocka_unit_test (test_limits),
              cmocka_unit_test (test_allocation_failures))
