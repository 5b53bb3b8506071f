/*  make-vectors — writes the golden vectors and the fuzz seeds.

    Usage: make-vectors SRCDIR
    Encodes every sample of samples.c and writes SRCDIR/tests/vectors/
    <name>.hex, and the seeds of each protocol fuzz target under
    SRCDIR/tests/fuzz/corpus/. Run it when the protocol changes on purpose,
    review the diff of the .hex files, and commit them: other-language
    clients check themselves against these files. */
#include "samples.h"
#include "vector_io.h"

#include "common/errors.h"

#include <stdio.h>
#include <sys/stat.h>

static const char *
s_target (int cmd)
{
    switch (nq_cmd_dir (cmd)) {
    case NQ_DIR_CLIENT_BROKER:
        return "fuzz_proto_client";
    case NQ_DIR_WORKER_BROKER:
        return "fuzz_proto_worker";
    default:
        return "fuzz_proto_peer";
    }
}

static int
s_save_raw (const char *path, const void *data, size_t size)
{
    FILE *file = fopen (path, "wb");
    if (!file)
        return NQ_EIO;
    fwrite (data, 1, size, file);
    return fclose (file) == 0 ? 0 : NQ_EIO;
}

int
main (int argc, char **argv)
{
    if (argc != 2) {
        fprintf (stderr, "usage: make-vectors SRCDIR\n");
        return 2;
    }
    const char *src = argv[1];
    char path[4096];
    const char *dirs[] = {"fuzz_proto_client", "fuzz_proto_worker", "fuzz_proto_peer", "fuzz_proto_json"};
    for (int i = 0; i < 4; i++) {
        snprintf (path, sizeof path, "%s/tests/fuzz/corpus/%s", src, dirs[i]);
        mkdir (path, 0755);
    }
    int failed = 0;
    for (int i = 0; i < nq_sample_count (); i++) {
        nq_msg_t msg;
        nq_wire_t wire;
        nq_sample_build (i, &msg);
        int rc = nq_msg_encode (&msg, &wire);
        if (rc) {
            fprintf (stderr, "make-vectors: %s: %s\n", nq_sample_name (i), nq_strerror (rc));
            failed = 1;
            continue;
        }
        char comment[256];
        snprintf (comment, sizeof comment,
                  "NQP/1 golden vector %s: command %s (0x%02x); one frame per line, hex", nq_sample_name (i),
                  nq_cmd_name (msg.cmd), (unsigned)msg.cmd);
        snprintf (path, sizeof path, "%s/tests/vectors/%s.hex", src, nq_sample_name (i));
        failed |= nq_vector_save (path, comment, &wire) != 0;
        snprintf (path, sizeof path, "%s/tests/fuzz/corpus/%s/%s", src, s_target (msg.cmd),
                  nq_sample_name (i));
        failed |= nq_vector_save_seed (path, &wire) != 0;
        snprintf (path, sizeof path, "%s/tests/fuzz/corpus/fuzz_proto_json/%s", src, nq_sample_name (i));
        failed |= s_save_raw (path, wire.frames[2].data, wire.frames[2].size) != 0;
        nq_wire_fini (&wire);
        nq_msg_fini (&msg);
    }
    return failed;
}
