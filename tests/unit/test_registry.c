/*  test_registry.c — placement by dispatch mode (affinity, round_robin,
    least_busy) and the steering of a retry away from an instance. */
#include "nqtest.h"

#include "broker/registry.h"

#include <stdio.h>
#include <string.h>

//  A worker with one slot group on instance, serving every kind and every
//  model, with warm (may be NULL) loaded.
static nq_bworker_t *
s_add (nq_registry_t *reg, const char *identity, const char *instance, uint32_t capacity, const char *warm)
{
    const char *warm_list[1] = {warm};
    nq_slot_group_desc_t g = {instance,       NQ_KINDS_ALL, NULL, 0, warm ? warm_list : NULL,
                              warm ? 1u : 0u, capacity};
    nq_bworker_t *w = nq_registry_add (reg, identity, strlen (identity), identity, &g, 1, 1000, 3, 0);
    assert_non_null (w);
    return w;
}

//  Places a chat for model and leases it; returns the chosen instance.
static const char *
s_place (nq_registry_t *reg, const char *model, const char *avoid)
{
    nq_bworker_t *w = NULL;
    int g = -1;
    assert_int_equal (nq_registry_place (reg, NQ_KIND_CHAT, model, avoid, &w, &g), 1);
    nq_registry_lease (reg, w, g);
    return w->groups[g].instance;
}

//  Puts n jobs in flight on w's group without going through placement.
static void
s_load (nq_registry_t *reg, nq_bworker_t *w, int n)
{
    for (int i = 0; i < n; i++)
        nq_registry_lease (reg, w, 0);
}

static void
test_names (void **state)
{
    (void)state;
    for (int m = 0; m < NQ_DISPATCH__COUNT; m++)
        assert_int_equal (nq_dispatch_parse (nq_dispatch_name ((nq_dispatch_mode_t)m)), m);
    assert_string_equal (nq_dispatch_name (NQ_DISPATCH_AFFINITY), "affinity");
    assert_string_equal (nq_dispatch_name (NQ_DISPATCH_ROUND_ROBIN), "round_robin");
    assert_string_equal (nq_dispatch_name (NQ_DISPATCH_LEAST_BUSY), "least_busy");
    assert_int_equal (nq_dispatch_parse ("random"), -1);
    assert_int_equal (nq_dispatch_parse (""), -1);
    assert_int_equal (nq_dispatch_parse (NULL), -1);
    nq_registry_t *reg = nq_registry_new ();
    assert_int_equal (nq_registry_dispatch (reg), NQ_DISPATCH_AFFINITY);
    nq_registry_set_dispatch (reg, NQ_DISPATCH_LEAST_BUSY);
    assert_int_equal (nq_registry_dispatch (reg), NQ_DISPATCH_LEAST_BUSY);
    nq_registry_destroy (&reg);
}

//  affinity: warm beats load; among warm groups the least loaded; among
//  equals the one idle longest.
static void
test_affinity (void **state)
{
    (void)state;
    nq_registry_t *reg = nq_registry_new ();
    nq_bworker_t *a = s_add (reg, "wa", "gpu0", 4, "m");
    s_add (reg, "wb", "gpu1", 4, NULL);
    nq_bworker_t *c = s_add (reg, "wc", "gpu2", 4, "m");
    s_load (reg, a, 2);    //  gpu0 warm at 2/4, gpu2 warm at 0/4, gpu1 cold at 0/4
    assert_string_equal (s_place (reg, "m", NULL), "gpu2");
    assert_string_equal (s_place (reg, "m", NULL), "gpu2");
    //  gpu0 and gpu2 both warm at 2/4: gpu0 waited longer (its last job came first).
    assert_string_equal (s_place (reg, "m", NULL), "gpu0");
    s_load (reg, c, 2);    //  gpu0 3/4, gpu2 4/4 (full)
    assert_string_equal (s_place (reg, "m", NULL), "gpu0");
    //  Every warm group is full: the cold one takes it.
    assert_string_equal (s_place (reg, "m", NULL), "gpu1");
    //  A model warm nowhere: the least loaded.
    assert_string_equal (s_place (reg, "other", NULL), "gpu1");
    nq_registry_destroy (&reg);
}

//  round_robin: the groups take turns whatever their warmth or load, and a
//  full group is skipped.
static void
test_round_robin (void **state)
{
    (void)state;
    nq_registry_t *reg = nq_registry_new ();
    nq_registry_set_dispatch (reg, NQ_DISPATCH_ROUND_ROBIN);
    s_add (reg, "wa", "gpu0", 8, "m");
    s_add (reg, "wb", "gpu1", 8, NULL);
    s_add (reg, "wc", "gpu2", 2, NULL);
    //  The first turn goes in registry order; remember it and check the rotation.
    char seen[3][8];
    for (int i = 0; i < 3; i++)
        snprintf (seen[i], sizeof seen[i], "%s", s_place (reg, "m", NULL));
    assert_string_not_equal (seen[0], seen[1]);
    assert_string_not_equal (seen[1], seen[2]);
    assert_string_not_equal (seen[0], seen[2]);
    //  The next round repeats the order, although gpu0 is the only warm one
    //  and gpu2 (capacity 2) is now half full.
    for (int i = 0; i < 3; i++)
        assert_string_equal (s_place (reg, "m", NULL), seen[i]);
    //  gpu2 is full now: the turns go on over the other two.
    int gpu0 = 0, gpu1 = 0;
    for (int i = 0; i < 4; i++) {
        const char *inst = s_place (reg, "m", NULL);
        assert_string_not_equal (inst, "gpu2");
        gpu0 += strcmp (inst, "gpu0") == 0;
        gpu1 += strcmp (inst, "gpu1") == 0;
    }
    assert_int_equal (gpu0, 2);
    assert_int_equal (gpu1, 2);
    nq_registry_destroy (&reg);
}

//  least_busy: in flight relative to capacity, warmth ignored; ties go to
//  the one idle longest.
static void
test_least_busy (void **state)
{
    (void)state;
    nq_registry_t *reg = nq_registry_new ();
    nq_registry_set_dispatch (reg, NQ_DISPATCH_LEAST_BUSY);
    nq_bworker_t *a = s_add (reg, "wa", "gpu0", 2, "m");
    nq_bworker_t *b = s_add (reg, "wb", "gpu1", 8, NULL);
    s_load (reg, a, 1);                                        //  gpu0 warm at 1/2 = 0.5
    s_load (reg, b, 2);                                        //  gpu1 cold at 2/8 = 0.25
    assert_string_equal (s_place (reg, "m", NULL), "gpu1");    //  affinity would take gpu0; now 3/8
    assert_string_equal (s_place (reg, "m", NULL), "gpu1");    //  now 4/8: equal to gpu0
    //  gpu0 at 1/2 and gpu1 at 4/8: gpu0 waited longer.
    assert_string_equal (s_place (reg, "m", NULL), "gpu0");
    assert_string_equal (s_place (reg, "m", NULL), "gpu1");    //  gpu0 is full
    nq_registry_destroy (&reg);

    //  The same fleet under affinity goes to the warm group first.
    reg = nq_registry_new ();
    a = s_add (reg, "wa", "gpu0", 2, "m");
    b = s_add (reg, "wb", "gpu1", 8, NULL);
    s_load (reg, a, 1);
    s_load (reg, b, 2);
    assert_string_equal (s_place (reg, "m", NULL), "gpu0");
    nq_registry_destroy (&reg);
}

//  A job steered away from an instance goes elsewhere in every mode, even
//  when the avoided group is the mode's first choice, and comes back to it
//  only when nothing else is free.
static void
test_avoid (void **state)
{
    (void)state;
    for (int m = 0; m < NQ_DISPATCH__COUNT; m++) {
        nq_registry_t *reg = nq_registry_new ();
        nq_registry_set_dispatch (reg, (nq_dispatch_mode_t)m);
        s_add (reg, "wa", "gpu0", 4, "m");    //  warm, idle: every mode's first choice
        nq_bworker_t *b = s_add (reg, "wb", "gpu1", 2, NULL);
        nq_registry_lease (reg, b, 0);    //  gpu1 is busier and was used last
        assert_string_equal (s_place (reg, "m", "gpu0"), "gpu1");
        //  gpu1 is full: only the avoided instance is free, and it is used.
        assert_string_equal (s_place (reg, "m", "gpu0"), "gpu0");
        //  An avoided name that no group has changes nothing.
        assert_string_equal (s_place (reg, "m", "gpu9"), "gpu0");
        nq_registry_destroy (&reg);
    }
}

//  Two groups of the same instance on different workers are both avoided.
static void
test_avoid_instance_not_worker (void **state)
{
    (void)state;
    nq_registry_t *reg = nq_registry_new ();
    s_add (reg, "wa", "gpu0", 4, "m");
    s_add (reg, "wb", "gpu0", 4, "m");
    s_add (reg, "wc", "gpu1", 1, NULL);
    assert_string_equal (s_place (reg, "m", "gpu0"), "gpu1");
    assert_string_equal (s_place (reg, "m", "gpu0"), "gpu0");
    nq_registry_destroy (&reg);
}

//  Affinity's view of warmth: a warm home, a free warm slot, a free slot on an
//  instance with nothing loaded (a load there is not a swap, and placement
//  prefers it to an instance busy with another model); and the warmth a
//  dispatch implies, only for workers that report their loaded models.
static void
test_warmth_and_assumed_warm (void **state)
{
    (void) state;
    nq_registry_t *reg = nq_registry_new ();
    nq_bworker_t *a = s_add (reg, "a", "gpu0", 1, "m");
    nq_bworker_t *b = s_add (reg, "b", "gpu1", 1, "other");
    int wf, wh, ef;
    nq_registry_warmth (reg, NQ_KIND_CHAT, "m", &wf, &wh, &ef);
    assert_true (wf && wh && !ef);
    s_load (reg, a, 1);
    nq_registry_warmth (reg, NQ_KIND_CHAT, "m", &wf, &wh, &ef);
    assert_true (!wf && wh && !ef);    //  only a swap on gpu1 is free: hold
    nq_bworker_t *c = s_add (reg, "c", "gpu2", 1, NULL);
    nq_registry_warmth (reg, NQ_KIND_CHAT, "m", &wf, &wh, &ef);
    assert_true (!wf && wh && ef);
    assert_string_equal (s_place (reg, "m", NULL), "gpu2");    //  empty beats busy with "other"
    //  c reports no warm lists (an echo worker): nothing is assumed for it.
    assert_int_equal (nq_registry_assume_warm (c, 0, "m"), 0);
    assert_int_equal (c->groups[0].nwarm, 0);
    //  b does (CREDIT warm): a dispatch of m there counts m warm at once.
    const char *other[] = {"other"};
    assert_int_equal (nq_registry_set_warm (&b->groups[0], other, 1), 0);
    assert_int_equal (nq_registry_assume_warm (b, 0, "m"), 0);
    assert_true (nq_slot_group_is_warm (&b->groups[0], "m") && nq_slot_group_is_warm (&b->groups[0], "other"));
    assert_int_equal (nq_registry_assume_warm (b, 0, "m"), 0);
    assert_int_equal (b->groups[0].nwarm, 2);    //  not twice
    //  The next warm list is the truth again.
    assert_int_equal (nq_registry_set_warm (&b->groups[0], other, 1), 0);
    assert_false (nq_slot_group_is_warm (&b->groups[0], "m"));
    nq_registry_destroy (&reg);
}

NQ_TEST_MAIN (cmocka_unit_test (test_names), cmocka_unit_test (test_affinity), cmocka_unit_test (test_warmth_and_assumed_warm),
              cmocka_unit_test (test_round_robin), cmocka_unit_test (test_least_busy),
              cmocka_unit_test (test_avoid), cmocka_unit_test (test_avoid_instance_not_worker))
