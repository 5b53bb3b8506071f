/*  samples.c — the sample messages behind the golden vectors (see samples.h).

    The chat sample is the platform's typical turn: a system prompt, three
    long-term memories, two recent turns and the new question, temperature
    0.7 and num_predict 2000, streamed, with a follow-up reflection. */
#include "samples.h"

#include "common/errors.h"

#include <string.h>

#define S_JOB_ID "01938a6e-7b1c-7d2e-9f3a-4b5c6d7e8f90"
#define S_TRACE "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

static nq_chat_message_t s_messages[] = {
    {NQ_ROLE_SYSTEM,
     "You are Noble NovaCore, a helpful assistant with persistent memory. Answer clearly and "
     "kindly, cite what you remember about the user when it helps, and say when you do not know."},
    {NQ_ROLE_SYSTEM, "Relevant memories:\n- The user is learning Rust and prefers short code examples.\n"
                     "- The user works on a home automation project with a Raspberry Pi.\n"
                     "- Last week the user asked how to read a temperature sensor over I2C."},
    {NQ_ROLE_USER, "Can you remind me how to open the I2C bus?"},
    {NQ_ROLE_ASSISTANT,
     "Use the rppal crate: `let mut i2c = I2c::new()?; i2c.set_slave_address(0x48)?;` then read "
     "with `i2c.read(&mut buf)?`."},
    {NQ_ROLE_USER, "Thanks! And how would I poll it every five seconds without blocking? Ünïcödé ✓"},
};
static const char *s_stop[] = {"</s>", "User:"};
//  {"type": "object", "properties": {"answer": {"type": "string"}}} as msgpack.
static const uint8_t s_format[] = {0x82, 0xa4, 't',  'y', 'p', 'e', 0xa6, 'o', 'b',  'j',  'e', 'c',
                                   't',  0xaa, 'p',  'r', 'o', 'p', 'e',  'r', 't',  'i',  'e', 's',
                                   0x81, 0xa6, 'a',  'n', 's', 'w', 'e',  'r', 0x81, 0xa4, 't', 'y',
                                   'p',  'e',  0xa6, 's', 't', 'r', 'i',  'n', 'g'};
static const char *s_inputs[] = {"The user is learning Rust.", "Home automation on a Raspberry Pi.",
                                 "Temperature sensor over I2C."};
static const char *s_context[] = {"User prefers short code examples.", "Earlier turn: I2C bus setup."};
static const float s_vectors[] = {0.125f, -0.5f,  1.0f, 0.0f,  -0.0625f, 3.5f,
                                  2.25f,  -1.75f, 0.5f, 0.25f, -2.0f,    1e-3f};
static const char *s_models[] = {"mistral:instruct", "llama3:8b"};
static const char *s_warm[] = {"mistral:instruct"};
static const char *s_embed_models[] = {"all-minilm"};
static nq_slot_t s_slots[] = {
    {NQ_KIND_CHAT, "gpu0", s_models, 2, s_warm, 1, 4},
    {NQ_KIND_EMBED, "gpu0", s_embed_models, 1, s_embed_models, 1, 2},
};
//  {"queues": [{"kind": "chat", "depth": 3}], "workers": 2} as msgpack.
static const uint8_t s_reply_data[] = {0x82, 0xa6, 'q',  'u',  'e', 'u', 'e', 's', 0x91, 0x82, 0xa4, 'k',
                                       'i',  'n',  'd',  0xa4, 'c', 'h', 'a', 't', 0xa5, 'd',  'e',  'p',
                                       't',  'h',  0x03, 0xa7, 'w', 'o', 'r', 'k', 'e',  'r',  's',  0x02};

static void
s_envelope (nq_job_t *job, nq_kind_t kind)
{
    strcpy (job->id, S_JOB_ID);
    job->kind = kind;
    job->tenant = "noble";
    job->user = "5f0c9a52-2d7e-4b1a-9c3e-8a6f1d2b3c4d";
    job->class_ = kind == NQ_KIND_EMBED ? NQ_CLASS_BULK : NQ_CLASS_INTERACTIVE;
    job->model = kind == NQ_KIND_EMBED ? "all-minilm" : "mistral:instruct";
    job->idempotency_key = "turn-8c1d-0042";
    job->schedule_to_start_ms = 30000;
    job->start_to_close_ms = 120000;
    job->schedule_to_close_ms = 180000;
    job->max_attempts = 3;
    job->traceparent = S_TRACE;
    job->correlation_id = "corr-1b2c3d";
    job->token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJnYXRld2F5In0.c2lnbmF0dXJl";
    job->created_ms = 1732780800123ULL;
    if (kind == NQ_KIND_CHAT) {
        nq_chat_t *c = &job->payload.chat;
        c->messages = s_messages;
        c->messages_count = sizeof s_messages / sizeof s_messages[0];
        c->options.has = NQ_OPT_TEMPERATURE | NQ_OPT_NUM_PREDICT | NQ_OPT_SEED | NQ_OPT_TOP_P;
        c->options.temperature = 0.7;
        c->options.top_p = 0.9;
        c->options.num_predict = 2000;
        c->options.seed = 0;    //  set to 0 on purpose: the has bit carries it
        c->options.stop = s_stop;
        c->options.stop_count = 2;
        c->format = (nq_raw_t){s_format, sizeof s_format};
        c->stream = true;
        c->reflect = true;
        c->session = "sess-77";
    }
    else if (kind == NQ_KIND_EMBED) {
        nq_embed_t *e = &job->payload.embed;
        e->inputs = s_inputs;
        e->inputs_count = 3;
        e->no_truncate = true;
        e->dimensions = 384;
    }
    else {
        nq_reflect_t *r = &job->payload.reflect;
        r->session = "sess-77";
        r->memory_id = "mem-42";
        r->input = "Can you remind me how to open the I2C bus?";
        r->output = "Use the rppal crate: I2c::new() then set_slave_address.";
        r->context = s_context;
        r->context_count = 2;
    }
}

static void
s_result (nq_result_t *res, nq_kind_t kind, uint32_t attempt)
{
    strcpy (res->job_id, S_JOB_ID);
    res->attempt = attempt;
    res->kind = kind;
    res->model_used = kind == NQ_KIND_EMBED ? "all-minilm" : "mistral:instruct";
    res->instance = "gpu0";
    res->duration_ms = 1834;
    if (kind == NQ_KIND_CHAT) {
        nq_chat_result_t *c = &res->body.chat;
        c->text = "Spawn a tokio task with an interval of five seconds and read the sensor in it.";
        c->done_reason = "stop";
        c->prompt_eval_count = 312;
        c->eval_count = 58;
        c->total_duration_ns = 1834000000ULL;
        c->load_duration_ns = 12000000ULL;
        c->prompt_eval_duration_ns = 210000000ULL;
        c->eval_duration_ns = 1600000000ULL;
    }
    else if (kind == NQ_KIND_EMBED) {
        nq_embed_result_t *e = &res->body.embed;
        e->count = 3;
        e->dimensions = 4;
        e->vectors = s_vectors;
        e->prompt_eval_count = 21;
    }
    else {
        nq_reflect_result_t *r = &res->body.reflect;
        r->attempted = "Remind the user how to open the I2C bus in Rust.";
        r->aligned = true;
        r->alignment_score = 0.85;
        r->improvement_notes = "Mention error handling for a missing device.";
        r->self_assessment = "Helpful and accurate; slightly terse.";
    }
}

typedef enum {
    S_SUBMIT_CHAT,
    S_SUBMIT_EMBED,
    S_SUBMIT_REFLECT,
    S_CANCEL,
    S_QUERY,
    S_ADMIN,
    S_PING,
    S_ACCEPTED,
    S_CHUNK,
    S_RESULT_CHAT,
    S_RESULT_EMBED,
    S_RESULT_REFLECT,
    S_ERROR,
    S_REPLY,
    S_READY,
    S_CREDIT,
    S_W_HEARTBEAT,
    S_W_CHUNK,
    S_W_RESULT_CHAT,
    S_W_RESULT_EMBED,
    S_FAIL,
    S_BYE,
    S_JOB_CHAT,
    S_JOB_EMBED,
    S_W_CANCEL,
    S_SCALE,
    S_DRAIN,
    S_B_HEARTBEAT,
    S_DISCONNECT,
    S_CREDIT_LISTS,
    S_COUNT
} s_sample_t;

static const char *const s_names[S_COUNT] = {
    "submit_chat",   "submit_embed",   "submit_reflect", "cancel",      "query",        "admin",
    "ping",          "accepted",       "chunk",          "result_chat", "result_embed", "result_reflect",
    "error",         "reply",          "ready",          "credit",      "w_heartbeat",  "w_chunk",
    "w_result_chat", "w_result_embed", "fail",           "bye",         "job_chat",     "job_embed",
    "w_cancel",      "scale",          "drain",          "b_heartbeat", "disconnect",
    "credit_lists",
};

int
nq_sample_count (void)
{
    return S_COUNT;
}

const char *
nq_sample_name (int i)
{
    return i >= 0 && i < S_COUNT ? s_names[i] : NULL;
}

int
nq_sample_find (const char *name)
{
    for (int i = 0; i < S_COUNT; i++)
        if (strcmp (s_names[i], name) == 0)
            return i;
    return -1;
}

static const char *s_credit_models[] = {"all-minilm", "nomic-embed-text"};

void
nq_sample_build (int i, nq_msg_t *msg)
{
    switch ((s_sample_t)i) {
    case S_SUBMIT_CHAT:
    case S_SUBMIT_EMBED:
    case S_SUBMIT_REFLECT:
        nq_msg_init (msg, NQ_CMD_SUBMIT);
        msg->u.submit.rid = 17;
        s_envelope (&msg->u.submit.job, (nq_kind_t)(NQ_KIND_CHAT + (i - S_SUBMIT_CHAT)));
        msg->u.submit.job.id[0] = '\0';    //  clients leave the id to the broker
        msg->u.submit.job.created_ms = 0;
        break;
    case S_CANCEL:
        nq_msg_init (msg, NQ_CMD_CANCEL);
        msg->u.cancel.rid = 18;
        strcpy (msg->u.cancel.job_id, S_JOB_ID);
        msg->u.cancel.reason = "user closed the tab";
        msg->u.cancel.token = "tok";
        break;
    case S_QUERY:
        nq_msg_init (msg, NQ_CMD_QUERY);
        msg->u.query.rid = 19;
        strcpy (msg->u.query.job_id, S_JOB_ID);
        msg->u.query.what = NQ_QUERY_STREAM;
        msg->u.query.from_seq = 12;
        msg->u.query.token = "tok";
        break;
    case S_ADMIN:
        nq_msg_init (msg, NQ_CMD_ADMIN);
        msg->u.admin.rid = 20;
        msg->u.admin.op = NQ_ADMIN_SCALE;
        msg->u.admin.target = "gpu0";
        msg->u.admin.kind = NQ_KIND_CHAT;
        msg->u.admin.model = "mistral:instruct";
        msg->u.admin.class_ = NQ_CLASS_INTERACTIVE;
        msg->u.admin.count = 6;
        msg->u.admin.token = "tok";
        break;
    case S_PING:
        nq_msg_init (msg, NQ_CMD_PING);
        msg->u.ping.rid = 21;
        msg->u.ping.ts_ms = 1732780800123ULL;
        break;
    case S_ACCEPTED:
        nq_msg_init (msg, NQ_CMD_ACCEPTED);
        msg->u.accepted.rid = 17;
        strcpy (msg->u.accepted.job_id, S_JOB_ID);
        msg->u.accepted.durable = true;
        break;
    case S_CHUNK:
    case S_W_CHUNK:
        nq_msg_init (msg, i == S_CHUNK ? NQ_CMD_CHUNK : NQ_CMD_W_CHUNK);
        strcpy (msg->u.chunk.job_id, S_JOB_ID);
        msg->u.chunk.attempt = 2;
        msg->u.chunk.seq = 7;
        msg->u.chunk.text = " every five seconds";
        msg->u.chunk.restart = i == S_W_CHUNK;
        break;
    case S_RESULT_CHAT:
    case S_RESULT_EMBED:
    case S_RESULT_REFLECT:
        nq_msg_init (msg, NQ_CMD_RESULT);
        s_result (&msg->u.result, (nq_kind_t)(NQ_KIND_CHAT + (i - S_RESULT_CHAT)), 1);
        break;
    case S_W_RESULT_CHAT:
    case S_W_RESULT_EMBED:
        nq_msg_init (msg, NQ_CMD_W_RESULT);
        s_result (&msg->u.result, (nq_kind_t)(NQ_KIND_CHAT + (i - S_W_RESULT_CHAT)), 2);
        break;
    case S_ERROR:
        nq_msg_init (msg, NQ_CMD_ERROR);
        msg->u.error.rid = 17;
        msg->u.error.code = NQ_EOVERLOADED;
        msg->u.error.message = "queue chat/mistral:instruct is full";
        msg->u.error.retry_after_ms = 1500;
        break;
    case S_REPLY:
        nq_msg_init (msg, NQ_CMD_REPLY);
        msg->u.reply.rid = 20;
        msg->u.reply.data = (nq_raw_t){s_reply_data, sizeof s_reply_data};
        break;
    case S_READY:
        nq_msg_init (msg, NQ_CMD_READY);
        msg->u.ready.worker_id = "worker-a1";
        msg->u.ready.heartbeat_ms = 1000;
        msg->u.ready.liveness = 3;
        msg->u.ready.slots = s_slots;
        msg->u.ready.slots_count = 2;
        break;
    case S_CREDIT:
        nq_msg_init (msg, NQ_CMD_CREDIT);
        msg->u.credit.instance = "gpu0";
        msg->u.credit.kind = NQ_KIND_CHAT;
        msg->u.credit.credit = 4;
        break;
    case S_CREDIT_LISTS:
        //  The lists replace the group's; an empty warm list says nothing is loaded.
        nq_msg_init (msg, NQ_CMD_CREDIT);
        msg->u.credit.instance = "gpu1";
        msg->u.credit.kind = NQ_KIND_EMBED;
        msg->u.credit.credit = 1;
        msg->u.credit.has = NQ_CREDIT_MODELS | NQ_CREDIT_WARM;
        msg->u.credit.models = s_credit_models;
        msg->u.credit.models_count = 2;
        msg->u.credit.warm = NULL;
        msg->u.credit.warm_count = 0;
        break;
    case S_W_HEARTBEAT:
        nq_msg_init (msg, NQ_CMD_W_HEARTBEAT);
        msg->u.heartbeat.ts_ms = 1732780801000ULL;
        msg->u.heartbeat.active = 3;
        break;
    case S_FAIL:
        nq_msg_init (msg, NQ_CMD_FAIL);
        strcpy (msg->u.fail.job_id, S_JOB_ID);
        msg->u.fail.attempt = 2;
        msg->u.fail.code = NQ_EUPSTREAM_FAILED;
        msg->u.fail.message = "ollama gpu0: HTTP 500";
        msg->u.fail.retryable = true;
        msg->u.fail.retry_after_ms = 2000;
        break;
    case S_BYE:
        nq_msg_init (msg, NQ_CMD_BYE);
        msg->u.bye.reason = "shutdown";
        break;
    case S_JOB_CHAT:
    case S_JOB_EMBED:
        nq_msg_init (msg, NQ_CMD_JOB);
        s_envelope (&msg->u.job.job, i == S_JOB_CHAT ? NQ_KIND_CHAT : NQ_KIND_EMBED);
        msg->u.job.attempt = 2;
        msg->u.job.lease_ms = 3000;
        if (i == S_JOB_CHAT)
            msg->u.job.instance = "gpu0";
        break;
    case S_W_CANCEL:
        nq_msg_init (msg, NQ_CMD_W_CANCEL);
        strcpy (msg->u.cancel.job_id, S_JOB_ID);
        msg->u.cancel.attempt = 2;
        msg->u.cancel.reason = "cancelled by client";
        break;
    case S_SCALE:
        nq_msg_init (msg, NQ_CMD_SCALE);
        msg->u.scale.instance = "gpu0";
        msg->u.scale.kind = NQ_KIND_CHAT;
        msg->u.scale.slots = 6;
        break;
    case S_DRAIN:
        nq_msg_init (msg, NQ_CMD_DRAIN);
        msg->u.drain.instance = "gpu1";
        msg->u.drain.deadline_ms = 60000;
        break;
    case S_B_HEARTBEAT:
        nq_msg_init (msg, NQ_CMD_B_HEARTBEAT);
        msg->u.heartbeat.ts_ms = 1732780801002ULL;
        msg->u.heartbeat.heartbeat_ms = 1000;
        msg->u.heartbeat.liveness = 3;
        break;
    case S_DISCONNECT:
        nq_msg_init (msg, NQ_CMD_DISCONNECT);
        msg->u.disconnect.reason = "broker shutting down";
        msg->u.disconnect.reconnect_after_ms = 500;
        break;
    case S_COUNT:
        nq_msg_init (msg, NQ_CMD_NONE);
        break;
    }
}
