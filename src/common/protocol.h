/*  protocol.h — NQP/1: the messages every novaq process exchanges.

    A message on the wire is a multipart ZeroMQ message: frame 0 is the
    version "NQP1", frame 1 one command byte, frame 2 one msgpack map (the
    body), then optional raw payload frames that the body refers to by index
    (embedding vectors as little-endian float32, large prompt texts).
    docs/protocol.md is the contract; this header is its C face.

    An nq_msg_t holds the command and a union of per-command bodies. Decoding
    (nq_msg_decode) fills one from an array of frames, bounded by an
    nq_limits_t; everything it points to lives in an arena the message owns,
    so the input frames may be released as soon as decoding returns.
    nq_msg_fini releases the arena. To send, fill a message (strings and
    arrays may point at the caller's memory, or at memory from nq_msg_alloc
    which the message then owns) and nq_msg_encode it into an nq_wire_t.

    Absent values: a NULL string or array, a 0 optional number, a false flag
    and an enum 0 (..._NONE) are "not set" and are not encoded. Required
    numbers are always encoded (0 is a value: CREDIT 0); the chat options,
    where 0 is meaningful, say which are set in their `has` bits.

    The codec does not depend on czmq (protocol_zmq.h adapts it). */
#ifndef NQ_PROTOCOL_H
#define NQ_PROTOCOL_H

#include "common/protocol_limits.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NQ_PROTO_VERSION "NQP1"
#define NQ_PROTO_VERSION_LEN 4
//  Frames before the payload frames: version, command, body.
#define NQ_PROTO_HEAD_FRAMES 3
//  Canonical textual UUID: 36 characters.
#define NQ_ID_LEN 36

/*  Command bytes: the high nibble says the direction. */
typedef enum {
    NQ_CMD_NONE = 0x00,
    //  client → broker
    NQ_CMD_SUBMIT = 0x10,
    NQ_CMD_CANCEL = 0x11,
    NQ_CMD_QUERY = 0x12,
    NQ_CMD_ADMIN = 0x13,
    NQ_CMD_PING = 0x14,
    //  broker → client
    NQ_CMD_ACCEPTED = 0x20,
    NQ_CMD_CHUNK = 0x21,
    NQ_CMD_RESULT = 0x22,
    NQ_CMD_ERROR = 0x23,
    NQ_CMD_REPLY = 0x24,
    //  worker → broker
    NQ_CMD_READY = 0x30,
    NQ_CMD_CREDIT = 0x31,
    NQ_CMD_W_HEARTBEAT = 0x32,
    NQ_CMD_W_CHUNK = 0x33,
    NQ_CMD_W_RESULT = 0x34,
    NQ_CMD_FAIL = 0x35,
    NQ_CMD_BYE = 0x36,
    //  broker → worker
    NQ_CMD_JOB = 0x40,
    NQ_CMD_W_CANCEL = 0x41,
    NQ_CMD_SCALE = 0x42,
    NQ_CMD_DRAIN = 0x43,
    NQ_CMD_B_HEARTBEAT = 0x44,
    NQ_CMD_DISCONNECT = 0x45
} nq_cmd_t;

/*  Which peer sends: a decoder accepts only the commands of its direction. */
typedef enum {
    NQ_DIR_ANY = 0,          //  any known command (tools, tests)
    NQ_DIR_CLIENT_BROKER,    //  0x1_
    NQ_DIR_BROKER_CLIENT,    //  0x2_
    NQ_DIR_WORKER_BROKER,    //  0x3_
    NQ_DIR_BROKER_WORKER     //  0x4_
} nq_dir_t;

typedef enum { NQ_KIND_NONE = 0, NQ_KIND_CHAT, NQ_KIND_EMBED, NQ_KIND_REFLECT } nq_kind_t;
typedef enum { NQ_CLASS_NONE = 0, NQ_CLASS_INTERACTIVE, NQ_CLASS_STANDARD, NQ_CLASS_BULK } nq_class_t;
typedef enum { NQ_ROLE_NONE = 0, NQ_ROLE_SYSTEM, NQ_ROLE_USER, NQ_ROLE_ASSISTANT, NQ_ROLE_TOOL } nq_role_t;
typedef enum { NQ_QUERY_NONE = 0, NQ_QUERY_STATUS, NQ_QUERY_RESULT, NQ_QUERY_STREAM } nq_query_what_t;
typedef enum {
    NQ_ADMIN_NONE = 0,
    NQ_ADMIN_STATUS,
    NQ_ADMIN_SCALE,
    NQ_ADMIN_DRAIN,
    NQ_ADMIN_PAUSE,
    NQ_ADMIN_RESUME,
    NQ_ADMIN_DEAD_LIST,     //  the dead letters, oldest first (at most count; 0: 100)
    NQ_ADMIN_DEAD_RETRY     //  queue the dead job target again, its attempts reset
} nq_admin_op_t;

/*  Raw msgpack bytes of one complete value (REPLY data, chat format). */
typedef struct {
    const uint8_t *data;
    size_t size;
} nq_raw_t;

/*  ---- payloads ----------------------------------------------------- */

typedef struct {
    nq_role_t role;
    const char *content;
} nq_chat_message_t;

//  Bits of nq_chat_options_t.has: which options are set.
#define NQ_OPT_TEMPERATURE (1u << 0)
#define NQ_OPT_TOP_P (1u << 1)
#define NQ_OPT_TOP_K (1u << 2)
#define NQ_OPT_NUM_PREDICT (1u << 3)
#define NQ_OPT_NUM_CTX (1u << 4)
#define NQ_OPT_SEED (1u << 5)

typedef struct {
    uint32_t has;    //  NQ_OPT_* bits; stop is set when stop_count > 0
    double temperature;
    double top_p;
    uint32_t top_k;
    int64_t num_predict;    //  -1: until the model stops
    uint32_t num_ctx;
    int64_t seed;
    const char **stop;
    size_t stop_count;
} nq_chat_options_t;

typedef struct {
    nq_chat_message_t *messages;
    size_t messages_count;
    nq_chat_options_t options;
    nq_raw_t format;    //  a JSON schema (as msgpack) or the string "json"
    bool stream;        //  send CHUNKs
    bool reflect;       //  queue a reflection job after the answer
    const char *session;
    bool restart;       //  a failure after output may be retried from the start (a restart chunk first)
} nq_chat_t;

typedef struct {
    const char **inputs;
    size_t inputs_count;
    bool no_truncate;       //  wire "truncate": false (the default is true)
    uint32_t dimensions;    //  0: the model's own
} nq_embed_t;

typedef struct {
    const char *session;
    const char *memory_id;
    const char *input;     //  what the user said
    const char *output;    //  what the assistant answered
    const char **context;
    size_t context_count;
} nq_reflect_t;

/*  ---- the job envelope --------------------------------------------- */

typedef struct {
    char id[NQ_ID_LEN + 1];    //  UUIDv7 text; "" when unset (SUBMIT: the broker assigns)
    nq_kind_t kind;
    const char *tenant;
    const char *user;
    nq_class_t class_;
    const char *model;
    const char *idempotency_key;
    uint64_t schedule_to_start_ms;
    uint64_t start_to_close_ms;
    uint64_t schedule_to_close_ms;
    uint32_t max_attempts;
    const char *traceparent;
    const char *correlation_id;
    const char *token;
    uint64_t created_ms;    //  wall clock, Unix ms (set by the broker)
    union {
        nq_chat_t chat;
        nq_embed_t embed;
        nq_reflect_t reflect;
    } payload;    //  by kind
} nq_job_t;

/*  ---- results ------------------------------------------------------ */

typedef struct {
    const char *text;
    const char *done_reason;
    uint64_t prompt_eval_count;
    uint64_t eval_count;
    uint64_t total_duration_ns;
    uint64_t load_duration_ns;
    uint64_t prompt_eval_duration_ns;
    uint64_t eval_duration_ns;
} nq_chat_result_t;

typedef struct {
    uint32_t count;
    uint32_t dimensions;
    const float *vectors;    //  count × dimensions, row-major; travels as a raw frame
    uint64_t prompt_eval_count;
} nq_embed_result_t;

typedef struct {
    const char *attempted;     //  what the assistant attempted
    bool aligned;              //  alignment_score >= 0.7
    double alignment_score;    //  0..1
    const char *improvement_notes;
    const char *self_assessment;
} nq_reflect_result_t;

typedef struct {
    char job_id[NQ_ID_LEN + 1];
    uint32_t attempt;
    nq_kind_t kind;
    const char *model_used;
    const char *instance;
    uint64_t duration_ms;
    union {
        nq_chat_result_t chat;
        nq_embed_result_t embed;
        nq_reflect_result_t reflect;
    } body;    //  by kind
} nq_result_t;

/*  ---- command bodies ----------------------------------------------- */

typedef struct {
    uint64_t rid;    //  request id, echoed in the answer
    nq_job_t job;
} nq_submit_t;

typedef struct {
    uint64_t rid;
    char job_id[NQ_ID_LEN + 1];
    uint32_t attempt;    //  broker → worker only
    const char *reason;
    const char *token;    //  client → broker only
} nq_cancel_t;

typedef struct {
    uint64_t rid;
    char job_id[NQ_ID_LEN + 1];
    nq_query_what_t what;
    uint64_t from_seq;    //  NQ_QUERY_STREAM: first CHUNK seq wanted
    const char *token;
} nq_query_t;

typedef struct {
    uint64_t rid;
    nq_admin_op_t op;
    const char *target;    //  worker id or name (drain, scale), job id (dead_retry)
    nq_kind_t kind;
    const char *model;
    nq_class_t class_;
    uint32_t count;          //  scale: slots wanted; dead_list: most entries
    const char *token;
    const char *instance;    //  scale: the instance whose slots change (NULL: the worker's first)
} nq_admin_t;

typedef struct {
    uint64_t rid;
    uint64_t ts_ms;
} nq_ping_t;

typedef struct {
    uint64_t rid;
    char job_id[NQ_ID_LEN + 1];
    bool duplicate;    //  an earlier job with the same idempotency key
    bool durable;      //  committed to the journal
} nq_accepted_t;

typedef struct {
    char job_id[NQ_ID_LEN + 1];
    uint32_t attempt;
    uint64_t seq;    //  0, 1, 2 … per job across attempts
    const char *text;
    bool restart;    //  a new attempt starts over: drop the text shown so far
} nq_chunk_t;

typedef struct {
    uint64_t rid;
    char job_id[NQ_ID_LEN + 1];
    int code;    //  an NQ_E* code; travels as its wire name
    const char *message;
    uint64_t retry_after_ms;
} nq_proto_error_t;

typedef struct {
    uint64_t rid;
    nq_raw_t data;    //  any msgpack value (nq_msgpack_to_json renders it)
} nq_reply_t;

typedef struct {
    nq_kind_t kind;
    const char *instance;
    const char **models;
    size_t models_count;
    const char **warm;    //  models loaded right now
    size_t warm_count;
    uint32_t capacity;    //  parallel slots
} nq_slot_t;

typedef struct {
    const char *worker_id;
    uint32_t heartbeat_ms;
    uint32_t liveness;
    nq_slot_t *slots;
    size_t slots_count;
} nq_ready_t;

//  Bits of nq_credit_t.has: which lists CREDIT carries (an empty list is a value).
#define NQ_CREDIT_MODELS (1u << 0)
#define NQ_CREDIT_WARM (1u << 1)

typedef struct {
    uint32_t has;    //  NQ_CREDIT_* bits: the lists present
    const char *instance;
    nq_kind_t kind;
    uint32_t credit;
    const char **models;    //  with NQ_CREDIT_MODELS: the models the group serves now
    size_t models_count;
    const char **warm;    //  with NQ_CREDIT_WARM: the models loaded now
    size_t warm_count;
} nq_credit_t;

typedef struct {
    uint64_t ts_ms;
    uint32_t active;          //  worker → broker: jobs running
    uint32_t heartbeat_ms;    //  broker → worker: the agreed interval
    uint32_t liveness;        //  broker → worker: the agreed liveness
} nq_heartbeat_t;

typedef struct {
    char job_id[NQ_ID_LEN + 1];
    uint32_t attempt;
    int code;
    const char *message;
    bool retryable;
    uint64_t retry_after_ms;
    bool released;    //  handed back unfinished (a draining worker): requeue, no attempt spent
} nq_fail_t;

typedef struct {
    const char *reason;
} nq_bye_t;

typedef struct {
    nq_job_t job;
    uint32_t attempt;
    uint64_t lease_ms;
    const char *instance;    //  the slot group's instance the broker placed it on
} nq_dispatch_t;

typedef struct {
    const char *instance;
    nq_kind_t kind;
    uint32_t slots;
} nq_scale_t;

typedef struct {
    const char *instance;
    uint64_t deadline_ms;
} nq_drain_t;

typedef struct {
    const char *reason;
    uint64_t reconnect_after_ms;
} nq_disconnect_t;

typedef struct nq_arena_t nq_arena_t;

typedef struct {
    nq_cmd_t cmd;
    union {
        nq_submit_t submit;            //  SUBMIT
        nq_cancel_t cancel;            //  CANCEL, W_CANCEL
        nq_query_t query;              //  QUERY
        nq_admin_t admin;              //  ADMIN
        nq_ping_t ping;                //  PING
        nq_accepted_t accepted;        //  ACCEPTED
        nq_chunk_t chunk;              //  CHUNK, W_CHUNK
        nq_result_t result;            //  RESULT, W_RESULT
        nq_proto_error_t error;        //  ERROR
        nq_reply_t reply;              //  REPLY
        nq_ready_t ready;              //  READY
        nq_credit_t credit;            //  CREDIT
        nq_heartbeat_t heartbeat;      //  W_HEARTBEAT, B_HEARTBEAT
        nq_fail_t fail;                //  FAIL
        nq_bye_t bye;                  //  BYE
        nq_dispatch_t job;             //  JOB
        nq_scale_t scale;              //  SCALE
        nq_drain_t drain;              //  DRAIN
        nq_disconnect_t disconnect;    //  DISCONNECT
    } u;
    nq_arena_t *arena_;    //  private: memory the message owns
} nq_msg_t;

/*  A view of one frame: decoder input, encoder output. */
typedef struct {
    const void *data;
    size_t size;
} nq_frame_t;

#define NQ_WIRE_MAX_FRAMES (NQ_PROTO_HEAD_FRAMES + NQ_LIMIT_FRAMES_CAP)

/*  Encoder output: count frames; frame i's bytes are owned by the wire when
    owned[i] is set, else they are static or belong to the encoded message
    (a large text sent as a frame is not copied). */
typedef struct {
    size_t count;
    nq_frame_t frames[NQ_WIRE_MAX_FRAMES];
    bool owned[NQ_WIRE_MAX_FRAMES];
} nq_wire_t;

/*  ---- messages ----------------------------------------------------- */

/*  Zeroes *self with cmd set: an empty message of that command. */
void nq_msg_init (nq_msg_t *self, nq_cmd_t cmd);

/*  Releases everything the message owns (its arena) and zeroes it; the
    caller's own memory that fields point to is untouched. Idempotent. */
void nq_msg_fini (nq_msg_t *self);

/*  Allocates size bytes (aligned for any type) owned by the message; freed
    by nq_msg_fini. NULL on no memory. */
void *nq_msg_alloc (nq_msg_t *self, size_t size);

/*  Copies len bytes of s as a NUL-terminated string owned by the message. */
char *nq_msg_strndup (nq_msg_t *self, const char *s, size_t len);

/*  Decodes count frames into *self (which the call initialises; nq_msg_fini
    it afterwards whatever the result). Accepts only the commands of dir.
    Returns 0 or the specific NQ_EPROTO_* code of the first fault found
    (docs/protocol.md, "Errors"), or NQ_ENOMEM. The frames are not kept. */
int nq_msg_decode (nq_msg_t *self, const nq_frame_t *frames, size_t count, nq_dir_t dir,
                   const nq_limits_t *limits);

/*  Encodes *msg into *wire (which the call initialises; nq_wire_fini it
    afterwards whatever the result). Returns 0, NQ_EPROTO_MISSING when a
    required field is unset, NQ_EPROTO_VALUE for a value the decoder would
    refuse (a malformed job id, too many frames), NQ_EPROTO_COMMAND for an
    unknown command, or NQ_ENOMEM. The output is deterministic: fields in
    the order docs/protocol.md lists them, every number in its shortest form. */
int nq_msg_encode (const nq_msg_t *msg, nq_wire_t *wire);

/*  Releases the buffers a wire owns and zeroes it. Idempotent. */
void nq_wire_fini (nq_wire_t *self);

/*  Total bytes of the wire's frames. */
size_t nq_wire_size (const nq_wire_t *self);

/*  ---- names -------------------------------------------------------- */

/*  "SUBMIT", "W_CHUNK", …; NULL for an unknown byte. */
const char *nq_cmd_name (int cmd);
/*  The direction of a known command, or -1. */
int nq_cmd_dir (int cmd);
/*  Wire names of enum values ("chat", "interactive", "user", …); NULL for
    0 or out of range. */
const char *nq_kind_name (nq_kind_t kind);
const char *nq_class_name (nq_class_t class_);
const char *nq_role_name (nq_role_t role);
const char *nq_query_what_name (nq_query_what_t what);
const char *nq_admin_op_name (nq_admin_op_t op);

#endif
