/*  test_instance.c — an instance from its NOVAQ_OLLAMA entry and the
    defaults; its breaker behind the wrappers (transitions notified and
    permits withdrawn); model and warm lists with versions. Manual clock. */
#include "nqtest.h"

#include "actors/instance.h"
#include "common/errors.h"

#include <string.h>

static void
s_notify (void *arg, nq_instance_t *instance)
{
    (void)instance;
    (*(int *)arg)++;
}

static nq_instance_defaults_t
s_defaults (void)
{
    return (nq_instance_defaults_t){.slots = 4,
                                    .embed = 1,
                                    .reflect = 1,
                                    .connect_timeout_ms = 5000,
                                    .first_byte_timeout_ms = 300000,
                                    .idle_timeout_ms = 60000,
                                    .total_timeout_ms = 0,
                                    .probe_ms = 5000,
                                    .embed_batch = 64,
                                    .breaker_failures = 3,
                                    .breaker_open_ms = 1000,
                                    .breaker_open_max_ms = 8000};
}

static void
test_defaults_and_options (void **state)
{
    (void)state;
    char why[256];
    nq_ollama_specs_t *specs = nq_ollama_specs_parse (
        "a=http://127.0.0.1:1;slots=2;idle_timeout=30s b=http://127.0.0.1:2;embed=3;models=m1,m2", why,
        sizeof why);
    assert_non_null (specs);
    nq_clock_t *clock = nq_clock_new_manual (0, 0);
    nq_instance_defaults_t d = s_defaults ();
    nq_instance_t *a = nq_instance_new (&specs->specs[0], &d, clock);
    nq_instance_t *b = nq_instance_new (&specs->specs[1], &d, clock);
    assert_non_null (a);
    assert_non_null (b);
    assert_string_equal (nq_instance_name (a), "a");
    assert_string_equal (nq_instance_url (a), "http://127.0.0.1:1");
    assert_int_equal (nq_instance_slots (a, NQ_KIND_CHAT), 2);
    assert_int_equal (nq_instance_slots (a, NQ_KIND_EMBED), 1);
    assert_int_equal (nq_instance_slots (b, NQ_KIND_CHAT), 4);
    assert_int_equal (nq_instance_slots (b, NQ_KIND_EMBED), 3);
    nq_ollama_options_t o;
    nq_instance_ollama_options (a, &o);
    assert_string_equal (o.base_url, "http://127.0.0.1:1");
    assert_int_equal (o.idle_timeout_ms, 30000);
    assert_int_equal (o.first_byte_timeout_ms, 300000);
    //  Models: discovered for a (unknown until set), configured for b.
    nq_msg_t msg;
    nq_msg_init (&msg, NQ_CMD_CREDIT);
    nq_instance_view_t v;
    assert_int_equal (nq_instance_view (a, &msg, &v), 0);
    assert_int_equal (v.known, 0);
    assert_int_equal (nq_instance_models_configured (a), 0);
    assert_int_equal (nq_instance_view (b, &msg, &v), 0);
    assert_int_equal (v.known, 1);
    assert_int_equal (v.nmodels, 2);
    assert_string_equal (v.models[1], "m2");
    assert_true (nq_instance_serves (b, "m1"));
    assert_false (nq_instance_serves (b, "m3"));
    nq_msg_fini (&msg);
    nq_instance_destroy (&a);
    nq_instance_destroy (&b);
    assert_null (a);
    nq_clock_destroy (&clock);
    nq_ollama_specs_destroy (&specs);
}

static void
test_breaker_behind_the_mutex (void **state)
{
    (void)state;
    char why[256];
    nq_ollama_specs_t *specs = nq_ollama_specs_parse ("g=http://127.0.0.1:1;slots=4", why, sizeof why);
    nq_clock_t *clock = nq_clock_new_manual (0, 0);
    nq_instance_defaults_t d = s_defaults ();
    nq_instance_t *g = nq_instance_new (&specs->specs[0], &d, clock);
    int notified = 0;
    nq_instance_set_notify (g, s_notify, &notified);
    assert_int_equal (nq_instance_permits (g, 4), 4);
    nq_call_result_t fail = {NQ_CALL_HTTP, 503, 3};
    for (int i = 0; i < 3; i++) {
        assert_int_equal (nq_instance_allow (g, NULL), 0);
        nq_instance_record (g, &fail);
    }
    assert_int_equal (nq_instance_state (g), NQ_BREAKER_OPEN);
    assert_int_equal (notified, 1);
    assert_int_equal (nq_instance_permits (g, 4), 0);
    uint64_t retry = 0;
    assert_int_equal (nq_instance_allow (g, &retry), NQ_EUPSTREAM_UNAVAILABLE);
    assert_true (retry > 0);
    //  After the open wait (1 s ± 20 %) one probe may go; its success closes it.
    nq_clock_advance (clock, 1300);
    assert_int_equal (nq_instance_permits (g, 4), 1);
    assert_int_equal (nq_instance_state (g), NQ_BREAKER_HALF_OPEN);
    assert_int_equal (nq_instance_allow (g, NULL), 0);
    nq_call_result_t ok = {NQ_CALL_OK, 200, 2};
    nq_instance_record (g, &ok);
    assert_int_equal (nq_instance_state (g), NQ_BREAKER_CLOSED);
    assert_int_equal (notified, 3);
    assert_true (nq_instance_permits (g, 4) >= 1);
    //  Warm lists: a change returns 1; the same list returns 0 but is announced
    //  again (a new version, a notification), so the broker hears the truth.
    const char *warm[] = {"m1"};
    nq_msg_t msg;
    nq_msg_init (&msg, NQ_CMD_CREDIT);
    nq_instance_view_t v0, v1;
    nq_instance_view (g, &msg, &v0);
    assert_int_equal (nq_instance_set_warm (g, warm, 1), 1);
    assert_int_equal (nq_instance_set_warm (g, warm, 1), 0);
    assert_int_equal (nq_instance_set_models (g, warm, 1), 1);
    nq_instance_view (g, &msg, &v1);
    assert_int_equal (v1.warm_version, v0.warm_version + 2);
    assert_int_equal (v1.known, 1);
    assert_int_equal (v1.nwarm, 1);
    assert_int_equal (notified, 6);
    assert_int_equal (nq_instance_set_warm (g, NULL, 0), 1);
    nq_msg_fini (&msg);
    nq_instance_destroy (&g);
    nq_clock_destroy (&clock);
    nq_ollama_specs_destroy (&specs);
}

static void
test_echo_instance (void **state)
{
    (void)state;
    nq_instance_t *e = nq_instance_new_echo ("echo", NULL, 0, 3);
    assert_non_null (e);
    assert_true (nq_instance_is_echo (e));
    assert_null (nq_instance_url (e));
    assert_int_equal (nq_instance_slots (e, NQ_KIND_REFLECT), 3);
    assert_int_equal (nq_instance_allow (e, NULL), 0);
    assert_int_equal (nq_instance_permits (e, 3), 3);
    assert_true (nq_instance_serves (e, "anything"));
    nq_instance_destroy (&e);
}

NQ_TEST_MAIN (cmocka_unit_test (test_defaults_and_options), cmocka_unit_test (test_breaker_behind_the_mutex),
              cmocka_unit_test (test_echo_instance))
