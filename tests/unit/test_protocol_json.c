/*  test_protocol_json.c — REPLY data (any msgpack value) renders as JSON,
    bounded and refusing what JSON cannot say. */
#include "nqtest.h"

#include "common/errors.h"
#include "common/protocol_json.h"

#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

static char *
s_render (const void *data, size_t size, int *rc)
{
    json_t *json;
    *rc = nq_msgpack_to_json (data, size, NULL, &json);
    if (*rc)
        return NULL;
    char *text = json_dumps (json, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
    json_decref (json);
    return text;
}

static void
test_values (void **state)
{
    (void)state;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init (&sb);
    msgpack_packer_init (&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, 6);
    msgpack_pack_str_with_body (&pk, "queues", 6);
    msgpack_pack_array (&pk, 2);
    msgpack_pack_int (&pk, -3);
    msgpack_pack_uint64 (&pk, 7);
    msgpack_pack_str_with_body (&pk, "ok", 2);
    msgpack_pack_true (&pk);
    msgpack_pack_str_with_body (&pk, "none", 4);
    msgpack_pack_nil (&pk);
    msgpack_pack_str_with_body (&pk, "rate", 4);
    msgpack_pack_double (&pk, 0.5);
    msgpack_pack_str_with_body (&pk, "name", 4);
    msgpack_pack_str_with_body (&pk, "gpu\xc3\xa9", 5);
    msgpack_pack_str_with_body (&pk, "raw", 3);
    msgpack_pack_bin_with_body (&pk, "\x00\x01\xfe", 3);
    int rc;
    char *text = s_render (sb.data, sb.size, &rc);
    assert_int_equal (rc, 0);
    assert_string_equal (text, "{\"name\":\"gpu\xc3\xa9\",\"none\":null,\"ok\":true,\"queues\":[-3,7],"
                               "\"rate\":0.5,\"raw\":\"AAH+\"}");
    free (text);
    msgpack_sbuffer_destroy (&sb);
}

static void
test_refusals (void **state)
{
    (void)state;
    int rc;
    struct {
        const char *bytes;
        size_t size;
        int code;
    } cases[] = {
        {"\x92\x01", 2, NQ_EPROTO_TRUNCATED},                            //  array of 2 with 1
        {"\x01\x02", 2, NQ_EPROTO_TRUNCATED},                            //  two values
        {"\x81\x01\x02", 3, NQ_EPROTO_TYPE},                             //  integer key
        {"\xd4\x01\x00", 3, NQ_EPROTO_TYPE},                             //  ext
        {"\xa2\xc3\x28", 3, NQ_EPROTO_UTF8},                             //  bad UTF-8
        {"\xcf\xff\xff\xff\xff\xff\xff\xff\xff", 9, NQ_EPROTO_VALUE},    //  2^64-1
        {"\xcb\x7f\xf8\x00\x00\x00\x00\x00\x00", 9, NQ_EPROTO_VALUE},    //  NaN
        {"\xdd\xff\xff\xff\xff", 5, NQ_EPROTO_TRUNCATED},                //  a lying count
        {"", 0, NQ_EPROTO_TRUNCATED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = s_render (cases[i].bytes, cases[i].size, &rc);
        assert_null (text);
        assert_int_equal (rc, cases[i].code);
    }
    //  Nesting past max_depth; an array over max_array.
    unsigned char deep[40];
    memset (deep, 0x91, sizeof deep);
    deep[39] = 0xc0;
    nq_limits_t lim;
    nq_limits_defaults (&lim);
    json_t *json;
    assert_int_equal (nq_msgpack_to_json (deep, sizeof deep, &lim, &json), NQ_EPROTO_TOO_DEEP);
    assert_null (json);
    assert_int_equal (nq_msgpack_to_json (deep + 39 - 16, 17, &lim, &json), 0);
    json_decref (json);
    lim.max_array = 2;
    assert_int_equal (nq_msgpack_to_json ("\x93\x01\x02\x03", 4, &lim, &json), NQ_EPROTO_TOO_LARGE);
    lim.max_message = 3;
    assert_int_equal (nq_msgpack_to_json ("\x93\x01\x02\x03", 4, &lim, &json), NQ_EPROTO_TOO_LARGE);
}

NQ_TEST_MAIN (cmocka_unit_test (test_values), cmocka_unit_test (test_refusals))
