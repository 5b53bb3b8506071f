/*  protocol_tables.c — every NQP/1 map as a field table (see protocol_fields.h).

    The order of each table is the order fields are encoded in, and the
    order docs/protocol.md lists them. Keys never change meaning; a new
    optional field is added at the end of its table. */
#include "common/protocol_fields.h"

#include <stddef.h>

#define S_F(k, t, fl, st, m)                                                                                 \
    {                                                                                                        \
        k, sizeof k - 1, t, fl, 0, (uint32_t)offsetof (st, m), 0, 0, NULL                                    \
    }
#define S_FA(k, t, fl, st, m, aux)                                                                           \
    {                                                                                                        \
        k, sizeof k - 1, t, fl, 0, (uint32_t)offsetof (st, m), 0, 0, aux                                     \
    }
#define S_FH(k, t, st, m, b)                                                                                 \
    {                                                                                                        \
        k, sizeof k - 1, t, NQ_FL_HAS, b, (uint32_t)offsetof (st, m), 0, 0, NULL                             \
    }
#define S_FS(k, fl, st, m, n)                                                                                \
    {                                                                                                        \
        k, sizeof k - 1, NQ_F_STRS, fl, 0, (uint32_t)offsetof (st, m), (uint32_t)offsetof (st, n), 0, NULL   \
    }
#define S_FSH(k, st, m, n, b)                                                                                \
    {                                                                                                        \
        k, sizeof k - 1, NQ_F_STRS, NQ_FL_HAS, b, (uint32_t)offsetof (st, m), (uint32_t)offsetof (st, n), 0,    \
            NULL                                                                                             \
    }
#define S_FARR(k, fl, st, m, n, et, tab)                                                                     \
    {                                                                                                        \
        k, sizeof k - 1, NQ_F_ARRAY, fl, 0, (uint32_t)offsetof (st, m), (uint32_t)offsetof (st, n),          \
            (uint32_t)sizeof (et), &tab                                                                      \
    }
#define S_TABLE(name, arr) static const nq_ftable_t name = {arr, (int)(sizeof arr / sizeof arr[0]), -1}
#define S_TABLE_HAS(name, arr, st)                                                                           \
    static const nq_ftable_t name = {arr, (int)(sizeof arr / sizeof arr[0]), (int)offsetof (st, has)}

//  ---- enum names (index = C value) ------------------------------------------

static const char *const s_kinds[] = {NULL, "chat", "embed", "reflect"};
static const char *const s_classes[] = {NULL, "interactive", "standard", "bulk"};
static const char *const s_roles[] = {NULL, "system", "user", "assistant", "tool"};
static const char *const s_queries[] = {NULL, "status", "result", "stream"};
static const char *const s_admins[] = {NULL, "status", "scale", "drain", "pause", "resume", "dead_list", "dead_retry"};
const nq_enum_names_t nq_kind_names_ = {s_kinds, 4};
const nq_enum_names_t nq_class_names_ = {s_classes, 4};
const nq_enum_names_t nq_role_names_ = {s_roles, 5};
const nq_enum_names_t nq_query_names_ = {s_queries, 4};
const nq_enum_names_t nq_admin_names_ = {s_admins, 8};

//  ---- payloads ---------------------------------------------------------------

static const nq_field_t s_chat_message[] = {
    S_FA ("role", NQ_F_ENUM, NQ_FL_REQ, nq_chat_message_t, role, &nq_role_names_),
    S_F ("content", NQ_F_STR, NQ_FL_REQ | NQ_FL_FRAMED, nq_chat_message_t, content),
    S_F ("content_frame", NQ_F_STR_FRAME, 0, nq_chat_message_t, content),
};
S_TABLE (s_chat_message_t, s_chat_message);

static const nq_field_t s_chat_options[] = {
    S_FH ("temperature", NQ_F_DOUBLE, nq_chat_options_t, temperature, 0),
    S_FH ("top_p", NQ_F_DOUBLE, nq_chat_options_t, top_p, 1),
    S_FH ("top_k", NQ_F_U32, nq_chat_options_t, top_k, 2),
    S_FH ("num_predict", NQ_F_I64, nq_chat_options_t, num_predict, 3),
    S_FH ("num_ctx", NQ_F_U32, nq_chat_options_t, num_ctx, 4),
    S_FH ("seed", NQ_F_I64, nq_chat_options_t, seed, 5),
    S_FS ("stop", 0, nq_chat_options_t, stop, stop_count),
};
S_TABLE_HAS (s_chat_options_t, s_chat_options, nq_chat_options_t);

static const nq_field_t s_chat[] = {
    S_FARR ("messages", NQ_FL_REQ, nq_chat_t, messages, messages_count, nq_chat_message_t, s_chat_message_t),
    S_FA ("options", NQ_F_MAP, 0, nq_chat_t, options, &s_chat_options_t),
    S_F ("format", NQ_F_RAW, 0, nq_chat_t, format),
    S_F ("stream", NQ_F_BOOL, 0, nq_chat_t, stream),
    S_F ("reflect", NQ_F_BOOL, 0, nq_chat_t, reflect),
    S_F ("session", NQ_F_STR, 0, nq_chat_t, session),
    S_F ("restart", NQ_F_BOOL, 0, nq_chat_t, restart),
};
S_TABLE (s_chat_t, s_chat);

static const nq_field_t s_embed[] = {
    S_FS ("inputs", NQ_FL_REQ | NQ_FL_INPUTS, nq_embed_t, inputs, inputs_count),
    S_F ("truncate", NQ_F_NBOOL, 0, nq_embed_t, no_truncate),
    S_F ("dimensions", NQ_F_U32, 0, nq_embed_t, dimensions),
};
S_TABLE (s_embed_t, s_embed);

static const nq_field_t s_reflect[] = {
    S_F ("session", NQ_F_STR, 0, nq_reflect_t, session),
    S_F ("memory_id", NQ_F_STR, 0, nq_reflect_t, memory_id),
    S_F ("input", NQ_F_STR, NQ_FL_REQ, nq_reflect_t, input),
    S_F ("output", NQ_F_STR, NQ_FL_REQ, nq_reflect_t, output),
    S_FS ("context", 0, nq_reflect_t, context, context_count),
};
S_TABLE (s_reflect_t, s_reflect);

static const nq_ftable_t *const s_payloads[4] = {NULL, &s_chat_t, &s_embed_t, &s_reflect_t};

//  ---- the job envelope -------------------------------------------------------

static const nq_field_t s_job[] = {
    S_F ("id", NQ_F_ID, 0, nq_job_t, id),
    S_FA ("kind", NQ_F_ENUM, NQ_FL_REQ, nq_job_t, kind, &nq_kind_names_),
    S_F ("tenant", NQ_F_STR, 0, nq_job_t, tenant),
    S_F ("user", NQ_F_STR, 0, nq_job_t, user),
    S_FA ("class", NQ_F_ENUM, 0, nq_job_t, class_, &nq_class_names_),
    S_F ("model", NQ_F_STR, NQ_FL_REQ, nq_job_t, model),
    S_F ("idempotency_key", NQ_F_STR, 0, nq_job_t, idempotency_key),
    S_F ("schedule_to_start_ms", NQ_F_U64, 0, nq_job_t, schedule_to_start_ms),
    S_F ("start_to_close_ms", NQ_F_U64, 0, nq_job_t, start_to_close_ms),
    S_F ("schedule_to_close_ms", NQ_F_U64, 0, nq_job_t, schedule_to_close_ms),
    S_F ("max_attempts", NQ_F_U32, 0, nq_job_t, max_attempts),
    S_F ("traceparent", NQ_F_STR, 0, nq_job_t, traceparent),
    S_F ("correlation_id", NQ_F_STR, 0, nq_job_t, correlation_id),
    S_F ("token", NQ_F_STR, 0, nq_job_t, token),
    S_F ("created_ms", NQ_F_U64, 0, nq_job_t, created_ms),
    {"payload", 7, NQ_F_UNION, NQ_FL_REQ, 0, (uint32_t)offsetof (nq_job_t, payload),
     (uint32_t)offsetof (nq_job_t, kind), 0, s_payloads},
};
S_TABLE (s_job_t, s_job);

//  ---- results ----------------------------------------------------------------

static const nq_field_t s_chat_result[] = {
    S_F ("text", NQ_F_STR, NQ_FL_REQ, nq_chat_result_t, text),
    S_F ("done_reason", NQ_F_STR, 0, nq_chat_result_t, done_reason),
    S_F ("prompt_eval_count", NQ_F_U64, 0, nq_chat_result_t, prompt_eval_count),
    S_F ("eval_count", NQ_F_U64, 0, nq_chat_result_t, eval_count),
    S_F ("total_duration_ns", NQ_F_U64, 0, nq_chat_result_t, total_duration_ns),
    S_F ("load_duration_ns", NQ_F_U64, 0, nq_chat_result_t, load_duration_ns),
    S_F ("prompt_eval_duration_ns", NQ_F_U64, 0, nq_chat_result_t, prompt_eval_duration_ns),
    S_F ("eval_duration_ns", NQ_F_U64, 0, nq_chat_result_t, eval_duration_ns),
};
S_TABLE (s_chat_result_t, s_chat_result);

static const nq_field_t s_embed_result[] = {
    S_F ("count", NQ_F_U32, NQ_FL_REQ, nq_embed_result_t, count),
    S_F ("dimensions", NQ_F_U32, NQ_FL_REQ, nq_embed_result_t, dimensions),
    S_F ("vectors_frame", NQ_F_VECTORS, NQ_FL_REQ, nq_embed_result_t, vectors),
    S_F ("prompt_eval_count", NQ_F_U64, 0, nq_embed_result_t, prompt_eval_count),
};
S_TABLE (s_embed_result_t, s_embed_result);

static const nq_field_t s_reflect_result[] = {
    S_F ("attempted", NQ_F_STR, NQ_FL_REQ, nq_reflect_result_t, attempted),
    S_F ("aligned", NQ_F_BOOL, 0, nq_reflect_result_t, aligned),
    S_F ("alignment_score", NQ_F_DOUBLE, NQ_FL_UNIT, nq_reflect_result_t, alignment_score),
    S_F ("improvement_notes", NQ_F_STR, 0, nq_reflect_result_t, improvement_notes),
    S_F ("self_assessment", NQ_F_STR, 0, nq_reflect_result_t, self_assessment),
};
S_TABLE (s_reflect_result_t, s_reflect_result);

static const nq_ftable_t *const s_results[4] = {NULL, &s_chat_result_t, &s_embed_result_t,
                                                &s_reflect_result_t};

//  RESULT from the broker: the attempt is informative; from a worker it is required.
#define S_RESULT_FIELDS(att)                                                                                 \
    S_F ("job_id", NQ_F_ID, NQ_FL_REQ, nq_result_t, job_id),                                                 \
        S_F ("attempt", NQ_F_U32, att, nq_result_t, attempt),                                                \
        S_FA ("kind", NQ_F_ENUM, NQ_FL_REQ, nq_result_t, kind, &nq_kind_names_),                             \
        S_F ("model_used", NQ_F_STR, 0, nq_result_t, model_used),                                            \
        S_F ("instance", NQ_F_STR, 0, nq_result_t, instance),                                                \
        S_F ("duration_ms", NQ_F_U64, 0, nq_result_t, duration_ms),                                          \
    {                                                                                                        \
        "result", 6, NQ_F_UNION, NQ_FL_REQ, 0, (uint32_t)offsetof (nq_result_t, body),                       \
            (uint32_t)offsetof (nq_result_t, kind), 0, s_results                                             \
    }
static const nq_field_t s_result[] = {S_RESULT_FIELDS (0)};
S_TABLE (s_result_t, s_result);
static const nq_field_t s_w_result[] = {S_RESULT_FIELDS (NQ_FL_REQ)};
S_TABLE (s_w_result_t, s_w_result);

//  ---- client → broker --------------------------------------------------------

static const nq_field_t s_submit[] = {
    S_F ("rid", NQ_F_U64, 0, nq_submit_t, rid),
    S_FA ("job", NQ_F_EMBED, 0, nq_submit_t, job, &s_job_t),
};
S_TABLE (s_submit_t, s_submit);

static const nq_field_t s_cancel[] = {
    S_F ("rid", NQ_F_U64, 0, nq_cancel_t, rid),
    S_F ("job_id", NQ_F_ID, NQ_FL_REQ, nq_cancel_t, job_id),
    S_F ("reason", NQ_F_STR, 0, nq_cancel_t, reason),
    S_F ("token", NQ_F_STR, 0, nq_cancel_t, token),
};
S_TABLE (s_cancel_t, s_cancel);

static const nq_field_t s_query[] = {
    S_F ("rid", NQ_F_U64, 0, nq_query_t, rid),
    S_F ("job_id", NQ_F_ID, NQ_FL_REQ, nq_query_t, job_id),
    S_FA ("what", NQ_F_ENUM, NQ_FL_REQ, nq_query_t, what, &nq_query_names_),
    S_F ("from_seq", NQ_F_U64, 0, nq_query_t, from_seq),
    S_F ("token", NQ_F_STR, 0, nq_query_t, token),
};
S_TABLE (s_query_t, s_query);

static const nq_field_t s_admin[] = {
    S_F ("rid", NQ_F_U64, 0, nq_admin_t, rid),
    S_FA ("op", NQ_F_ENUM, NQ_FL_REQ, nq_admin_t, op, &nq_admin_names_),
    S_F ("target", NQ_F_STR, 0, nq_admin_t, target),
    S_FA ("kind", NQ_F_ENUM, 0, nq_admin_t, kind, &nq_kind_names_),
    S_F ("model", NQ_F_STR, 0, nq_admin_t, model),
    S_FA ("class", NQ_F_ENUM, 0, nq_admin_t, class_, &nq_class_names_),
    S_F ("count", NQ_F_U32, 0, nq_admin_t, count),
    S_F ("token", NQ_F_STR, 0, nq_admin_t, token),
    S_F ("instance", NQ_F_STR, 0, nq_admin_t, instance),
};
S_TABLE (s_admin_t, s_admin);

static const nq_field_t s_ping[] = {
    S_F ("rid", NQ_F_U64, 0, nq_ping_t, rid),
    S_F ("ts_ms", NQ_F_U64, 0, nq_ping_t, ts_ms),
};
S_TABLE (s_ping_t, s_ping);

//  ---- broker → client --------------------------------------------------------

static const nq_field_t s_accepted[] = {
    S_F ("rid", NQ_F_U64, 0, nq_accepted_t, rid),
    S_F ("job_id", NQ_F_ID, NQ_FL_REQ, nq_accepted_t, job_id),
    S_F ("duplicate", NQ_F_BOOL, 0, nq_accepted_t, duplicate),
    S_F ("durable", NQ_F_BOOL, 0, nq_accepted_t, durable),
};
S_TABLE (s_accepted_t, s_accepted);

#define S_CHUNK_FIELDS(att)                                                                                  \
    S_F ("job_id", NQ_F_ID, NQ_FL_REQ, nq_chunk_t, job_id),                                                  \
        S_F ("attempt", NQ_F_U32, att, nq_chunk_t, attempt), S_F ("seq", NQ_F_U64, 0, nq_chunk_t, seq),      \
        S_F ("text", NQ_F_STR, NQ_FL_REQ, nq_chunk_t, text),                                                 \
        S_F ("restart", NQ_F_BOOL, 0, nq_chunk_t, restart)
static const nq_field_t s_chunk[] = {S_CHUNK_FIELDS (0)};
S_TABLE (s_chunk_t, s_chunk);
static const nq_field_t s_w_chunk[] = {S_CHUNK_FIELDS (NQ_FL_REQ)};
S_TABLE (s_w_chunk_t, s_w_chunk);

static const nq_field_t s_error[] = {
    S_F ("rid", NQ_F_U64, 0, nq_proto_error_t, rid),
    S_F ("job_id", NQ_F_ID, 0, nq_proto_error_t, job_id),
    S_F ("code", NQ_F_CODE, NQ_FL_REQ, nq_proto_error_t, code),
    S_F ("message", NQ_F_STR, 0, nq_proto_error_t, message),
    S_F ("retry_after_ms", NQ_F_U64, 0, nq_proto_error_t, retry_after_ms),
};
S_TABLE (s_error_t, s_error);

static const nq_field_t s_reply[] = {
    S_F ("rid", NQ_F_U64, 0, nq_reply_t, rid),
    S_F ("data", NQ_F_RAW, 0, nq_reply_t, data),
};
S_TABLE (s_reply_t, s_reply);

//  ---- worker → broker --------------------------------------------------------

static const nq_field_t s_slot[] = {
    S_FA ("kind", NQ_F_ENUM, NQ_FL_REQ, nq_slot_t, kind, &nq_kind_names_),
    S_F ("instance", NQ_F_STR, NQ_FL_REQ, nq_slot_t, instance),
    S_FS ("models", 0, nq_slot_t, models, models_count),
    S_FS ("warm", 0, nq_slot_t, warm, warm_count),
    S_F ("capacity", NQ_F_U32, NQ_FL_REQ, nq_slot_t, capacity),
};
S_TABLE (s_slot_t, s_slot);

static const nq_field_t s_ready[] = {
    S_F ("worker_id", NQ_F_STR, NQ_FL_REQ, nq_ready_t, worker_id),
    S_F ("heartbeat_ms", NQ_F_U32, 0, nq_ready_t, heartbeat_ms),
    S_F ("liveness", NQ_F_U32, 0, nq_ready_t, liveness),
    S_FARR ("slots", NQ_FL_REQ, nq_ready_t, slots, slots_count, nq_slot_t, s_slot_t),
};
S_TABLE (s_ready_t, s_ready);

static const nq_field_t s_credit[] = {
    S_F ("instance", NQ_F_STR, 0, nq_credit_t, instance),
    S_FA ("kind", NQ_F_ENUM, 0, nq_credit_t, kind, &nq_kind_names_),
    S_F ("credit", NQ_F_U32, NQ_FL_REQ, nq_credit_t, credit),
    S_FSH ("models", nq_credit_t, models, models_count, 0),
    S_FSH ("warm", nq_credit_t, warm, warm_count, 1),
};
S_TABLE_HAS (s_credit_t, s_credit, nq_credit_t);

static const nq_field_t s_heartbeat[] = {
    S_F ("ts_ms", NQ_F_U64, 0, nq_heartbeat_t, ts_ms),
    S_F ("active", NQ_F_U32, 0, nq_heartbeat_t, active),
    S_F ("heartbeat_ms", NQ_F_U32, 0, nq_heartbeat_t, heartbeat_ms),
    S_F ("liveness", NQ_F_U32, 0, nq_heartbeat_t, liveness),
};
S_TABLE (s_heartbeat_t, s_heartbeat);

static const nq_field_t s_fail[] = {
    S_F ("job_id", NQ_F_ID, NQ_FL_REQ, nq_fail_t, job_id),
    S_F ("attempt", NQ_F_U32, NQ_FL_REQ, nq_fail_t, attempt),
    S_F ("code", NQ_F_CODE, NQ_FL_REQ, nq_fail_t, code),
    S_F ("message", NQ_F_STR, 0, nq_fail_t, message),
    S_F ("retryable", NQ_F_BOOL, 0, nq_fail_t, retryable),
    S_F ("retry_after_ms", NQ_F_U64, 0, nq_fail_t, retry_after_ms),
    S_F ("released", NQ_F_BOOL, 0, nq_fail_t, released),
};
S_TABLE (s_fail_t, s_fail);

static const nq_field_t s_bye[] = {
    S_F ("reason", NQ_F_STR, 0, nq_bye_t, reason),
};
S_TABLE (s_bye_t, s_bye);

//  ---- broker → worker --------------------------------------------------------

static const nq_field_t s_dispatch[] = {
    S_FA ("job", NQ_F_EMBED, 0, nq_dispatch_t, job, &s_job_t),
    S_F ("attempt", NQ_F_U32, NQ_FL_REQ, nq_dispatch_t, attempt),
    S_F ("lease_ms", NQ_F_U64, 0, nq_dispatch_t, lease_ms),
    S_F ("instance", NQ_F_STR, 0, nq_dispatch_t, instance),
};
S_TABLE (s_dispatch_t, s_dispatch);

static const nq_field_t s_w_cancel[] = {
    S_F ("job_id", NQ_F_ID, NQ_FL_REQ, nq_cancel_t, job_id),
    S_F ("attempt", NQ_F_U32, NQ_FL_REQ, nq_cancel_t, attempt),
    S_F ("reason", NQ_F_STR, 0, nq_cancel_t, reason),
};
S_TABLE (s_w_cancel_t, s_w_cancel);

static const nq_field_t s_scale[] = {
    S_F ("instance", NQ_F_STR, NQ_FL_REQ, nq_scale_t, instance),
    S_FA ("kind", NQ_F_ENUM, 0, nq_scale_t, kind, &nq_kind_names_),
    S_F ("slots", NQ_F_U32, 0, nq_scale_t, slots),
};
S_TABLE (s_scale_t, s_scale);

static const nq_field_t s_drain[] = {
    S_F ("instance", NQ_F_STR, 0, nq_drain_t, instance),
    S_F ("deadline_ms", NQ_F_U64, 0, nq_drain_t, deadline_ms),
};
S_TABLE (s_drain_t, s_drain);

static const nq_field_t s_disconnect[] = {
    S_F ("reason", NQ_F_STR, 0, nq_disconnect_t, reason),
    S_F ("reconnect_after_ms", NQ_F_U64, 0, nq_disconnect_t, reconnect_after_ms),
};
S_TABLE (s_disconnect_t, s_disconnect);

//  ---- commands ---------------------------------------------------------------

typedef struct {
    int cmd;
    const char *name;
    const nq_ftable_t *table;
} s_command_t;

static const s_command_t s_commands[] = {
    {NQ_CMD_SUBMIT, "SUBMIT", &s_submit_t},
    {NQ_CMD_CANCEL, "CANCEL", &s_cancel_t},
    {NQ_CMD_QUERY, "QUERY", &s_query_t},
    {NQ_CMD_ADMIN, "ADMIN", &s_admin_t},
    {NQ_CMD_PING, "PING", &s_ping_t},
    {NQ_CMD_ACCEPTED, "ACCEPTED", &s_accepted_t},
    {NQ_CMD_CHUNK, "CHUNK", &s_chunk_t},
    {NQ_CMD_RESULT, "RESULT", &s_result_t},
    {NQ_CMD_ERROR, "ERROR", &s_error_t},
    {NQ_CMD_REPLY, "REPLY", &s_reply_t},
    {NQ_CMD_READY, "READY", &s_ready_t},
    {NQ_CMD_CREDIT, "CREDIT", &s_credit_t},
    {NQ_CMD_W_HEARTBEAT, "W_HEARTBEAT", &s_heartbeat_t},
    {NQ_CMD_W_CHUNK, "W_CHUNK", &s_w_chunk_t},
    {NQ_CMD_W_RESULT, "W_RESULT", &s_w_result_t},
    {NQ_CMD_FAIL, "FAIL", &s_fail_t},
    {NQ_CMD_BYE, "BYE", &s_bye_t},
    {NQ_CMD_JOB, "JOB", &s_dispatch_t},
    {NQ_CMD_W_CANCEL, "W_CANCEL", &s_w_cancel_t},
    {NQ_CMD_SCALE, "SCALE", &s_scale_t},
    {NQ_CMD_DRAIN, "DRAIN", &s_drain_t},
    {NQ_CMD_B_HEARTBEAT, "B_HEARTBEAT", &s_heartbeat_t},
    {NQ_CMD_DISCONNECT, "DISCONNECT", &s_disconnect_t},
};

static const s_command_t *
s_command (int cmd)
{
    for (size_t i = 0; i < sizeof s_commands / sizeof s_commands[0]; i++)
        if (s_commands[i].cmd == cmd)
            return &s_commands[i];
    return NULL;
}

const nq_ftable_t *
nq_proto_table (int cmd)
{
    const s_command_t *c = s_command (cmd);
    return c ? c->table : NULL;
}

const char *
nq_cmd_name (int cmd)
{
    const s_command_t *c = s_command (cmd);
    return c ? c->name : NULL;
}

int
nq_cmd_dir (int cmd)
{
    if (!s_command (cmd))
        return -1;
    return cmd >> 4;    //  0x1_ → NQ_DIR_CLIENT_BROKER (1), … 0x4_ → NQ_DIR_BROKER_WORKER (4)
}

static const char *
s_name (const nq_enum_names_t *names, int v)
{
    return v > 0 && v < names->count ? names->names[v] : NULL;
}

const char *
nq_kind_name (nq_kind_t kind)
{
    return s_name (&nq_kind_names_, (int)kind);
}

const char *
nq_class_name (nq_class_t class_)
{
    return s_name (&nq_class_names_, (int)class_);
}

const char *
nq_role_name (nq_role_t role)
{
    return s_name (&nq_role_names_, (int)role);
}

const char *
nq_query_what_name (nq_query_what_t what)
{
    return s_name (&nq_query_names_, (int)what);
}

const char *
nq_admin_op_name (nq_admin_op_t op)
{
    return s_name (&nq_admin_names_, (int)op);
}
