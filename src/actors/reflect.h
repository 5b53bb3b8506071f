/*  reflect.h — reflection jobs: the prompt that asks a model to assess one
    exchange, and the validation of its answer.

    The platform reflects on every chat turn with three questions — what did
    I attempt to accomplish; was my response aligned with my principles; how
    could I improve — and keeps an alignment score in 0..1 (aligned when at
    least 0.7). A reflect job sends the model one /api/chat request whose
    `format` is a JSON schema of that answer, with streaming off, and checks
    what comes back: an answer that is not that JSON is an error the caller
    retries once, then reports. */
#ifndef NQ_REFLECT_H
#define NQ_REFLECT_H

#include "common/protocol.h"

#include <jansson.h>

#define NQ_REFLECT_ALIGNED_AT 0.7

/*  The /api/chat body for model assessing r (a new JSON object, owned by
    the caller), or NULL on no memory. */
json_t *nq_reflect_request (const nq_reflect_t *r, const char *model);

/*  The JSON schema every answer must follow (a new reference). */
json_t *nq_reflect_schema (void);

typedef struct {
    char *attempted;
    char *improvement_notes;
    char *self_assessment;
    double alignment_score;
    int aligned;    //  alignment_score >= NQ_REFLECT_ALIGNED_AT
} nq_reflect_answer_t;

/*  Parses the model's message content. Returns 0 with *answer filled (free
    with nq_reflect_answer_fini), or NQ_EUPSTREAM_FAILED with why (a static
    or thread-local text) set: not JSON, not an object, a field missing or of
    the wrong type, a score outside 0..1. The aligned flag is derived from
    the score, whatever the model claims. */
int nq_reflect_parse (const char *content, nq_reflect_answer_t *answer, const char **why);
void nq_reflect_answer_fini (nq_reflect_answer_t *answer);

#endif
