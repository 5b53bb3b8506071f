/*  test_sim_model.c — ollama-sim's pure pieces: vectors, the text and timing
    model, the catalogue, fault settings and keep-alive durations. */
#include "nqtest.h"

#include <math.h>
#include <string.h>

#include "catalogue.h"
#include "common/errors.h"
#include "sim.h"
#include "sim_faults.h"
#include "sim_text.h"
#include "sim_vec.h"

static void
test_vectors_unit_and_deterministic (void **state)
{
    (void)state;
    float a[384], b[384], c[384], d[384];
    nq_sim_vec_fill (1, "all-minilm:latest", "hello", 5, a, 384);
    nq_sim_vec_fill (1, "all-minilm:latest", "hello", 5, b, 384);
    nq_sim_vec_fill (1, "all-minilm:latest", "hellp", 5, c, 384);
    nq_sim_vec_fill (2, "all-minilm:latest", "hello", 5, d, 384);
    assert_true (fabs (nq_sim_vec_norm (a, 384) - 1.0) < 1e-6);
    assert_true (fabs (nq_sim_vec_norm (c, 384) - 1.0) < 1e-6);
    assert_memory_equal (a, b, sizeof a);
    assert_memory_not_equal (a, c, sizeof a);
    assert_memory_not_equal (a, d, sizeof a);
    float e[1];
    nq_sim_vec_fill (0, "m", "", 0, e, 1);
    assert_true (fabs (fabs (e[0]) - 1.0) < 1e-6);
}

static void
test_text_model (void **state)
{
    (void)state;
    assert_int_equal (nq_sim_token_estimate ("", 0), 0);
    assert_int_equal (nq_sim_token_estimate ("abc", 3), 1);
    assert_int_equal (nq_sim_token_estimate ("abcdefgh", 8), 2);
    int limited = -1;
    int n = nq_sim_reply_tokens (100, 5, 0, &limited);
    assert_int_equal (n, 8 + 50 + 5);
    assert_int_equal (limited, 0);
    assert_int_equal (nq_sim_reply_tokens (100, 5, 10, &limited), 10);
    assert_int_equal (limited, 1);
    assert_int_equal (nq_sim_reply_tokens (10000, 0, 0, NULL), 256);
    nq_rng_t r1, r2;
    nq_rng_seed (&r1, 42);
    nq_rng_seed (&r2, 42);
    char w1[64], w2[64];
    for (int i = 0; i < 5; i++) {
        nq_sim_token_text (&r1, i, 5, w1, sizeof w1);
        nq_sim_token_text (&r2, i, 5, w2, sizeof w2);
        assert_string_equal (w1, w2);
        if (i == 0)
            assert_true (w1[0] >= 'A' && w1[0] <= 'Z');
        else
            assert_int_equal (w1[0], ' ');
    }
    assert_int_equal (w1[strlen (w1) - 1], '.');
    assert_int_equal (nq_sim_duration_ns (40, 40.0), 1000000000ULL);
    assert_int_equal (nq_sim_duration_ns (0, 40.0), 0);
    char ts[64];
    assert_string_equal (nq_sim_rfc3339 (1700000000123400000ULL, ts, sizeof ts), "2023-11-14T22:13:20.1234Z");
    assert_string_equal (nq_sim_rfc3339 (1700000000000000000ULL, ts, sizeof ts), "2023-11-14T22:13:20Z");
    assert_true (nq_sim_hash ("a", 1, 0) != nq_sim_hash ("a", 1, 1));
}

static void
test_catalogue (void **state)
{
    (void)state;
    nq_sim_catalogue_t *c = nq_sim_catalogue_new ();
    assert_non_null (c);
    assert_int_equal (nq_sim_catalogue_count (c), 2);
    const nq_sim_model_t *m = nq_sim_catalogue_find (c, "all-minilm");
    assert_non_null (m);
    assert_string_equal (m->name, "all-minilm:latest");
    assert_int_equal (m->kind, NQ_SIM_KIND_EMBED);
    assert_int_equal (m->dim, 384);
    assert_non_null (nq_sim_catalogue_find (c, "all-minilm:latest"));
    assert_non_null (nq_sim_catalogue_find (c, "mistral:instruct"));
    assert_null (nq_sim_catalogue_find (c, "mistral"));
    assert_null (nq_sim_catalogue_find (c, ""));
    assert_int_equal (nq_sim_catalogue_add (c, "llama3:8b,tps=55.5,load_ms=10,size=99"), 0);
    m = nq_sim_catalogue_find (c, "llama3:8b");
    assert_non_null (m);
    assert_int_equal (m->kind, NQ_SIM_KIND_CHAT);
    assert_true (m->tps == 55.5);
    assert_int_equal (m->load_ms, 10);
    assert_int_equal (m->size, 99);
    assert_int_equal (nq_sim_catalogue_add (c, "nomic-embed-text,dim=768"), 0);
    assert_int_equal (nq_sim_catalogue_find (c, "nomic-embed-text")->kind, NQ_SIM_KIND_EMBED);
    assert_int_equal (nq_sim_catalogue_add (c, "x,kind=robot"), NQ_EINVALID);
    assert_int_equal (nq_sim_catalogue_add (c, "x,dim=0"), NQ_EINVALID);
    assert_int_equal (nq_sim_catalogue_add (c, "x,tps=-1"), NQ_EINVALID);
    assert_int_equal (nq_sim_catalogue_add (c, "x,colour=red"), NQ_EINVALID);
    assert_int_equal (nq_sim_catalogue_add (c, ",dim=3"), NQ_EINVALID);
    assert_int_equal (nq_sim_catalogue_count (c), 4);
    nq_sim_catalogue_destroy (&c);
    assert_null (c);
}

static void
test_faults (void **state)
{
    (void)state;
    nq_sim_faults_t f;
    nq_sim_faults_init (&f);
    json_t *o = json_loads ("{\"busy\":2,\"hang_mode\":\"stream\",\"error\":-1,\"exit_after\":1}", 0, NULL);
    assert_int_equal (nq_sim_faults_apply (&f, o, NULL), 0);
    json_decref (o);
    assert_true (nq_sim_faults_take_busy (&f, NULL));
    assert_true (nq_sim_faults_take_busy (&f, NULL));
    assert_false (nq_sim_faults_take_busy (&f, NULL));
    for (int i = 0; i < 5; i++)
        assert_true (nq_sim_faults_take (&f.error));
    assert_int_equal (f.hang_mode, NQ_SIM_HANG_STREAM);
    assert_true (nq_sim_faults_take_exit (&f));
    assert_false (nq_sim_faults_take_exit (&f));
    const char *bad = NULL;
    o = json_loads ("{\"busy\":1,\"busy_rate\":2}", 0, NULL);
    assert_int_equal (nq_sim_faults_apply (&f, o, &bad), NQ_EINVALID);
    assert_string_equal (bad, "busy_rate");
    assert_int_equal (f.busy, 0);    //  nothing changed
    json_decref (o);
    o = json_loads ("{\"busy_rate\":1}", 0, NULL);
    assert_int_equal (nq_sim_faults_apply (&f, o, NULL), 0);
    json_decref (o);
    nq_rng_t rng;
    nq_rng_seed (&rng, 1);
    assert_true (nq_sim_faults_take_busy (&f, &rng));
    json_t *j = nq_sim_faults_json (&f);
    assert_non_null (json_object_get (j, "slow_load_ms"));
    json_decref (j);
}

static void
test_keep_alive (void **state)
{
    (void)state;
    int64_t ms;
    assert_int_equal (nq_sim_keep_alive_ms (NULL, &ms), 0);
    assert_true (ms == INT64_MIN);
    json_t *v = json_string ("5m");
    assert_int_equal (nq_sim_keep_alive_ms (v, &ms), 0);
    assert_int_equal (ms, 300000);
    json_decref (v);
    v = json_string ("1h30m10s");
    assert_int_equal (nq_sim_keep_alive_ms (v, &ms), 0);
    assert_int_equal (ms, 5410000);
    json_decref (v);
    v = json_string ("-1");
    assert_int_equal (nq_sim_keep_alive_ms (v, &ms), 0);
    assert_int_equal (ms, -1);
    json_decref (v);
    v = json_integer (0);
    assert_int_equal (nq_sim_keep_alive_ms (v, &ms), 0);
    assert_int_equal (ms, 0);
    json_decref (v);
    v = json_string ("soon");
    assert_int_equal (nq_sim_keep_alive_ms (v, &ms), NQ_EINVALID);
    json_decref (v);
}

NQ_TEST_MAIN (cmocka_unit_test (test_vectors_unit_and_deterministic), cmocka_unit_test (test_text_model),
              cmocka_unit_test (test_catalogue), cmocka_unit_test (test_faults),
              cmocka_unit_test (test_keep_alive))
