/*  catalogue.c — simulated model catalogue. See catalogue.h. */
#include "catalogue.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/alloc.h"
#include "common/errors.h"
#include "sim_text.h"

struct nq_sim_catalogue_t {
    nq_sim_model_t models[NQ_SIM_MAX_MODELS];
    size_t count;
};

static void
s_canonical (const char *name, size_t len, char *out, size_t cap)
{
    //  a tag follows the last ':' after the last '/'
    const char *slash = memrchr (name, '/', len);
    const char *from = slash ? slash : name;
    int has_tag = memchr (from, ':', len - (size_t)(from - name)) != NULL;
    snprintf (out, cap, "%.*s%s", (int)len, name, has_tag ? "" : ":latest");
}

static void
s_defaults (nq_sim_model_t *m)
{
    if (m->kind == NQ_SIM_KIND_EMBED) {
        m->dim = strstr (m->name, "minilm") ? 384 : 768;
        m->tps = 0;
        m->prompt_tps = 4000;
        m->load_ms = 500;
        m->size = strstr (m->name, "minilm") ? 45960996ULL : 274302450ULL;
        snprintf (m->family, sizeof m->family, "bert");
        snprintf (m->parameter_size, sizeof m->parameter_size, strstr (m->name, "minilm") ? "23M" : "137M");
        snprintf (m->quantization, sizeof m->quantization, "F16");
    }
    else {
        m->dim = 4096;
        m->tps = 40;
        m->prompt_tps = 800;
        m->load_ms = 3000;
        m->size = 4113301824ULL;
        snprintf (m->family, sizeof m->family, "llama");
        snprintf (m->parameter_size, sizeof m->parameter_size, "7.2B");
        snprintf (m->quantization, sizeof m->quantization, "Q4_0");
    }
    uint64_t h1 = nq_sim_hash (m->name, strlen (m->name), 1);
    uint64_t h2 = nq_sim_hash (m->name, strlen (m->name), 2);
    uint64_t h3 = nq_sim_hash (m->name, strlen (m->name), 3);
    uint64_t h4 = nq_sim_hash (m->name, strlen (m->name), 4);
    snprintf (m->digest, sizeof m->digest, "%016llx%016llx%016llx%016llx", (unsigned long long)h1,
              (unsigned long long)h2, (unsigned long long)h3, (unsigned long long)h4);
}

static int
s_parse_double (const char *v, double *out)
{
    char *end;
    errno = 0;
    double d = strtod (v, &end);
    if (errno || end == v || *end || d < 0)
        return -1;
    *out = d;
    return 0;
}

static int
s_parse_u64 (const char *v, uint64_t *out)
{
    if (*v == '-')
        return -1;
    char *end;
    errno = 0;
    unsigned long long u = strtoull (v, &end, 10);
    if (errno || end == v || *end)
        return -1;
    *out = u;
    return 0;
}

nq_sim_catalogue_t *
nq_sim_catalogue_new (void)
{
    nq_sim_catalogue_t *self = nq_calloc (1, sizeof *self);
    if (!self)
        return NULL;
    if (nq_sim_catalogue_add (self, "mistral:instruct") != 0 ||
        nq_sim_catalogue_add (self, "all-minilm,kind=embed,dim=384") != 0) {
        nq_sim_catalogue_destroy (&self);
        return NULL;
    }
    return self;
}

void
nq_sim_catalogue_destroy (nq_sim_catalogue_t **self_p)
{
    assert (self_p);
    nq_free (*self_p);
    *self_p = NULL;
}

int
nq_sim_catalogue_add (nq_sim_catalogue_t *self, const char *spec)
{
    assert (self);
    assert (spec);
    size_t name_len = strcspn (spec, ",");
    if (name_len == 0 || name_len >= 100 || strspn (spec, " ") > 0)
        return NQ_EINVALID;
    nq_sim_model_t m;
    memset (&m, 0, sizeof m);
    s_canonical (spec, name_len, m.name, sizeof m.name);
    m.kind = (strstr (m.name, "minilm") || strstr (m.name, "embed") || strstr (m.name, "bge"))
                 ? NQ_SIM_KIND_EMBED
                 : NQ_SIM_KIND_CHAT;
    //  the kind decides the defaults, so find it before the other keys
    const char *kind = strstr (spec + name_len, ",kind=");
    if (kind) {
        const char *v = kind + 6;
        size_t vl = strcspn (v, ",");
        if (vl == 4 && strncmp (v, "chat", 4) == 0)
            m.kind = NQ_SIM_KIND_CHAT;
        else if (vl == 5 && strncmp (v, "embed", 5) == 0)
            m.kind = NQ_SIM_KIND_EMBED;
        else
            return NQ_EINVALID;
    }
    s_defaults (&m);
    const char *at = spec + name_len;
    while (*at == ',') {
        at++;
        char key[32], val[64];
        size_t kl = strcspn (at, "=,");
        if (kl == 0 || kl >= sizeof key || at[kl] != '=')
            return NQ_EINVALID;
        memcpy (key, at, kl);
        key[kl] = 0;
        const char *v = at + kl + 1;
        size_t vl = strcspn (v, ",");
        if (vl == 0 || vl >= sizeof val)
            return NQ_EINVALID;
        memcpy (val, v, vl);
        val[vl] = 0;
        at = v + vl;
        uint64_t u;
        double d;
        if (strcmp (key, "kind") == 0)
            continue;
        else if (strcmp (key, "dim") == 0) {
            if (s_parse_u64 (val, &u) != 0 || u < 1 || u > 65536)
                return NQ_EINVALID;
            m.dim = (int)u;
        }
        else if (strcmp (key, "tps") == 0) {
            if (s_parse_double (val, &d) != 0 || d <= 0)
                return NQ_EINVALID;
            m.tps = d;
        }
        else if (strcmp (key, "prompt_tps") == 0) {
            if (s_parse_double (val, &d) != 0 || d <= 0)
                return NQ_EINVALID;
            m.prompt_tps = d;
        }
        else if (strcmp (key, "load_ms") == 0) {
            if (s_parse_u64 (val, &u) != 0)
                return NQ_EINVALID;
            m.load_ms = u;
        }
        else if (strcmp (key, "size") == 0) {
            if (s_parse_u64 (val, &u) != 0)
                return NQ_EINVALID;
            m.size = u;
        }
        else
            return NQ_EINVALID;
    }
    if (*at)
        return NQ_EINVALID;
    if (m.kind == NQ_SIM_KIND_CHAT && m.tps <= 0)
        m.tps = 40;
    for (size_t i = 0; i < self->count; i++)
        if (strcmp (self->models[i].name, m.name) == 0) {
            m.index = (int)i;
            self->models[i] = m;
            return 0;
        }
    if (self->count == NQ_SIM_MAX_MODELS)
        return NQ_ERANGE;
    m.index = (int)self->count;
    self->models[self->count++] = m;
    return 0;
}

const nq_sim_model_t *
nq_sim_catalogue_find (const nq_sim_catalogue_t *self, const char *name)
{
    assert (self);
    if (!name || !*name || strlen (name) >= 100)
        return NULL;
    char canon[128];
    s_canonical (name, strlen (name), canon, sizeof canon);
    for (size_t i = 0; i < self->count; i++)
        if (strcmp (self->models[i].name, canon) == 0)
            return &self->models[i];
    return NULL;
}

size_t
nq_sim_catalogue_count (const nq_sim_catalogue_t *self)
{
    assert (self);
    return self->count;
}

const nq_sim_model_t *
nq_sim_catalogue_at (const nq_sim_catalogue_t *self, size_t index)
{
    assert (self);
    return index < self->count ? &self->models[index] : NULL;
}
