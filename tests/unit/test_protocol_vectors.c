/*  test_protocol_vectors.c — the golden vectors in tests/vectors/ are what
    the encoder writes for the samples, decode, and re-encode byte-identical;
    every .hex file there belongs to a sample. */
#include "nqtest.h"

#include "common/errors.h"
#include "common/protocol.h"
#include "samples.h"
#include "vector_io.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>

static void
s_assert_frames (const nq_frame_t *a, size_t na, const nq_frame_t *b, size_t nb, const char *name)
{
    if (na != nb)
        fail_msg ("%s: %zu frames, expected %zu", name, na, nb);
    for (size_t i = 0; i < na; i++)
        if (a[i].size != b[i].size || memcmp (a[i].data, b[i].data, a[i].size))
            fail_msg ("%s: frame %zu differs", name, i);
}

static void
test_vectors_match_and_round_trip (void **state)
{
    (void)state;
    for (int i = 0; i < nq_sample_count (); i++) {
        char path[1024];
        snprintf (path, sizeof path, "%s/tests/vectors/%s.hex", NQ_SRCDIR, nq_sample_name (i));
        nq_vector_t vec;
        if (nq_vector_load (&vec, path))
            fail_msg ("%s: cannot load", path);
        //  The vector is what the encoder writes for the sample …
        nq_msg_t msg;
        nq_wire_t wire;
        nq_sample_build (i, &msg);
        assert_int_equal (nq_msg_encode (&msg, &wire), 0);
        s_assert_frames (vec.frames, vec.count, wire.frames, wire.count, nq_sample_name (i));
        nq_wire_fini (&wire);
        //  … and decodes and re-encodes to itself.
        nq_msg_t back;
        int rc = nq_msg_decode (&back, vec.frames, vec.count, NQ_DIR_ANY, NULL);
        if (rc)
            fail_msg ("%s: decode: %s", nq_sample_name (i), nq_strerror (rc));
        assert_int_equal (back.cmd, msg.cmd);
        assert_int_equal (nq_msg_encode (&back, &wire), 0);
        s_assert_frames (vec.frames, vec.count, wire.frames, wire.count, nq_sample_name (i));
        nq_wire_fini (&wire);
        nq_msg_fini (&back);
        nq_vector_fini (&vec);
    }
}

static void
test_no_orphan_vectors (void **state)
{
    (void)state;
    char path[1024];
    snprintf (path, sizeof path, "%s/tests/vectors", NQ_SRCDIR);
    DIR *dir = opendir (path);
    assert_non_null (dir);
    int files = 0;
    struct dirent *entry;
    while ((entry = readdir (dir))) {
        size_t len = strlen (entry->d_name);
        if (len < 5 || strcmp (entry->d_name + len - 4, ".hex"))
            continue;
        char name[256];
        snprintf (name, sizeof name, "%.*s", (int)(len - 4), entry->d_name);
        if (nq_sample_find (name) < 0)
            fail_msg ("%s.hex has no sample", name);
        files++;
    }
    closedir (dir);
    assert_int_equal (files, nq_sample_count ());
}

NQ_TEST_MAIN (cmocka_unit_test (test_vectors_match_and_round_trip), cmocka_unit_test (test_no_orphan_vectors))
