/*  admission.c — queue limits and retry hints (see admission.h). */
#include "broker/admission.h"

#include "common/alloc.h"
#include "common/errors.h"

#include <assert.h>
#include <czmq.h>
#include <math.h>
#include <stdio.h>

#define S_RATE_WINDOW_MS 5000.0    //  time constant of the drain-rate average

struct nq_admission_t {
    nq_admission_limits_t limits;
    nq_clock_t *clock;
    size_t total;
    size_t per_class[NQ_CLASS__COUNT];
    zhashx_t *tenants;    //  "class/tenant" → size_t count (boxed)
    double rate[NQ_CLASS__COUNT];          //  jobs per second
    uint64_t rate_at[NQ_CLASS__COUNT];     //  last update, ms
    uint64_t refused;
};

void
nq_admission_defaults (nq_admission_limits_t *limits)
{
    assert (limits);
    limits->max_total = 100000;
    limits->max_class[NQ_CLASS_INTERACTIVE] = 10000;
    limits->max_class[NQ_CLASS_STANDARD] = 20000;
    limits->max_class[NQ_CLASS_BULK] = 100000;
    limits->max_tenant = 10000;
    limits->min_retry_ms = 100;
    limits->max_retry_ms = 30000;
}

static void
s_free_count (void **item)
{
    nq_free (*item);
    *item = NULL;
}

nq_admission_t *
nq_admission_new (const nq_admission_limits_t *limits, nq_clock_t *clock)
{
    assert (clock);
    nq_admission_t *self = nq_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    if (limits)
        self->limits = *limits;
    else
        nq_admission_defaults (&self->limits);
    if (self->limits.max_retry_ms < self->limits.min_retry_ms)
        self->limits.max_retry_ms = self->limits.min_retry_ms;
    self->clock = clock;
    self->tenants = zhashx_new ();
    if (!self->tenants) {
        nq_free (self);
        return NULL;
    }
    zhashx_set_destructor (self->tenants, s_free_count);
    uint64_t now = nq_clock_now_ms (clock);
    for (int c = NQ_CLASS__FIRST; c < NQ_CLASS__COUNT; c++)
        self->rate_at[c] = now;
    return self;
}

void
nq_admission_destroy (nq_admission_t **self_p)
{
    assert (self_p);
    nq_admission_t *self = *self_p;
    if (!self)
        return;
    zhashx_destroy (&self->tenants);
    nq_free (self);
    *self_p = NULL;
}

static void
s_key (char *buf, size_t cap, nq_class_t klass, const char *tenant)
{
    snprintf (buf, cap, "%d/%s", (int) klass, tenant ? tenant : "");
}

static size_t *
s_tenant (const nq_admission_t *self, nq_class_t klass, const char *tenant)
{
    char key[512];
    s_key (key, sizeof key, klass, tenant);
    return zhashx_lookup (self->tenants, key);
}

//  Decays the class's drain rate to now and adds n departures.
static void
s_rate_update (nq_admission_t *self, nq_class_t klass, unsigned n)
{
    uint64_t now = nq_clock_now_ms (self->clock);
    double dt = (double) (now - self->rate_at[klass]);
    if (dt > 0) {
        self->rate[klass] *= exp (-dt / S_RATE_WINDOW_MS);
        self->rate_at[klass] = now;
    }
    //  Each departure adds its share to a rate averaged over the window.
    self->rate[klass] += (double) n * 1000.0 / S_RATE_WINDOW_MS;
}

static uint64_t
s_retry_after (nq_admission_t *self, nq_class_t klass, size_t excess)
{
    s_rate_update (self, klass, 0);
    double rate = self->rate[klass];
    double ms = rate > 0.001 ? (double) (excess + 1) * 1000.0 / rate : (double) self->limits.max_retry_ms;
    if (ms < (double) self->limits.min_retry_ms)
        ms = (double) self->limits.min_retry_ms;
    if (ms > (double) self->limits.max_retry_ms)
        ms = (double) self->limits.max_retry_ms;
    return (uint64_t) ms;
}

int
nq_admission_check (nq_admission_t *self, nq_class_t klass, const char *tenant, uint64_t *retry_after_ms,
                    const char **which)
{
    assert (self && klass >= NQ_CLASS__FIRST && klass < NQ_CLASS__COUNT);
    const char *hit = NULL;
    size_t excess = 0;
    size_t *t = s_tenant (self, klass, tenant);
    size_t tenant_count = t ? *t : 0;
    if (self->limits.max_total && self->total >= self->limits.max_total)
        hit = "total", excess = self->total - self->limits.max_total;
    else if (self->limits.max_class[klass] && self->per_class[klass] >= self->limits.max_class[klass])
        hit = "class", excess = self->per_class[klass] - self->limits.max_class[klass];
    else if (self->limits.max_tenant && tenant_count >= self->limits.max_tenant)
        hit = "tenant", excess = tenant_count - self->limits.max_tenant;
    if (!hit)
        return 0;
    self->refused++;
    if (retry_after_ms)
        *retry_after_ms = s_retry_after (self, klass, excess);
    if (which)
        *which = hit;
    return NQ_EOVERLOADED;
}

int
nq_admission_enter (nq_admission_t *self, nq_class_t klass, const char *tenant)
{
    assert (self && klass >= NQ_CLASS__FIRST && klass < NQ_CLASS__COUNT);
    size_t *t = s_tenant (self, klass, tenant);
    if (!t) {
        t = nq_calloc (1, sizeof *t);
        char key[512];
        s_key (key, sizeof key, klass, tenant);
        if (!t || zhashx_insert (self->tenants, key, t) != 0) {
            nq_free (t);
            return NQ_ENOMEM;
        }
    }
    (*t)++;
    self->per_class[klass]++;
    self->total++;
    return 0;
}

void
nq_admission_leave (nq_admission_t *self, nq_class_t klass, const char *tenant, int dispatched)
{
    assert (self && klass >= NQ_CLASS__FIRST && klass < NQ_CLASS__COUNT);
    char key[512];
    s_key (key, sizeof key, klass, tenant);
    size_t *t = zhashx_lookup (self->tenants, key);
    assert (t && *t > 0 && self->per_class[klass] > 0 && self->total > 0);
    if (--*t == 0)
        zhashx_delete (self->tenants, key);
    self->per_class[klass]--;
    self->total--;
    if (dispatched)
        s_rate_update (self, klass, 1);
}

size_t
nq_admission_queued (const nq_admission_t *self)
{
    return self->total;
}

size_t
nq_admission_queued_class (const nq_admission_t *self, nq_class_t klass)
{
    return self->per_class[klass];
}

size_t
nq_admission_queued_tenant (const nq_admission_t *self, nq_class_t klass, const char *tenant)
{
    size_t *t = s_tenant (self, klass, tenant);
    return t ? *t : 0;
}

double
nq_admission_drain_rate (const nq_admission_t *self, nq_class_t klass)
{
    uint64_t now = nq_clock_now_ms (self->clock);
    double dt = (double) (now - self->rate_at[klass]);
    return self->rate[klass] * exp (-dt / S_RATE_WINDOW_MS);
}

uint64_t
nq_admission_refused (const nq_admission_t *self)
{
    return self->refused;
}
