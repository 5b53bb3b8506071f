/*  test_protocol_malformed.c — every kind of malformed NQP/1 input is
    refused with its own error code, without a crash or a leak (the ASan
    run checks the leak part): truncation, wrong types, oversized strings
    and arrays, nesting, invalid UTF-8, missing fields, unknown commands,
    versions and frame counts, and values out of their domain. */
#include "nqtest.h"

#include "common/alloc.h"
#include "common/errors.h"
#include "common/mpread.h"
#include "common/protocol.h"
#include "samples.h"

#include <msgpack.h>
#include <string.h>

#define S_ID "01938a6e-7b1c-7d2e-9f3a-4b5c6d7e8f90"

//  A body under construction.
typedef struct {
    msgpack_sbuffer sb;
    msgpack_packer pk;
} s_body_t;

static void
s_open (s_body_t *b)
{
    msgpack_sbuffer_init (&b->sb);
    msgpack_packer_init (&b->pk, &b->sb, msgpack_sbuffer_write);
}

static void
s_str (s_body_t *b, const char *s)
{
    msgpack_pack_str (&b->pk, strlen (s));
    msgpack_pack_str_body (&b->pk, s, strlen (s));
}

static void
s_kv (s_body_t *b, const char *k, const char *v)
{
    s_str (b, k);
    s_str (b, v);
}

//  Decodes (version, cmd, body, extra…) and returns the code; frees b.
static int
s_run (s_body_t *b, int cmd, nq_dir_t dir, const nq_limits_t *lim, const nq_frame_t *extra, size_t nextra)
{
    uint8_t c = (uint8_t)cmd;
    nq_frame_t frames[8] = {{"NQP1", 4}, {&c, 1}, {b->sb.data, b->sb.size}};
    for (size_t i = 0; i < nextra; i++)
        frames[3 + i] = extra[i];
    nq_msg_t msg;
    int rc = nq_msg_decode (&msg, frames, 3 + nextra, dir, lim);
    if (rc == 0)
        assert_int_equal (msg.cmd, cmd);
    else
        assert_int_equal (msg.cmd, NQ_CMD_NONE);    //  a refused message is emptied
    nq_msg_fini (&msg);
    msgpack_sbuffer_destroy (&b->sb);
    return rc;
}

//  {"kind":"embed","model":"m","payload":{"inputs":[INPUT]}} plus extra pairs written by fn.
static int
s_submit_embed (const char *input, void (*fn) (s_body_t *), int extra_pairs, const nq_limits_t *lim)
{
    s_body_t b;
    s_open (&b);
    msgpack_pack_map (&b.pk, 3 + extra_pairs);
    s_kv (&b, "kind", "embed");
    s_kv (&b, "model", "m");
    s_str (&b, "payload");
    msgpack_pack_map (&b.pk, 1);
    s_str (&b, "inputs");
    msgpack_pack_array (&b.pk, 1);
    s_str (&b, input);
    if (fn)
        fn (&b);
    return s_run (&b, NQ_CMD_SUBMIT, NQ_DIR_CLIENT_BROKER, lim, NULL, 0);
}

static void
test_minimal_and_tolerant (void **state)
{
    (void)state;
    assert_int_equal (s_submit_embed ("hello", NULL, 0, NULL), 0);
}

static void
s_unknown_keys (s_body_t *b)
{
    s_str (b, "x_future");
    msgpack_pack_map (&b->pk, 1);
    s_str (b, "a");
    msgpack_pack_array (&b->pk, 3);
    msgpack_pack_int (&b->pk, 1);
    msgpack_pack_nil (&b->pk);
    msgpack_pack_bin (&b->pk, 2);
    msgpack_pack_bin_body (&b->pk, "\x00\xff", 2);
    s_str (b, "tenant");    //  nil is "absent"
    msgpack_pack_nil (&b->pk);
}

static void
test_unknown_keys_are_ignored (void **state)
{
    (void)state;
    assert_int_equal (s_submit_embed ("hello", s_unknown_keys, 2, NULL), 0);
}

//  Every cut of a valid message is "truncated", never anything worse.
static void
test_truncated (void **state)
{
    (void)state;
    nq_msg_t msg, back;
    nq_wire_t wire;
    nq_sample_build (nq_sample_find ("submit_chat"), &msg);
    assert_int_equal (nq_msg_encode (&msg, &wire), 0);
    nq_frame_t frames[3] = {wire.frames[0], wire.frames[1], wire.frames[2]};
    for (size_t len = 0; len < wire.frames[2].size; len++) {
        frames[2].size = len;
        assert_int_equal (nq_msg_decode (&back, frames, 3, NQ_DIR_CLIENT_BROKER, NULL), NQ_EPROTO_TRUNCATED);
    }
    //  Bytes after the body map are malformed too.
    uint8_t *longer = nq_malloc (wire.frames[2].size + 1);
    memcpy (longer, wire.frames[2].data, wire.frames[2].size);
    longer[wire.frames[2].size] = 0xc0;
    frames[2] = (nq_frame_t){longer, wire.frames[2].size + 1};
    assert_int_equal (nq_msg_decode (&back, frames, 3, NQ_DIR_CLIENT_BROKER, NULL), NQ_EPROTO_TRUNCATED);
    nq_free (longer);
    nq_wire_fini (&wire);
}

//  A declared count of four billion in seven bytes allocates nothing big.
static void
test_lying_counts_allocate_nothing (void **state)
{
    (void)state;
    const uint8_t bodies[][7] = {
        {0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 'x'},    //  map32 of 4G pairs
        {0x81, 0xa1, 'x', 0xdd, 0xff, 0xff, 0xff},    //  array32 cut short
        {0x81, 0xa1, 'x', 0xdb, 0x7f, 0xff, 0xff},    //  str32 of 2 GiB, cut
    };
    for (size_t i = 0; i < 3; i++) {
        uint8_t c = NQ_CMD_PING;
        nq_frame_t frames[3] = {{"NQP1", 4}, {&c, 1}, {bodies[i], 7}};
        nq_msg_t msg;
        long before = nq_alloc_count ();
        int rc = nq_msg_decode (&msg, frames, 3, NQ_DIR_ANY, NULL);
        assert_true (rc == NQ_EPROTO_TRUNCATED || rc == NQ_EPROTO_TOO_LARGE);
        assert_true (nq_alloc_count () - before <= 2);    //  the arena and its first block
    }
}

static void
s_kind_int (s_body_t *b)
{
    s_str (b, "class");
    msgpack_pack_int (&b->pk, 2);
}

static void
s_rid_str (s_body_t *b)
{
    s_kv (b, "rid", "17");
}

static void
test_wrong_types (void **state)
{
    (void)state;
    assert_int_equal (s_submit_embed ("a", s_kind_int, 1, NULL), NQ_EPROTO_TYPE);
    assert_int_equal (s_submit_embed ("a", s_rid_str, 1, NULL), NQ_EPROTO_TYPE);
    //  The body is an array, not a map.
    s_body_t b;
    s_open (&b);
    msgpack_pack_array (&b.pk, 0);
    assert_int_equal (s_run (&b, NQ_CMD_PING, NQ_DIR_ANY, NULL, NULL, 0), NQ_EPROTO_TYPE);
    //  A key that is not a string.
    s_open (&b);
    msgpack_pack_map (&b.pk, 1);
    msgpack_pack_int (&b.pk, 1);
    msgpack_pack_int (&b.pk, 1);
    assert_int_equal (s_run (&b, NQ_CMD_PING, NQ_DIR_ANY, NULL, NULL, 0), NQ_EPROTO_TYPE);
    //  An input that is a number.
    s_open (&b);
    msgpack_pack_map (&b.pk, 3);
    s_kv (&b, "kind", "embed");
    s_kv (&b, "model", "m");
    s_str (&b, "payload");
    msgpack_pack_map (&b.pk, 1);
    s_str (&b, "inputs");
    msgpack_pack_array (&b.pk, 1);
    msgpack_pack_int (&b.pk, 5);
    assert_int_equal (s_run (&b, NQ_CMD_SUBMIT, NQ_DIR_ANY, NULL, NULL, 0), NQ_EPROTO_TYPE);
    //  A flag that is a string.
    s_open (&b);
    msgpack_pack_map (&b.pk, 3);
    s_kv (&b, "job_id", S_ID);
    s_kv (&b, "text", "x");
    s_kv (&b, "restart", "yes");
    assert_int_equal (s_run (&b, NQ_CMD_CHUNK, NQ_DIR_ANY, NULL, NULL, 0), NQ_EPROTO_TYPE);
}

static void
s_many_inputs (s_body_t *b)
{
    (void)b;
}

static void
test_oversized (void **state)
{
    (void)state;
    nq_limits_t lim;
    nq_limits_defaults (&lim);
    lim.max_string = 16;
    assert_int_equal (s_submit_embed ("0123456789abcdef", NULL, 0, &lim), 0);
    assert_int_equal (s_submit_embed ("0123456789abcdefg", NULL, 0, &lim), NQ_EPROTO_TOO_LARGE);
    (void)s_many_inputs;

    //  Too many embed inputs, too many array elements.
    nq_limits_defaults (&lim);
    lim.max_embed_inputs = 4;
    lim.max_array = 8;
    for (int n = 4; n <= 9; n++) {
        s_body_t b;
        s_open (&b);
        msgpack_pack_map (&b.pk, 3);
        s_kv (&b, "kind", "embed");
        s_kv (&b, "model", "m");
        s_str (&b, "payload");
        msgpack_pack_map (&b.pk, 1);
        s_str (&b, "inputs");
        msgpack_pack_array (&b.pk, (size_t)n);
        for (int i = 0; i < n; i++)
            s_str (&b, "x");
        assert_int_equal (s_run (&b, NQ_CMD_SUBMIT, NQ_DIR_ANY, &lim, NULL, 0),
                          n <= 4 ? 0 : NQ_EPROTO_TOO_LARGE);
    }
    s_body_t b;
    s_open (&b);
    msgpack_pack_map (&b.pk, 3);
    s_kv (&b, "worker_id", "w");
    s_str (&b, "slots");
    msgpack_pack_array (&b.pk, 9);
    for (int i = 0; i < 9; i++) {
        msgpack_pack_map (&b.pk, 3);
        s_kv (&b, "kind", "chat");
        s_kv (&b, "instance", "gpu0");
        s_str (&b, "capacity");
        msgpack_pack_int (&b.pk, 1);
    }
    s_str (&b, "liveness");
    msgpack_pack_int (&b.pk, 3);
    assert_int_equal (s_run (&b, NQ_CMD_READY, NQ_DIR_WORKER_BROKER, &lim, NULL, 0), NQ_EPROTO_TOO_LARGE);

    //  The whole message over max_message; a huge unknown value over max_string.
    nq_limits_defaults (&lim);
    lim.max_message = 64;
    assert_int_equal (s_submit_embed ("a string long enough to pass sixty-four bytes in all", NULL, 0, &lim),
                      NQ_EPROTO_TOO_LARGE);
    nq_limits_defaults (&lim);
    lim.max_string = 8;
    s_open (&b);
    msgpack_pack_map (&b.pk, 1);
    s_kv (&b, "x_unknown", "a value over eight bytes");
    assert_int_equal (s_run (&b, NQ_CMD_PING, NQ_DIR_ANY, &lim, NULL, 0), NQ_EPROTO_TOO_LARGE);
}

static void
test_too_deep (void **state)
{
    (void)state;
    //  A chat format (a free value) nested past max_depth.
    for (int deep = 0; deep < 2; deep++) {
        s_body_t b;
        s_open (&b);
        msgpack_pack_map (&b.pk, 3);
        s_kv (&b, "kind", "chat");
        s_kv (&b, "model", "m");
        s_str (&b, "payload");
        msgpack_pack_map (&b.pk, 2);
        s_str (&b, "messages");
        msgpack_pack_array (&b.pk, 1);
        msgpack_pack_map (&b.pk, 2);
        s_kv (&b, "role", "user");
        s_kv (&b, "content", "hi");
        s_str (&b, "format");
        //  Body 1, payload 2, format arrays at depths 3 .. 2 + n.
        int n = deep ? 15 : 14;    //  the deepest array at 16 is allowed
        for (int i = 0; i < n; i++)
            msgpack_pack_array (&b.pk, 1);
        msgpack_pack_nil (&b.pk);
        assert_int_equal (s_run (&b, NQ_CMD_SUBMIT, NQ_DIR_ANY, NULL, NULL, 0),
                          deep ? NQ_EPROTO_TOO_DEEP : 0);
    }
    //  An unknown key hiding a deep value; a REPLY with deep data.
    s_body_t b;
    s_open (&b);
    msgpack_pack_map (&b.pk, 1);
    s_str (&b, "x_unknown");
    for (int i = 0; i < 100; i++)
        msgpack_pack_array (&b.pk, 1);
    msgpack_pack_nil (&b.pk);
    assert_int_equal (s_run (&b, NQ_CMD_PING, NQ_DIR_ANY, NULL, NULL, 0), NQ_EPROTO_TOO_DEEP);
    s_open (&b);
    msgpack_pack_map (&b.pk, 1);
    s_str (&b, "data");
    for (int i = 0; i < 1000; i++)
        msgpack_pack_map (&b.pk, 1), s_str (&b, "k");
    msgpack_pack_nil (&b.pk);
    assert_int_equal (s_run (&b, NQ_CMD_REPLY, NQ_DIR_ANY, NULL, NULL, 0), NQ_EPROTO_TOO_DEEP);
}

static void
test_invalid_utf8 (void **state)
{
    (void)state;
    const char *bad[] = {"\xff",
                         "ab\xc0\xaf",
                         "\xed\xa0\x80",
                         "\xf4\x90\x80\x80",
                         "caf\xc3",
                         "\xe2\x82",
                         "0123456789abcdefghij\xff",
                         "0123456789abcdef\xc3\xa9\xed\xbf\xbf"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal (s_submit_embed (bad[i], NULL, 0, NULL), NQ_EPROTO_UTF8);
    assert_int_equal (s_submit_embed ("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80", NULL, 0, NULL), 0);
    //  U+0000 inside a text (msgpack allows it; NQP/1 does not).
    s_body_t b;
    s_open (&b);
    msgpack_pack_map (&b.pk, 2);
    s_kv (&b, "job_id", S_ID);
    s_str (&b, "text");
    msgpack_pack_str (&b.pk, 3);
    msgpack_pack_str_body (&b.pk, "a\0b", 3);
    assert_int_equal (s_run (&b, NQ_CMD_CHUNK, NQ_DIR_ANY, NULL, NULL, 0), NQ_EPROTO_UTF8);
    //  … also inside a word of otherwise ASCII text.
    s_open (&b);
    msgpack_pack_map (&b.pk, 2);
    s_kv (&b, "job_id", S_ID);
    s_str (&b, "text");
    msgpack_pack_str (&b.pk, 17);
    msgpack_pack_str_body (&b.pk,
                           "0123\0"
                           "456789abcdef",
                           17);
    assert_int_equal (s_run (&b, NQ_CMD_CHUNK, NQ_DIR_ANY, NULL, NULL, 0), NQ_EPROTO_UTF8);
    assert_false (nq_utf8_valid ("0123456789\0abcdef", 17));
    char copy[32];
    assert_true (nq_utf8_copy (copy, "0123456789abcdef\xc3\xa9!", 19));
    assert_memory_equal (copy, "0123456789abcdef\xc3\xa9!", 19);
    assert_false (nq_utf8_copy (copy, "01234567\x80", 9));
    assert_true (nq_utf8_valid ("0123456789abcdef\xc3\xa9", 18));
}

static void
test_missing_fields (void **state)
{
    (void)state;
    s_body_t b;
    //  No model.
    s_open (&b);
    msgpack_pack_map (&b.pk, 2);
    s_kv (&b, "kind", "embed");
    s_str (&b, "payload");
    msgpack_pack_map (&b.pk, 1);
    s_str (&b, "inputs");
    msgpack_pack_array (&b.pk, 1);
    s_str (&b, "x");
    assert_int_equal (s_run (&b, NQ_CMD_SUBMIT, NQ_DIR_ANY, NULL, NULL, 0), NQ_EPROTO_MISSING);
    //  No payload.
    s_open (&b);
    msgpack_pack_map (&b.pk, 2);
    s_kv (&b, "kind", "embed");
    s_kv (&b, "model", "m");
    assert_int_equal (s_run (&b, NQ_CMD_SUBMIT, NQ_DIR_ANY, NULL, NULL, 0), NQ_EPROTO_MISSING);
    //  A payload but no kind.
    s_open (&b);
    msgpack_pack_map (&b.pk, 2);
    s_kv (&b, "model", "m");
    s_str (&b, "payload");
    msgpack_pack_map (&b.pk, 0);
    assert_int_equal (s_run (&b, NQ_CMD_SUBMIT, NQ_DIR_ANY, NULL, NULL, 0), NQ_EPROTO_MISSING);
    //  A chat message without its role.
    s_open (&b);
    msgpack_pack_map (&b.pk, 3);
    s_str (&b, "payload");    //  the payload before the kind is fine
    msgpack_pack_map (&b.pk, 1);
    s_str (&b, "messages");
    msgpack_pack_array (&b.pk, 1);
    msgpack_pack_map (&b.pk, 1);
    s_kv (&b, "content", "hi");
    s_kv (&b, "kind", "chat");
    s_kv (&b, "model", "m");
    assert_int_equal (s_run (&b, NQ_CMD_SUBMIT, NQ_DIR_ANY, NULL, NULL, 0), NQ_EPROTO_MISSING);
    //  A worker's CHUNK without its attempt (the lease epoch).
    s_open (&b);
    msgpack_pack_map (&b.pk, 2);
    s_kv (&b, "job_id", S_ID);
    s_kv (&b, "text", "x");
    assert_int_equal (s_run (&b, NQ_CMD_W_CHUNK, NQ_DIR_WORKER_BROKER, NULL, NULL, 0), NQ_EPROTO_MISSING);
    //  … or with it nil, which is the same as absent.
    s_open (&b);
    msgpack_pack_map (&b.pk, 3);
    s_kv (&b, "job_id", S_ID);
    s_str (&b, "attempt");
    msgpack_pack_nil (&b.pk);
    s_kv (&b, "text", "x");
    assert_int_equal (s_run (&b, NQ_CMD_W_CHUNK, NQ_DIR_WORKER_BROKER, NULL, NULL, 0), NQ_EPROTO_MISSING);
    s_open (&b);
    msgpack_pack_map (&b.pk, 2);
    s_kv (&b, "job_id", S_ID);
    s_kv (&b, "text", "x");
    assert_int_equal (s_run (&b, NQ_CMD_CHUNK, NQ_DIR_BROKER_CLIENT, NULL, NULL, 0), 0);
}

static void
test_commands_versions_frames (void **state)
{
    (void)state;
    s_body_t b;
    s_open (&b);
    msgpack_pack_map (&b.pk, 0);
    assert_int_equal (s_run (&b, 0x7f, NQ_DIR_ANY, NULL, NULL, 0), NQ_EPROTO_COMMAND);
    s_open (&b);
    msgpack_pack_map (&b.pk, 0);
    assert_int_equal (s_run (&b, 0x00, NQ_DIR_ANY, NULL, NULL, 0), NQ_EPROTO_COMMAND);
    //  A known command from the wrong side.
    s_open (&b);
    msgpack_pack_map (&b.pk, 0);
    assert_int_equal (s_run (&b, NQ_CMD_PING, NQ_DIR_WORKER_BROKER, NULL, NULL, 0), NQ_EPROTO_COMMAND);
    s_open (&b);
    msgpack_pack_map (&b.pk, 0);
    assert_int_equal (s_run (&b, NQ_CMD_PING, NQ_DIR_CLIENT_BROKER, NULL, NULL, 0), 0);

    uint8_t ping = NQ_CMD_PING, empty_map = 0x80;
    nq_msg_t msg;
    nq_frame_t v2[3] = {{"NQP2", 4}, {&ping, 1}, {&empty_map, 1}};
    assert_int_equal (nq_msg_decode (&msg, v2, 3, NQ_DIR_ANY, NULL), NQ_EPROTO_VERSION);
    nq_frame_t short_v[3] = {{"NQP", 3}, {&ping, 1}, {&empty_map, 1}};
    assert_int_equal (nq_msg_decode (&msg, short_v, 3, NQ_DIR_ANY, NULL), NQ_EPROTO_VERSION);
    nq_frame_t ok[5] = {{"NQP1", 4}, {&ping, 1}, {&empty_map, 1}, {"x", 1}, {"y", 1}};
    assert_int_equal (nq_msg_decode (&msg, ok, 3, NQ_DIR_ANY, NULL), 0);
    nq_msg_fini (&msg);
    assert_int_equal (nq_msg_decode (&msg, ok, 0, NQ_DIR_ANY, NULL), NQ_EPROTO_FRAMES);
    assert_int_equal (nq_msg_decode (&msg, ok, 2, NQ_DIR_ANY, NULL), NQ_EPROTO_FRAMES);
    //  A payload frame nothing refers to.
    assert_int_equal (nq_msg_decode (&msg, ok, 4, NQ_DIR_ANY, NULL), NQ_EPROTO_FRAMES);
    nq_limits_t lim;
    nq_limits_defaults (&lim);
    lim.max_frames = 1;
    assert_int_equal (nq_msg_decode (&msg, ok, 5, NQ_DIR_ANY, &lim), NQ_EPROTO_FRAMES);
    //  A command frame of two bytes.
    nq_frame_t wide[3] = {{"NQP1", 4}, {"\x14\x00", 2}, {&empty_map, 1}};
    assert_int_equal (nq_msg_decode (&msg, wide, 3, NQ_DIR_ANY, NULL), NQ_EPROTO_FRAMES);

    //  A content_frame index out of range, and one used twice.
    for (int twice = 0; twice < 2; twice++) {
        s_open (&b);
        msgpack_pack_map (&b.pk, 3);
        s_kv (&b, "kind", "chat");
        s_kv (&b, "model", "m");
        s_str (&b, "payload");
        msgpack_pack_map (&b.pk, 1);
        s_str (&b, "messages");
        msgpack_pack_array (&b.pk, 2);
        for (int i = 0; i < 2; i++) {
            msgpack_pack_map (&b.pk, 2);
            s_kv (&b, "role", "user");
            s_str (&b, "content_frame");
            msgpack_pack_int (&b.pk, twice ? 3 : 3 + i * 4);
        }
        nq_frame_t extra[1] = {{"prompt", 6}};
        assert_int_equal (s_run (&b, NQ_CMD_SUBMIT, NQ_DIR_ANY, NULL, extra, 1), NQ_EPROTO_FRAMES);
    }
}

static void
test_values_out_of_domain (void **state)
{
    (void)state;
    const char *bad_ids[] = {"01938a6e-7b1c-7d2e-9f3a-4b5c6d7e8f9", "01938A6E-7B1C-7D2E-9F3A-4B5C6D7E8F90",
                             "01938a6e_7b1c-7d2e-9f3a-4b5c6d7e8f90", "01938a6e-7b1c-7d2e-9f3a-4b5c6d7e8fzz"};
    for (size_t i = 0; i < 4; i++) {
        s_body_t b;
        s_open (&b);
        msgpack_pack_map (&b.pk, 1);
        s_kv (&b, "job_id", bad_ids[i]);
        assert_int_equal (s_run (&b, NQ_CMD_ACCEPTED, NQ_DIR_ANY, NULL, NULL, 0), NQ_EPROTO_VALUE);
    }
    s_body_t b;
    //  An unknown kind.
    s_open (&b);
    msgpack_pack_map (&b.pk, 1);
    s_kv (&b, "kind", "video");
    assert_int_equal (s_run (&b, NQ_CMD_SUBMIT, NQ_DIR_ANY, NULL, NULL, 0), NQ_EPROTO_VALUE);
    //  A negative attempt; one over 32 bits.
    for (int big = 0; big < 2; big++) {
        s_open (&b);
        msgpack_pack_map (&b.pk, 3);
        s_kv (&b, "job_id", S_ID);
        s_str (&b, "attempt");
        if (big)
            msgpack_pack_uint64 (&b.pk, 1ULL << 32);
        else
            msgpack_pack_int (&b.pk, -1);
        s_kv (&b, "text", "x");
        assert_int_equal (s_run (&b, NQ_CMD_W_CHUNK, NQ_DIR_ANY, NULL, NULL, 0), NQ_EPROTO_VALUE);
    }
    //  A key given twice.
    s_open (&b);
    msgpack_pack_map (&b.pk, 2);
    s_kv (&b, "reason", "a");
    s_kv (&b, "reason", "b");
    assert_int_equal (s_run (&b, NQ_CMD_BYE, NQ_DIR_ANY, NULL, NULL, 0), NQ_EPROTO_VALUE);
    //  An alignment score above 1; a NaN temperature.
    nq_msg_t msg;
    nq_wire_t wire;
    nq_sample_build (nq_sample_find ("result_reflect"), &msg);
    msg.u.result.body.reflect.alignment_score = 1.5;
    assert_int_equal (nq_msg_encode (&msg, &wire), 0);
    nq_msg_t back;
    assert_int_equal (nq_msg_decode (&back, wire.frames, wire.count, NQ_DIR_ANY, NULL), NQ_EPROTO_VALUE);
    nq_wire_fini (&wire);
    nq_sample_build (nq_sample_find ("submit_chat"), &msg);
    msg.u.submit.job.payload.chat.options.temperature = 0.0 / 0.0;
    assert_int_equal (nq_msg_encode (&msg, &wire), 0);
    assert_int_equal (nq_msg_decode (&back, wire.frames, wire.count, NQ_DIR_ANY, NULL), NQ_EPROTO_VALUE);
    nq_wire_fini (&wire);
    //  Vectors whose frame does not hold count × dimensions floats.
    nq_sample_build (nq_sample_find ("result_embed"), &msg);
    assert_int_equal (nq_msg_encode (&msg, &wire), 0);
    wire.frames[3].size -= 4;
    assert_int_equal (nq_msg_decode (&back, wire.frames, wire.count, NQ_DIR_ANY, NULL), NQ_EPROTO_VALUE);
    wire.frames[3].size += 4;
    nq_wire_fini (&wire);
    //  An unknown error code name is kept as "internal".
    s_open (&b);
    msgpack_pack_map (&b.pk, 1);
    s_kv (&b, "code", "some_future_code");
    uint8_t c = NQ_CMD_ERROR;
    nq_frame_t frames[3] = {{"NQP1", 4}, {&c, 1}, {b.sb.data, b.sb.size}};
    assert_int_equal (nq_msg_decode (&back, frames, 3, NQ_DIR_ANY, NULL), 0);
    assert_int_equal (back.u.error.code, NQ_EINTERNAL);
    nq_msg_fini (&back);
    msgpack_sbuffer_destroy (&b.sb);
}

static void
test_limits (void **state)
{
    (void)state;
    nq_limits_t lim;
    nq_limits_defaults (&lim);
    assert_int_equal (nq_limits_check (&lim), 0);
    lim.max_depth = NQ_LIMIT_DEPTH_CAP + 1;
    assert_int_equal (nq_limits_check (&lim), NQ_ERANGE);
    nq_limits_defaults (&lim);
    lim.max_message = 0;
    assert_int_equal (nq_limits_check (&lim), NQ_ERANGE);
    nq_limits_defaults (&lim);
    lim.max_frames = NQ_LIMIT_FRAMES_CAP;
    assert_int_equal (nq_limits_check (&lim), 0);
}

NQ_TEST_MAIN (cmocka_unit_test (test_minimal_and_tolerant), cmocka_unit_test (test_unknown_keys_are_ignored),
              cmocka_unit_test (test_truncated), cmocka_unit_test (test_lying_counts_allocate_nothing),
              cmocka_unit_test (test_wrong_types), cmocka_unit_test (test_oversized),
              cmocka_unit_test (test_too_deep), cmocka_unit_test (test_invalid_utf8),
              cmocka_unit_test (test_missing_fields), cmocka_unit_test (test_commands_versions_frames),
              cmocka_unit_test (test_values_out_of_domain), cmocka_unit_test (test_limits))
