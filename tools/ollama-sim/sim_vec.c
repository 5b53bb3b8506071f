/*  sim_vec.c — deterministic unit vectors. See sim_vec.h. */
#include "sim_vec.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#include "common/rng.h"
#include "sim_text.h"

void
nq_sim_vec_fill (uint64_t seed, const char *model, const char *text, size_t len, float *out, int dim)
{
    assert (model);
    assert (out);
    assert (dim > 0);
    uint64_t h = nq_sim_hash (model, strlen (model), seed);
    h = nq_sim_hash (text, len, h);
    nq_rng_t rng;
    nq_rng_seed (&rng, h);
    double sum = 0;
    for (int i = 0; i < dim; i++) {
        //  a sum of uniforms is close enough to normal for direction sampling
        double x = nq_rng_uniform (&rng) + nq_rng_uniform (&rng) + nq_rng_uniform (&rng) - 1.5;
        out[i] = (float)x;
        sum += x * x;
    }
    double norm = sqrt (sum);
    if (norm == 0) {
        out[0] = 1.0f;
        norm = 1.0;
        for (int i = 1; i < dim; i++)
            out[i] = 0;
        return;
    }
    for (int i = 0; i < dim; i++)
        out[i] = (float)(out[i] / norm);
}

double
nq_sim_vec_norm (const float *v, int dim)
{
    double sum = 0;
    for (int i = 0; i < dim; i++)
        sum += (double)v[i] * (double)v[i];
    return sqrt (sum);
}
