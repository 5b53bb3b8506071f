/*  test_protocol_roundtrip.c — every NQP/1 command and payload kind encodes,
    decodes to the same values and re-encodes to the same bytes. */
#include "nqtest.h"

#include "common/alloc.h"
#include "common/errors.h"
#include "common/protocol.h"
#include "common/protocol_zmq.h"
#include "samples.h"

#include <math.h>
#include <msgpack.h>
#include <string.h>

static int
s_same (const nq_wire_t *a, const nq_wire_t *b)
{
    if (a->count != b->count)
        return 0;
    for (size_t i = 0; i < a->count; i++)
        if (a->frames[i].size != b->frames[i].size ||
            memcmp (a->frames[i].data, b->frames[i].data, a->frames[i].size))
            return 0;
    return 1;
}

//  Encodes sample i, decodes it in its direction into *out (caller finis).
static void
s_through (int i, nq_msg_t *out)
{
    nq_msg_t msg;
    nq_wire_t wire, again;
    nq_sample_build (i, &msg);
    assert_int_equal (nq_msg_encode (&msg, &wire), 0);
    assert_int_equal (nq_msg_decode (out, wire.frames, wire.count, (nq_dir_t)nq_cmd_dir (msg.cmd), NULL), 0);
    assert_int_equal (out->cmd, msg.cmd);
    assert_int_equal (nq_msg_encode (out, &again), 0);
    assert_true (s_same (&wire, &again));
    nq_wire_fini (&again);
    nq_wire_fini (&wire);
    nq_msg_fini (&msg);
}

static void
test_every_sample_round_trips (void **state)
{
    (void)state;
    int commands[256] = {0};
    for (int i = 0; i < nq_sample_count (); i++) {
        nq_msg_t msg;
        s_through (i, &msg);
        commands[msg.cmd] = 1;
        nq_msg_fini (&msg);
    }
    //  Every command has at least one sample.
    int covered = 0;
    for (int c = 0; c < 256; c++)
        if (nq_cmd_name (c)) {
            assert_true (commands[c]);
            covered++;
        }
    assert_int_equal (covered, 23);
}

//  msgpack-c, as the reference implementation, reads every body the
//  encoder writes, and packing what it read gives back the same bytes
//  (so the encoder's output is canonical shortest-form msgpack).
static void
test_msgpack_c_agrees (void **state)
{
    (void)state;
    for (int i = 0; i < nq_sample_count (); i++) {
        nq_msg_t msg;
        nq_wire_t wire;
        nq_sample_build (i, &msg);
        assert_int_equal (nq_msg_encode (&msg, &wire), 0);
        msgpack_unpacked up;
        msgpack_unpacked_init (&up);
        size_t off = 0;
        assert_int_equal (msgpack_unpack_next (&up, wire.frames[2].data, wire.frames[2].size, &off),
                          MSGPACK_UNPACK_SUCCESS);
        assert_int_equal (off, wire.frames[2].size);
        assert_int_equal (up.data.type, MSGPACK_OBJECT_MAP);
        msgpack_sbuffer sb;
        msgpack_packer pk;
        msgpack_sbuffer_init (&sb);
        msgpack_packer_init (&pk, &sb, msgpack_sbuffer_write);
        msgpack_pack_object (&pk, up.data);
        assert_int_equal (sb.size, wire.frames[2].size);
        assert_memory_equal (sb.data, wire.frames[2].data, sb.size);
        msgpack_sbuffer_destroy (&sb);
        msgpack_unpacked_destroy (&up);
        nq_wire_fini (&wire);
    }
}

static void
test_submit_chat_values (void **state)
{
    (void)state;
    nq_msg_t m;
    s_through (nq_sample_find ("submit_chat"), &m);
    const nq_job_t *job = &m.u.submit.job;
    assert_int_equal (m.u.submit.rid, 17);
    assert_string_equal (job->id, "");
    assert_int_equal (job->kind, NQ_KIND_CHAT);
    assert_int_equal (job->class_, NQ_CLASS_INTERACTIVE);
    assert_string_equal (job->model, "mistral:instruct");
    assert_string_equal (job->tenant, "noble");
    assert_string_equal (job->idempotency_key, "turn-8c1d-0042");
    assert_int_equal (job->schedule_to_start_ms, 30000);
    assert_int_equal (job->start_to_close_ms, 120000);
    assert_int_equal (job->schedule_to_close_ms, 180000);
    assert_int_equal (job->max_attempts, 3);
    assert_string_equal (job->traceparent, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    assert_string_equal (job->correlation_id, "corr-1b2c3d");
    const nq_chat_t *c = &job->payload.chat;
    assert_int_equal (c->messages_count, 5);
    assert_int_equal (c->messages[0].role, NQ_ROLE_SYSTEM);
    assert_int_equal (c->messages[3].role, NQ_ROLE_ASSISTANT);
    assert_int_equal (c->messages[4].role, NQ_ROLE_USER);
    assert_non_null (strstr (c->messages[4].content, "Ünïcödé ✓"));
    assert_true (c->options.has & NQ_OPT_TEMPERATURE);
    assert_true (fabs (c->options.temperature - 0.7) < 1e-12);
    assert_true (c->options.has & NQ_OPT_SEED);    //  seed 0 travels because its bit is set
    assert_int_equal (c->options.seed, 0);
    assert_false (c->options.has & NQ_OPT_TOP_K);
    assert_int_equal (c->options.num_predict, 2000);
    assert_int_equal (c->options.stop_count, 2);
    assert_string_equal (c->options.stop[1], "User:");
    assert_int_equal (c->format.size, 45);
    assert_int_equal (c->format.data[0], 0x82);
    assert_true (c->stream);
    assert_true (c->reflect);
    assert_string_equal (c->session, "sess-77");
    nq_msg_fini (&m);
}

static void
test_embed_and_reflect_values (void **state)
{
    (void)state;
    nq_msg_t m;
    s_through (nq_sample_find ("submit_embed"), &m);
    const nq_embed_t *e = &m.u.submit.job.payload.embed;
    assert_int_equal (m.u.submit.job.class_, NQ_CLASS_BULK);
    assert_int_equal (e->inputs_count, 3);
    assert_string_equal (e->inputs[2], "Temperature sensor over I2C.");
    assert_true (e->no_truncate);
    assert_int_equal (e->dimensions, 384);
    nq_msg_fini (&m);

    s_through (nq_sample_find ("submit_reflect"), &m);
    const nq_reflect_t *r = &m.u.submit.job.payload.reflect;
    assert_string_equal (r->memory_id, "mem-42");
    assert_string_equal (r->input, "Can you remind me how to open the I2C bus?");
    assert_int_equal (r->context_count, 2);
    nq_msg_fini (&m);

    s_through (nq_sample_find ("job_chat"), &m);
    assert_int_equal (m.u.job.attempt, 2);
    assert_int_equal (m.u.job.lease_ms, 3000);
    assert_string_equal (m.u.job.job.id, "01938a6e-7b1c-7d2e-9f3a-4b5c6d7e8f90");
    assert_int_equal (m.u.job.job.created_ms, 1732780800123ULL);
    nq_msg_fini (&m);
}

static void
test_result_values (void **state)
{
    (void)state;
    nq_msg_t m;
    s_through (nq_sample_find ("result_embed"), &m);
    const nq_embed_result_t *e = &m.u.result.body.embed;
    assert_int_equal (e->count, 3);
    assert_int_equal (e->dimensions, 4);
    const float want[] = {0.125f, -0.5f,  1.0f, 0.0f,  -0.0625f, 3.5f,
                          2.25f,  -1.75f, 0.5f, 0.25f, -2.0f,    1e-3f};
    assert_memory_equal (e->vectors, want, sizeof want);
    nq_msg_fini (&m);

    s_through (nq_sample_find ("w_result_chat"), &m);
    assert_int_equal (m.cmd, NQ_CMD_W_RESULT);
    assert_int_equal (m.u.result.attempt, 2);
    assert_string_equal (m.u.result.body.chat.done_reason, "stop");
    assert_int_equal (m.u.result.body.chat.eval_count, 58);
    assert_int_equal (m.u.result.body.chat.eval_duration_ns, 1600000000ULL);
    assert_string_equal (m.u.result.instance, "gpu0");
    nq_msg_fini (&m);

    s_through (nq_sample_find ("result_reflect"), &m);
    assert_true (m.u.result.body.reflect.aligned);
    assert_true (fabs (m.u.result.body.reflect.alignment_score - 0.85) < 1e-12);
    nq_msg_fini (&m);
}

static void
test_worker_and_control_values (void **state)
{
    (void)state;
    nq_msg_t m;
    s_through (nq_sample_find ("ready"), &m);
    assert_string_equal (m.u.ready.worker_id, "worker-a1");
    assert_int_equal (m.u.ready.heartbeat_ms, 1000);
    assert_int_equal (m.u.ready.liveness, 3);
    assert_int_equal (m.u.ready.slots_count, 2);
    assert_int_equal (m.u.ready.slots[0].capacity, 4);
    assert_string_equal (m.u.ready.slots[0].models[1], "llama3:8b");
    assert_string_equal (m.u.ready.slots[0].warm[0], "mistral:instruct");
    assert_int_equal (m.u.ready.slots[1].kind, NQ_KIND_EMBED);
    nq_msg_fini (&m);

    s_through (nq_sample_find ("fail"), &m);
    assert_int_equal (m.u.fail.code, NQ_EUPSTREAM_FAILED);
    assert_true (m.u.fail.retryable);
    assert_int_equal (m.u.fail.retry_after_ms, 2000);
    nq_msg_fini (&m);

    s_through (nq_sample_find ("error"), &m);
    assert_int_equal (m.u.error.code, NQ_EOVERLOADED);
    assert_int_equal (m.u.error.retry_after_ms, 1500);
    nq_msg_fini (&m);

    s_through (nq_sample_find ("w_chunk"), &m);
    assert_int_equal (m.u.chunk.seq, 7);
    assert_int_equal (m.u.chunk.attempt, 2);
    assert_true (m.u.chunk.restart);
    nq_msg_fini (&m);

    s_through (nq_sample_find ("query"), &m);
    assert_int_equal (m.u.query.what, NQ_QUERY_STREAM);
    assert_int_equal (m.u.query.from_seq, 12);
    nq_msg_fini (&m);

    s_through (nq_sample_find ("admin"), &m);
    assert_int_equal (m.u.admin.op, NQ_ADMIN_SCALE);
    assert_int_equal (m.u.admin.count, 6);
    nq_msg_fini (&m);

    s_through (nq_sample_find ("b_heartbeat"), &m);
    assert_int_equal (m.u.heartbeat.liveness, 3);
    nq_msg_fini (&m);
}

//  A prompt over the inline limit travels as a raw frame and comes back whole.
static void
test_large_prompt_goes_in_a_frame (void **state)
{
    (void)state;
    size_t len = 100000;
    char *big = nq_malloc (len + 1);
    for (size_t i = 0; i < len; i++)
        big[i] = (char)('a' + i % 26);
    big[len] = '\0';
    nq_chat_message_t messages[] = {{NQ_ROLE_USER, "short"}, {NQ_ROLE_USER, big}};
    nq_msg_t msg, back;
    nq_msg_init (&msg, NQ_CMD_SUBMIT);
    msg.u.submit.job.kind = NQ_KIND_CHAT;
    msg.u.submit.job.model = "m";
    msg.u.submit.job.payload.chat.messages = messages;
    msg.u.submit.job.payload.chat.messages_count = 2;
    nq_wire_t wire;
    assert_int_equal (nq_msg_encode (&msg, &wire), 0);
    assert_int_equal (wire.count, 4);
    assert_int_equal (wire.frames[3].size, len);
    assert_true (wire.frames[2].size < 200);
    assert_int_equal (nq_msg_decode (&back, wire.frames, wire.count, NQ_DIR_CLIENT_BROKER, NULL), 0);
    assert_string_equal (back.u.submit.job.payload.chat.messages[1].content, big);
    assert_string_equal (back.u.submit.job.payload.chat.messages[0].content, "short");
    nq_msg_fini (&back);
    nq_wire_fini (&wire);
    nq_free (big);
}

//  A decoded message keeps nothing of its input frames.
static void
test_decoded_outlives_frames (void **state)
{
    (void)state;
    nq_msg_t msg, back;
    nq_wire_t wire;
    nq_sample_build (nq_sample_find ("ready"), &msg);
    assert_int_equal (nq_msg_encode (&msg, &wire), 0);
    nq_frame_t copies[NQ_WIRE_MAX_FRAMES];
    for (size_t i = 0; i < wire.count; i++)
        copies[i] = (nq_frame_t){nq_memdup (wire.frames[i].data, wire.frames[i].size), wire.frames[i].size};
    assert_int_equal (nq_msg_decode (&back, copies, wire.count, NQ_DIR_WORKER_BROKER, NULL), 0);
    for (size_t i = 0; i < wire.count; i++) {
        memset ((void *)copies[i].data, 0, copies[i].size);
        nq_free ((void *)copies[i].data);
    }
    assert_string_equal (back.u.ready.slots[0].instance, "gpu0");
    nq_msg_fini (&back);
    nq_msg_fini (&back);    //  idempotent
    nq_wire_fini (&wire);
}

//  Every allocation of encode and decode may fail: no crash, no leak, a
//  clean NQ_ENOMEM, and success once memory is there.
static void
test_survives_each_allocation_failure (void **state)
{
    (void)state;
    const char *names[] = {"submit_chat", "result_embed", "ready", "reply"};
    for (size_t s = 0; s < 4; s++) {
        int ok = 0;
        for (long n = 1; n < 100 && !ok; n++) {
            nq_msg_t msg, back;
            nq_wire_t wire;
            nq_sample_build (nq_sample_find (names[s]), &msg);
            nq_alloc_fail_after (n, 0);
            int rc = nq_msg_encode (&msg, &wire);
            if (rc == 0) {
                rc = nq_msg_decode (&back, wire.frames, wire.count, NQ_DIR_ANY, NULL);
                nq_msg_fini (&back);
            }
            nq_alloc_fail_after (0, 0);
            nq_wire_fini (&wire);
            assert_true (rc == 0 || rc == NQ_ENOMEM);
            ok = rc == 0;
        }
        assert_true (ok);
    }
}

static void
test_builder_owned_memory (void **state)
{
    (void)state;
    nq_msg_t msg, back;
    nq_msg_init (&msg, NQ_CMD_CHUNK);
    strcpy (msg.u.chunk.job_id, "01938a6e-7b1c-7d2e-9f3a-4b5c6d7e8f90");
    char text[] = "hello there";
    msg.u.chunk.text = nq_msg_strndup (&msg, text, 5);
    text[0] = 'X';    //  the message holds its own copy
    msg.u.chunk.seq = 3;
    nq_wire_t wire;
    assert_int_equal (nq_msg_encode (&msg, &wire), 0);
    nq_msg_fini (&msg);
    assert_int_equal (nq_msg_decode (&back, wire.frames, wire.count, NQ_DIR_BROKER_CLIENT, NULL), 0);
    assert_string_equal (back.u.chunk.text, "hello");
    assert_int_equal (back.u.chunk.attempt, 0);    //  optional towards clients
    nq_msg_fini (&back);
    nq_wire_fini (&wire);
}

static void
test_encode_refusals (void **state)
{
    (void)state;
    nq_msg_t msg;
    nq_wire_t wire;
    nq_sample_build (nq_sample_find ("submit_chat"), &msg);
    msg.u.submit.job.model = NULL;
    assert_int_equal (nq_msg_encode (&msg, &wire), NQ_EPROTO_MISSING);
    assert_int_equal (wire.count, 0);
    nq_sample_build (nq_sample_find ("cancel"), &msg);
    strcpy (msg.u.cancel.job_id, "short");
    assert_int_equal (nq_msg_encode (&msg, &wire), NQ_EPROTO_VALUE);
    nq_msg_init (&msg, (nq_cmd_t)0x7f);
    assert_int_equal (nq_msg_encode (&msg, &wire), NQ_EPROTO_COMMAND);
    nq_sample_build (nq_sample_find ("reply"), &msg);
    static const uint8_t two_values[] = {0x01, 0x02};
    msg.u.reply.data = (nq_raw_t){two_values, 2};
    assert_int_equal (nq_msg_encode (&msg, &wire), NQ_EPROTO_VALUE);
    nq_sample_build (nq_sample_find ("ready"), &msg);
    msg.u.ready.worker_id = NULL;
    assert_int_equal (nq_msg_encode (&msg, &wire), NQ_EPROTO_MISSING);
}

//  A required number is sent even when 0, which is a value: CREDIT 0
//  withdraws every slot.
static void
test_required_zero_is_a_value (void **state)
{
    (void)state;
    nq_msg_t msg, back;
    nq_wire_t wire;
    nq_sample_build (nq_sample_find ("credit"), &msg);
    msg.u.credit.credit = 0;
    assert_int_equal (nq_msg_encode (&msg, &wire), 0);
    assert_int_equal (nq_msg_decode (&back, wire.frames, wire.count, NQ_DIR_WORKER_BROKER, NULL), 0);
    assert_int_equal (back.u.credit.credit, 0);
    assert_string_equal (back.u.credit.instance, "gpu0");
    nq_msg_fini (&back);
    nq_wire_fini (&wire);
}

//  CREDIT's lists: present (even empty) replaces the group's list, absent
//  leaves it; JOB names the instance it was placed on; chat may ask for restart.
static void
test_credit_lists_and_placement (void **state)
{
    (void)state;
    nq_msg_t msg, back;
    nq_wire_t wire;
    nq_sample_build (nq_sample_find ("credit_lists"), &msg);
    assert_int_equal (nq_msg_encode (&msg, &wire), 0);
    assert_int_equal (nq_msg_decode (&back, wire.frames, wire.count, NQ_DIR_WORKER_BROKER, NULL), 0);
    assert_int_equal (back.u.credit.has, NQ_CREDIT_MODELS | NQ_CREDIT_WARM);
    assert_int_equal (back.u.credit.models_count, 2);
    assert_string_equal (back.u.credit.models[1], "nomic-embed-text");
    assert_int_equal (back.u.credit.warm_count, 0);
    assert_int_equal (back.u.credit.credit, 1);
    nq_msg_fini (&back);
    nq_wire_fini (&wire);
    //  Without the bits neither list is on the wire.
    nq_sample_build (nq_sample_find ("credit"), &msg);
    assert_int_equal (nq_msg_encode (&msg, &wire), 0);
    assert_int_equal (nq_msg_decode (&back, wire.frames, wire.count, NQ_DIR_WORKER_BROKER, NULL), 0);
    assert_int_equal (back.u.credit.has, 0);
    assert_null (back.u.credit.models);
    nq_msg_fini (&back);
    nq_wire_fini (&wire);
    //  Warm only.
    static const char *warm[] = {"m"};
    nq_sample_build (nq_sample_find ("credit"), &msg);
    msg.u.credit.has = NQ_CREDIT_WARM;
    msg.u.credit.warm = warm;
    msg.u.credit.warm_count = 1;
    assert_int_equal (nq_msg_encode (&msg, &wire), 0);
    assert_int_equal (nq_msg_decode (&back, wire.frames, wire.count, NQ_DIR_WORKER_BROKER, NULL), 0);
    assert_int_equal (back.u.credit.has, NQ_CREDIT_WARM);
    assert_string_equal (back.u.credit.warm[0], "m");
    nq_msg_fini (&back);
    nq_wire_fini (&wire);
    nq_sample_build (nq_sample_find ("job_chat"), &msg);
    msg.u.job.job.payload.chat.restart = true;
    assert_int_equal (nq_msg_encode (&msg, &wire), 0);
    assert_int_equal (nq_msg_decode (&back, wire.frames, wire.count, NQ_DIR_BROKER_WORKER, NULL), 0);
    assert_string_equal (back.u.job.instance, "gpu0");
    assert_true (back.u.job.job.payload.chat.restart);
    nq_msg_fini (&back);
    nq_wire_fini (&wire);
}

static void
test_zmsg_adapter (void **state)
{
    (void)state;
    nq_msg_t msg, back;
    nq_sample_build (nq_sample_find ("result_embed"), &msg);
    zmsg_t *zmsg;
    assert_int_equal (nq_msg_encode_zmsg (&msg, &zmsg), 0);
    assert_int_equal (zmsg_size (zmsg), 4);
    assert_int_equal (nq_msg_decode_zmsg (&back, zmsg, NQ_DIR_BROKER_CLIENT, NULL), 0);
    zmsg_destroy (&zmsg);
    assert_int_equal (back.u.result.body.embed.count, 3);
    assert_true (back.u.result.body.embed.vectors[5] == 3.5f);
    nq_msg_fini (&back);
    nq_msg_init (&msg, (nq_cmd_t)0x7f);
    assert_int_equal (nq_msg_encode_zmsg (&msg, &zmsg), NQ_EPROTO_COMMAND);
    assert_null (zmsg);
}

static void
test_names (void **state)
{
    (void)state;
    assert_string_equal (nq_cmd_name (NQ_CMD_SUBMIT), "SUBMIT");
    assert_string_equal (nq_cmd_name (NQ_CMD_W_HEARTBEAT), "W_HEARTBEAT");
    assert_null (nq_cmd_name (0x7f));
    assert_int_equal (nq_cmd_dir (NQ_CMD_JOB), NQ_DIR_BROKER_WORKER);
    assert_int_equal (nq_cmd_dir (0x15), -1);
    assert_string_equal (nq_kind_name (NQ_KIND_REFLECT), "reflect");
    assert_string_equal (nq_class_name (NQ_CLASS_BULK), "bulk");
    assert_string_equal (nq_role_name (NQ_ROLE_TOOL), "tool");
    assert_string_equal (nq_query_what_name (NQ_QUERY_RESULT), "result");
    assert_string_equal (nq_admin_op_name (NQ_ADMIN_RESUME), "resume");
    assert_null (nq_kind_name (NQ_KIND_NONE));
    assert_null (nq_kind_name ((nq_kind_t)9));
}

NQ_TEST_MAIN (cmocka_unit_test (test_every_sample_round_trips), cmocka_unit_test (test_msgpack_c_agrees),
              cmocka_unit_test (test_submit_chat_values), cmocka_unit_test (test_embed_and_reflect_values),
              cmocka_unit_test (test_result_values), cmocka_unit_test (test_worker_and_control_values),
              cmocka_unit_test (test_large_prompt_goes_in_a_frame),
              cmocka_unit_test (test_decoded_outlives_frames),
              cmocka_unit_test (test_survives_each_allocation_failure),
              cmocka_unit_test (test_builder_owned_memory), cmocka_unit_test (test_encode_refusals),
              cmocka_unit_test (test_required_zero_is_a_value), cmocka_unit_test (test_credit_lists_and_placement),
              cmocka_unit_test (test_zmsg_adapter),
              cmocka_unit_test (test_names))
