/*  sched.c — class shares by stride scheduling, queues in turn, tenants by
    deficit round robin (see sched.h). */
#include "broker/sched.h"

#include "common/alloc.h"
#include "common/errors.h"

#include <assert.h>
#include <czmq.h>
#include <string.h>

#define S_STRIDE_ONE (1u << 24)    //  pass advance of a class with weight 1

typedef struct s_subq_t s_subq_t;
typedef struct s_queue_t s_queue_t;

struct s_sched_tenant_t {
    char *name;
    s_subq_t *subq;
    nq_sched_entry_t *head, *tail;    //  FIFO
    size_t count;
    uint64_t deficit;
    int in_turn;                      //  has this turn's quantum
    s_sched_tenant_t *prev, *next;    //  ring of tenants with jobs
};

//  The jobs of one class in one queue.
struct s_subq_t {
    s_queue_t *queue;
    nq_class_t klass;
    zhashx_t *tenants;            //  name → s_sched_tenant_t
    s_sched_tenant_t *ring;       //  the tenant whose turn it is
    size_t count;
    s_subq_t *prev, *next;        //  ring of the class's queues with jobs
};

struct s_queue_t {
    char *key;
    s_subq_t *sub[NQ_CLASS__COUNT];
    size_t count;
    int paused;
};

struct nq_sched_t {
    nq_sched_config_t config;
    zhashx_t *queues;                      //  key → s_queue_t
    s_subq_t *ring[NQ_CLASS__COUNT];       //  next queue to try, per class
    size_t class_count[NQ_CLASS__COUNT];
    uint64_t pass[NQ_CLASS__COUNT];
    uint64_t stride[NQ_CLASS__COUNT];
    uint64_t vtime;                        //  pass of the last class chosen
    size_t total;
    char *last_key;
    size_t last_key_cap;
};

int
nq_class_parse (const char *name)
{
    for (int i = NQ_CLASS__FIRST; name && i < NQ_CLASS__COUNT; i++)
        if (strcmp (name, nq_class_name ((nq_class_t) i)) == 0)
            return i;
    return -1;
}

void
nq_sched_config_defaults (nq_sched_config_t *config)
{
    assert (config);
    config->weight[NQ_CLASS_INTERACTIVE] = 70;
    config->weight[NQ_CLASS_STANDARD] = 20;
    config->weight[NQ_CLASS_BULK] = 10;
    config->quantum = 1;
}

nq_sched_t *
nq_sched_new (const nq_sched_config_t *config)
{
    nq_sched_config_t defaults;
    if (!config) {
        nq_sched_config_defaults (&defaults);
        config = &defaults;
    }
    if (config->quantum == 0)
        return NULL;
    for (int c = NQ_CLASS__FIRST; c < NQ_CLASS__COUNT; c++)
        if (config->weight[c] == 0)
            return NULL;
    nq_sched_t *self = nq_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->config = *config;
    for (int c = NQ_CLASS__FIRST; c < NQ_CLASS__COUNT; c++)
        self->stride[c] = S_STRIDE_ONE / config->weight[c];
    self->queues = zhashx_new ();
    if (!self->queues) {
        nq_free (self);
        return NULL;
    }
    return self;
}

static void s_tenant_free (s_sched_tenant_t *tenant);

static void
s_subq_free (s_subq_t *subq)
{
    if (!subq)
        return;
    s_sched_tenant_t *t = zhashx_first (subq->tenants);
    while (t) {
        for (nq_sched_entry_t *e = t->head; e;) {
            nq_sched_entry_t *next = e->next;
            e->prev = e->next = NULL;
            e->tenant = NULL;
            e = next;
        }
        s_tenant_free (t);
        t = zhashx_next (subq->tenants);
    }
    zhashx_destroy (&subq->tenants);
    nq_free (subq);
}

static void
s_queue_free (s_queue_t *queue)
{
    for (int c = NQ_CLASS__FIRST; c < NQ_CLASS__COUNT; c++)
        s_subq_free (queue->sub[c]);
    nq_free (queue->key);
    nq_free (queue);
}

void
nq_sched_destroy (nq_sched_t **self_p)
{
    assert (self_p);
    nq_sched_t *self = *self_p;
    if (!self)
        return;
    for (s_queue_t *q = zhashx_first (self->queues); q; q = zhashx_next (self->queues))
        s_queue_free (q);
    zhashx_destroy (&self->queues);
    nq_free (self->last_key);
    nq_free (self);
    *self_p = NULL;
}

static void
s_tenant_free (s_sched_tenant_t *tenant)
{
    nq_free (tenant->name);
    nq_free (tenant);
}

//  --------------------------------------------------------------------------
//  Rings (circular doubly linked lists with a cursor)

#define S_RING_INSERT_BEFORE(cursor, item)                  \
    do {                                                    \
        if (!(cursor)) {                                    \
            (item)->prev = (item)->next = (item);           \
            (cursor) = (item);                              \
        }                                                   \
        else {                                              \
            (item)->next = (cursor);                        \
            (item)->prev = (cursor)->prev;                  \
            (cursor)->prev->next = (item);                  \
            (cursor)->prev = (item);                        \
        }                                                   \
    } while (0)

#define S_RING_REMOVE(cursor, item)                                         \
    do {                                                                    \
        if ((item)->next == (item))                                         \
            (cursor) = NULL;                                                \
        else {                                                              \
            (item)->prev->next = (item)->next;                              \
            (item)->next->prev = (item)->prev;                              \
            if ((cursor) == (item))                                         \
                (cursor) = (item)->next;                                    \
        }                                                                   \
        (item)->prev = (item)->next = NULL;                                 \
    } while (0)

//  --------------------------------------------------------------------------

static s_queue_t *
s_queue_get (nq_sched_t *self, const char *key, int create)
{
    s_queue_t *queue = zhashx_lookup (self->queues, key);
    if (queue || !create)
        return queue;
    queue = nq_calloc (1, sizeof *queue);
    if (!queue)
        return NULL;
    queue->key = nq_strdup (key);
    if (!queue->key || zhashx_insert (self->queues, key, queue) != 0) {
        nq_free (queue->key);
        nq_free (queue);
        return NULL;
    }
    return queue;
}

static void
s_queue_maybe_drop (nq_sched_t *self, s_queue_t *queue)
{
    if (queue->count == 0 && !queue->paused) {
        zhashx_delete (self->queues, queue->key);
        s_queue_free (queue);
    }
}

static s_subq_t *
s_subq_get (s_queue_t *queue, nq_class_t klass)
{
    if (queue->sub[klass])
        return queue->sub[klass];
    s_subq_t *subq = nq_calloc (1, sizeof *subq);
    if (!subq)
        return NULL;
    subq->tenants = zhashx_new ();
    if (!subq->tenants) {
        nq_free (subq);
        return NULL;
    }
    subq->queue = queue;
    subq->klass = klass;
    queue->sub[klass] = subq;
    return subq;
}

static s_sched_tenant_t *
s_tenant_get (s_subq_t *subq, const char *name)
{
    s_sched_tenant_t *t = zhashx_lookup (subq->tenants, name);
    if (t)
        return t;
    t = nq_calloc (1, sizeof *t);
    if (!t)
        return NULL;
    t->name = nq_strdup (name);
    t->subq = subq;
    if (!t->name || zhashx_insert (subq->tenants, name, t) != 0) {
        s_tenant_free (t);
        return NULL;
    }
    return t;
}

//  The class had nothing queued: it rejoins at the current virtual time, so
//  idle time earns it no burst of catch-up dispatches.
static void
s_class_rejoin (nq_sched_t *self, nq_class_t klass)
{
    if (self->pass[klass] < self->vtime)
        self->pass[klass] = self->vtime;
}

static int
s_push (nq_sched_t *self, nq_sched_entry_t *entry, const char *key, nq_class_t klass, const char *tenant_name,
        uint32_t cost, uint64_t now_ms, int front)
{
    assert (self && entry && key && tenant_name && klass >= NQ_CLASS__FIRST && klass < NQ_CLASS__COUNT);
    if (entry->tenant)
        return NQ_EINVALID;
    s_queue_t *queue = s_queue_get (self, key, 1);
    if (!queue)
        return NQ_ENOMEM;
    s_subq_t *subq = s_subq_get (queue, klass);
    s_sched_tenant_t *t = subq ? s_tenant_get (subq, tenant_name) : NULL;
    if (!t) {
        if (subq && subq->count == 0) {
            queue->sub[klass] = NULL;
            s_subq_free (subq);
        }
        s_queue_maybe_drop (self, queue);
        return NQ_ENOMEM;
    }
    entry->cost = cost ? cost : 1;
    entry->enqueued_ms = now_ms;
    entry->tenant = t;
    if (front) {
        entry->prev = NULL;
        entry->next = t->head;
        if (t->head)
            t->head->prev = entry;
        else
            t->tail = entry;
        t->head = entry;
    }
    else {
        entry->next = NULL;
        entry->prev = t->tail;
        if (t->tail)
            t->tail->next = entry;
        else
            t->head = entry;
        t->tail = entry;
    }
    if (t->count++ == 0) {
        t->deficit = 0;
        t->in_turn = 0;
        //  A tenant that arrives waits for the current turn to finish: it
        //  joins the ring just before the cursor, i.e. at the end of the round.
        S_RING_INSERT_BEFORE (subq->ring, t);
    }
    if (subq->count++ == 0)
        S_RING_INSERT_BEFORE (self->ring[klass], subq);
    queue->count++;
    if (self->class_count[klass]++ == 0)
        s_class_rejoin (self, klass);
    self->total++;
    return 0;
}

int
nq_sched_push (nq_sched_t *self, nq_sched_entry_t *entry, const char *queue_key, nq_class_t klass,
               const char *tenant, uint32_t cost, uint64_t now_ms)
{
    return s_push (self, entry, queue_key, klass, tenant, cost, now_ms, 0);
}

int
nq_sched_push_front (nq_sched_t *self, nq_sched_entry_t *entry, const char *queue_key, nq_class_t klass,
                     const char *tenant, uint32_t cost, uint64_t now_ms)
{
    return s_push (self, entry, queue_key, klass, tenant, cost, now_ms, 1);
}

//  Unlinks entry from its tenant and drops whatever became empty.
static void
s_unlink (nq_sched_t *self, nq_sched_entry_t *entry)
{
    s_sched_tenant_t *t = entry->tenant;
    s_subq_t *subq = t->subq;
    s_queue_t *queue = subq->queue;
    nq_class_t klass = subq->klass;
    if (entry->prev)
        entry->prev->next = entry->next;
    else
        t->head = entry->next;
    if (entry->next)
        entry->next->prev = entry->prev;
    else
        t->tail = entry->prev;
    entry->prev = entry->next = NULL;
    entry->tenant = NULL;
    self->total--;
    self->class_count[klass]--;
    queue->count--;
    subq->count--;
    if (--t->count == 0) {
        S_RING_REMOVE (subq->ring, t);
        zhashx_delete (subq->tenants, t->name);
        s_tenant_free (t);
    }
    if (subq->count == 0) {
        S_RING_REMOVE (self->ring[klass], subq);
        queue->sub[klass] = NULL;
        s_subq_free (subq);
        s_queue_maybe_drop (self, queue);
    }
}

int
nq_sched_remove (nq_sched_t *self, nq_sched_entry_t *entry)
{
    assert (self && entry);
    if (!entry->tenant)
        return NQ_ENOT_FOUND;
    s_unlink (self, entry);
    return 0;
}

//  Deficit round robin inside one (queue, class): returns the entry to serve.
static nq_sched_entry_t *
s_drr_pick (nq_sched_t *self, s_subq_t *subq)
{
    for (;;) {
        s_sched_tenant_t *t = subq->ring;
        if (!t->in_turn) {
            t->deficit += self->config.quantum;
            t->in_turn = 1;
        }
        nq_sched_entry_t *e = t->head;
        if (e->cost <= t->deficit) {
            t->deficit -= e->cost;
            //  The turn ends when the credit left cannot pay for the next job.
            if (!e->next || e->next->cost > t->deficit) {
                t->in_turn = 0;
                subq->ring = t->next;
            }
            if (!e->next)
                t->deficit = 0;    //  an emptied tenant keeps no credit
            return e;
        }
        t->in_turn = 0;
        subq->ring = t->next;
    }
}

static void
s_remember_key (nq_sched_t *self, const char *key)
{
    size_t len = strlen (key) + 1;
    if (len > self->last_key_cap) {
        char *grown = nq_realloc (self->last_key, len);
        if (!grown)
            return;
        self->last_key = grown;
        self->last_key_cap = len;
    }
    memcpy (self->last_key, key, len);
}

nq_sched_entry_t *
nq_sched_pop (nq_sched_t *self, nq_sched_eligible_fn *eligible, void *arg, const char **queue_key_p,
              nq_class_t *klass_p)
{
    assert (self);
    //  Classes in order of pass (ties: interactive first); the first one
    //  with an eligible queue wins.
    enum { S_N = NQ_CLASS__COUNT - NQ_CLASS__FIRST };
    int order[S_N];
    for (int i = 0; i < S_N; i++)
        order[i] = NQ_CLASS__FIRST + i;
    for (int i = 1; i < S_N; i++)
        for (int j = i; j > 0 && self->pass[order[j]] < self->pass[order[j - 1]]; j--) {
            int tmp = order[j];
            order[j] = order[j - 1];
            order[j - 1] = tmp;
        }
    for (int i = 0; i < S_N; i++) {
        nq_class_t c = (nq_class_t) order[i];
        if (self->class_count[c] == 0)
            continue;
        s_subq_t *start = self->ring[c];
        s_subq_t *subq = start;
        do {
            if (!subq->queue->paused && (!eligible || eligible (arg, subq->queue->key))) {
                //  A class held back by ineligibility keeps at most one
                //  stride of lag, so it cannot burst when it becomes eligible.
                if (self->pass[c] + self->stride[c] < self->vtime)
                    self->pass[c] = self->vtime - self->stride[c];
                if (self->pass[c] > self->vtime)
                    self->vtime = self->pass[c];
                self->pass[c] += self->stride[c];
                self->ring[c] = subq->next;    //  queues take turns
                nq_sched_entry_t *e = s_drr_pick (self, subq);
                s_remember_key (self, subq->queue->key);
                s_unlink (self, e);
                if (queue_key_p)
                    *queue_key_p = self->last_key;
                if (klass_p)
                    *klass_p = c;
                return e;
            }
            subq = subq->next;
        } while (subq != start);
    }
    return NULL;
}

int
nq_sched_pause (nq_sched_t *self, const char *queue_key, int paused)
{
    assert (self && queue_key);
    s_queue_t *queue = s_queue_get (self, queue_key, paused);
    if (!queue)
        return paused ? NQ_ENOMEM : 0;
    queue->paused = paused ? 1 : 0;
    s_queue_maybe_drop (self, queue);
    return 0;
}

int
nq_sched_is_paused (const nq_sched_t *self, const char *queue_key)
{
    s_queue_t *queue = zhashx_lookup (self->queues, queue_key);
    return queue ? queue->paused : 0;
}

size_t
nq_sched_size (const nq_sched_t *self)
{
    return self->total;
}

size_t
nq_sched_class_size (const nq_sched_t *self, nq_class_t klass)
{
    assert (klass >= NQ_CLASS__FIRST && klass < NQ_CLASS__COUNT);
    return self->class_count[klass];
}

size_t
nq_sched_tenant_size (const nq_sched_t *self, const char *queue_key, nq_class_t klass, const char *tenant)
{
    s_queue_t *queue = zhashx_lookup (self->queues, queue_key);
    if (!queue || klass < NQ_CLASS__FIRST || klass >= NQ_CLASS__COUNT || !queue->sub[klass])
        return 0;
    s_sched_tenant_t *t = zhashx_lookup (queue->sub[klass]->tenants, tenant);
    return t ? t->count : 0;
}

//  The enqueue time of subq's oldest job, or UINT64_MAX when it has none: the
//  ring holds the tenants with jobs, and each one's head is its oldest.
static uint64_t
s_subq_oldest (const s_subq_t *subq)
{
    uint64_t oldest = UINT64_MAX;
    const s_sched_tenant_t *first = subq->ring, *t = first;
    if (t)
        do {
            if (t->head && t->head->enqueued_ms < oldest)
                oldest = t->head->enqueued_ms;
            t = t->next;
        } while (t != first);
    return oldest;
}

uint64_t
nq_sched_oldest (const nq_sched_t *self, const char *queue_key, nq_class_t klass)
{
    s_queue_t *queue = zhashx_lookup (self->queues, queue_key);
    if (!queue || klass < NQ_CLASS__FIRST || klass >= NQ_CLASS__COUNT || !queue->sub[klass])
        return 0;
    uint64_t oldest = s_subq_oldest (queue->sub[klass]);
    return oldest == UINT64_MAX ? 0 : oldest;
}

void
nq_sched_visit (const nq_sched_t *self, nq_sched_visit_fn *fn, void *arg)
{
    assert (self && fn);
    //  zhashx iteration mutates a cursor; the scheduler's content does not change.
    zhashx_t *queues = self->queues;
    for (s_queue_t *q = zhashx_first (queues); q; q = zhashx_next (queues))
        for (int c = NQ_CLASS__FIRST; c < NQ_CLASS__COUNT; c++) {
            s_subq_t *subq = q->sub[c];
            if (!subq)
                continue;
            fn (arg, q->key, (nq_class_t) c, subq->count, s_subq_oldest (subq), q->paused);
        }
}
