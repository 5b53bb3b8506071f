/*  job.h — the broker's record of one job, from submission to retention.

    The broker routes by the envelope's kind, model, tenant and class and
    enforces its timeouts and attempts; it never interprets the payload,
    which it keeps as the encoded bytes the client sent and forwards to the
    worker as they are. A job's state changes only through the engine, and
    every change is written to the journal.

    States: pending (waiting for the journal to commit the submission),
    queued, running (leased to one worker slot for one attempt), retry_wait
    (backing off after a retryable failure), and the terminal states
    succeeded, failed, cancelled, expired and dead (dead-lettered). */
#ifndef NQ_JOB_H
#define NQ_JOB_H

#include "broker/sched.h"
#include "common/protocol.h"

#include <stddef.h>
#include <stdint.h>

typedef enum {
    NQ_JOB_PENDING = 0,
    NQ_JOB_QUEUED,
    NQ_JOB_RUNNING,
    NQ_JOB_RETRY_WAIT,
    NQ_JOB_SUCCEEDED,
    NQ_JOB_FAILED,
    NQ_JOB_CANCELLED,
    NQ_JOB_EXPIRED,
    NQ_JOB_DEAD
} nq_job_state_t;

/*  Kinds are the protocol's nq_kind_t (chat 1, embed 2, reflect 3; 0 is
    "none"); arrays indexed by kind have NQ_KIND__COUNT entries. */
#define NQ_KIND__COUNT 4
#define NQ_KIND__FIRST 1
/*  A slot-group kinds mask that serves every kind. */
#define NQ_KINDS_ALL ((1u << NQ_KIND_CHAT) | (1u << NQ_KIND_EMBED) | (1u << NQ_KIND_REFLECT))

/*  Opaque bytes with a length (payloads, results, chunks, peer identities). */
typedef struct {
    uint8_t *data;
    size_t size;
} nq_bytes_t;

/*  What the broker keeps of each attempt. */
typedef struct {
    uint32_t attempt;
    char worker[64];          //  worker id (hex of its identity, cut)
    char instance[64];
    uint64_t started_ms;
    uint64_t ended_ms;
    int code;                 //  0 while running or on success
    char message[256];
} nq_attempt_t;

typedef struct nq_subscriber_t {
    struct nq_subscriber_t *next;
    nq_bytes_t client;        //  the client's peer identity
    uint64_t request_id;
    int accept_pending;       //  owed an ACCEPTED once the journal commits
    int existing;             //  …saying it joined an existing job
} nq_subscriber_t;

typedef struct nq_stream_chunk_t {
    struct nq_stream_chunk_t *next;
    uint64_t seq;
    int restart;              //  a restart marker: the stream starts again
    nq_bytes_t data;
} nq_stream_chunk_t;

typedef struct nq_bjob_t {
    nq_sched_entry_t entry;   //  while queued (must stay first)
    //  Envelope, as submitted.
    char *id;
    nq_kind_t kind;
    char *model;
    char *run_model;          //  the fallback this attempt runs on, or NULL (the model itself)
    char *tenant;
    char *user;
    nq_class_t klass;
    char *idempotency_key;    //  NULL if none
    char *traceparent;
    char *correlation_id;
    nq_bytes_t payload;       //  encoded, forwarded unread (may be empty)
    void *payload_obj;        //  the network layer's decoded form (engine-owned)
    uint32_t cost;
    uint32_t max_attempts;
    uint64_t schedule_to_start_ms;    //  0: none
    uint64_t start_to_close_ms;
    uint64_t schedule_to_close_ms;
    //  Life.
    nq_job_state_t state;
    uint64_t created_ms;
    uint64_t queued_ms;               //  when it last entered the queue
    uint32_t attempt;                 //  the lease epoch: +1 on each dispatch
    uint32_t failures;                //  attempts that count toward max_attempts
    char last_instance[64];           //  instance of the latest attempt ("" before the first)
    uint64_t generation;              //  invalidates earlier timers
    int cancel_requested;
    struct nq_bworker_t *worker;      //  lease holder while running
    int group;                        //  slot group on that worker
    struct nq_bjob_t *lease_prev, *lease_next;    //  in the worker's lease list
    struct nq_bjob_t *dead_prev, *dead_next;      //  in the dead-letter list
    uint32_t timer_refs;              //  timers that still name it
    int zombie;                       //  purged; freed when unreferenced
    nq_attempt_t *history;
    size_t history_count, history_cap;
    //  Output.
    nq_subscriber_t *subscribers;
    nq_stream_chunk_t *chunks, *chunks_tail;
    size_t chunk_bytes;
    int chunks_truncated;             //  older chunks were not kept
    uint64_t next_seq;                //  client-visible stream sequence
    uint64_t worker_next_seq;         //  next chunk seq expected from the current attempt
    nq_bytes_t result;
    void *result_obj;                 //  the network layer's decoded form (engine-owned)
    int error_code;                   //  terminal error (0 on success)
    char error_message[256];
    uint64_t ended_ms;
} nq_bjob_t;

/*  Creates a job with copies of the given strings and payload. NULL on no
    memory. Optional strings may be NULL. */
nq_bjob_t *nq_bjob_new (const char *id, nq_kind_t kind, const char *model, const char *tenant, const char *user,
                        nq_class_t klass, const void *payload, size_t payload_size);
void nq_bjob_destroy (nq_bjob_t **self_p);

/*  Sets an optional string field (copying); returns 0 or NQ_ENOMEM. */
int nq_bjob_set_str (char **field, const char *value);

/*  Appends a new attempt record and returns it, or NULL on no memory. */
nq_attempt_t *nq_bjob_attempt_begin (nq_bjob_t *self, const char *worker, const char *instance, uint64_t now_ms);
/*  The current (last) attempt record, or NULL. */
nq_attempt_t *nq_bjob_attempt_current (nq_bjob_t *self);

#define NQ_JOB_MAX_SUBSCRIBERS 256

/*  Adds a subscriber (client identity copied) and returns it, or NULL on no
    memory or past NQ_JOB_MAX_SUBSCRIBERS. An identical (client, request)
    pair is not added twice: the existing one is returned. */
nq_subscriber_t *nq_bjob_subscribe (nq_bjob_t *self, const void *client, size_t client_size, uint64_t request_id);

/*  Keeps a chunk for resubscription while chunk_bytes stays under max_bytes
    (later chunks are then not kept and the job says so). Returns the stored
    chunk, or NULL when not kept. */
nq_stream_chunk_t *nq_bjob_keep_chunk (nq_bjob_t *self, uint64_t seq, int restart, const void *data, size_t size,
                                size_t max_bytes);

int nq_bjob_is_terminal (const nq_bjob_t *self);
const char *nq_job_state_name (nq_job_state_t state);
/*  "chat", "embed", "reflect" → kind; -1 when unknown (names: nq_kind_name
    in protocol.h). */
int nq_kind_parse (const char *name);

/*  Bytes helpers: copy (0 or NQ_ENOMEM) and free. */
int nq_bytes_set (nq_bytes_t *bytes, const void *data, size_t size);
void nq_bytes_clear (nq_bytes_t *bytes);

#endif
