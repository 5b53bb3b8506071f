/*  job.c — the broker's job record (see job.h). */
#include "broker/job.h"

#include "common/alloc.h"
#include "common/errors.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

static const char *s_state_names[] = {"pending",   "queued", "running", "retry_wait", "succeeded",
                                      "failed",    "cancelled", "expired", "dead"};

const char *
nq_job_state_name (nq_job_state_t state)
{
    return (unsigned) state <= NQ_JOB_DEAD ? s_state_names[state] : "unknown";
}

int
nq_kind_parse (const char *name)
{
    for (int i = NQ_KIND__FIRST; name && i < NQ_KIND__COUNT; i++)
        if (strcmp (name, nq_kind_name ((nq_kind_t) i)) == 0)
            return i;
    return -1;
}

int
nq_bytes_set (nq_bytes_t *bytes, const void *data, size_t size)
{
    uint8_t *copy = NULL;
    if (size) {
        copy = nq_memdup (data, size);
        if (!copy)
            return NQ_ENOMEM;
    }
    nq_free (bytes->data);
    bytes->data = copy;
    bytes->size = size;
    return 0;
}

void
nq_bytes_clear (nq_bytes_t *bytes)
{
    nq_free (bytes->data);
    bytes->data = NULL;
    bytes->size = 0;
}

int
nq_bjob_set_str (char **field, const char *value)
{
    char *copy = NULL;
    if (value && !(copy = nq_strdup (value)))
        return NQ_ENOMEM;
    nq_free (*field);
    *field = copy;
    return 0;
}

nq_bjob_t *
nq_bjob_new (const char *id, nq_kind_t kind, const char *model, const char *tenant, const char *user,
             nq_class_t klass, const void *payload, size_t payload_size)
{
    assert (id && model && tenant);
    nq_bjob_t *self = nq_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->kind = kind;
    self->klass = klass;
    self->cost = 1;
    self->group = -1;
    if (nq_bjob_set_str (&self->id, id) || nq_bjob_set_str (&self->model, model)
        || nq_bjob_set_str (&self->tenant, tenant) || nq_bjob_set_str (&self->user, user)
        || nq_bytes_set (&self->payload, payload, payload_size)) {
        nq_bjob_destroy (&self);
        return NULL;
    }
    return self;
}

void
nq_bjob_destroy (nq_bjob_t **self_p)
{
    assert (self_p);
    nq_bjob_t *self = *self_p;
    if (!self)
        return;
    nq_free (self->id);
    nq_free (self->model);
    nq_free (self->run_model);
    nq_free (self->tenant);
    nq_free (self->user);
    nq_free (self->idempotency_key);
    nq_free (self->traceparent);
    nq_free (self->correlation_id);
    nq_bytes_clear (&self->payload);
    nq_bytes_clear (&self->result);
    nq_free (self->history);
    while (self->subscribers) {
        nq_subscriber_t *s = self->subscribers;
        self->subscribers = s->next;
        nq_bytes_clear (&s->client);
        nq_free (s);
    }
    while (self->chunks) {
        nq_stream_chunk_t *c = self->chunks;
        self->chunks = c->next;
        nq_bytes_clear (&c->data);
        nq_free (c);
    }
    nq_free (self);
    *self_p = NULL;
}

nq_attempt_t *
nq_bjob_attempt_begin (nq_bjob_t *self, const char *worker, const char *instance, uint64_t now_ms)
{
    if (self->history_count == self->history_cap) {
        size_t cap = self->history_cap ? self->history_cap * 2 : 4;
        nq_attempt_t *h = nq_realloc (self->history, cap * sizeof *h);
        if (!h)
            return NULL;
        self->history = h;
        self->history_cap = cap;
    }
    nq_attempt_t *a = &self->history[self->history_count++];
    memset (a, 0, sizeof *a);
    a->attempt = self->attempt;
    snprintf (a->worker, sizeof a->worker, "%s", worker ? worker : "");
    snprintf (a->instance, sizeof a->instance, "%s", instance ? instance : "");
    a->started_ms = now_ms;
    return a;
}

nq_attempt_t *
nq_bjob_attempt_current (nq_bjob_t *self)
{
    return self->history_count ? &self->history[self->history_count - 1] : NULL;
}

nq_subscriber_t *
nq_bjob_subscribe (nq_bjob_t *self, const void *client, size_t client_size, uint64_t request_id)
{
    for (nq_subscriber_t *s = self->subscribers; s; s = s->next)
        if (s->request_id == request_id && s->client.size == client_size
            && memcmp (s->client.data, client, client_size) == 0)
            return s;
    size_t count = 0;
    for (nq_subscriber_t *s = self->subscribers; s; s = s->next)
        count++;
    if (count >= NQ_JOB_MAX_SUBSCRIBERS)
        return NULL;
    nq_subscriber_t *s = nq_calloc (1, sizeof *s);
    if (!s || nq_bytes_set (&s->client, client, client_size)) {
        nq_free (s);
        return NULL;
    }
    s->request_id = request_id;
    //  Appended, so subscribers hear events in the order they joined.
    nq_subscriber_t **tail = &self->subscribers;
    while (*tail)
        tail = &(*tail)->next;
    *tail = s;
    return s;
}

nq_stream_chunk_t *
nq_bjob_keep_chunk (nq_bjob_t *self, uint64_t seq, int restart, const void *data, size_t size, size_t max_bytes)
{
    if (self->chunks_truncated || self->chunk_bytes + size > max_bytes) {
        self->chunks_truncated = 1;
        return NULL;
    }
    nq_stream_chunk_t *c = nq_calloc (1, sizeof *c);
    if (!c || nq_bytes_set (&c->data, data, size)) {
        nq_free (c);
        self->chunks_truncated = 1;
        return NULL;
    }
    c->seq = seq;
    c->restart = restart;
    if (self->chunks_tail)
        self->chunks_tail->next = c;
    else
        self->chunks = c;
    self->chunks_tail = c;
    self->chunk_bytes += size;
    return c;
}

int
nq_bjob_is_terminal (const nq_bjob_t *self)
{
    return self->state >= NQ_JOB_SUCCEEDED;
}
