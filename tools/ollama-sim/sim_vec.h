/*  sim_vec.h — ollama-sim's deterministic embedding vectors.

    A vector is derived from a hash of (seed, model, text): a seeded generator
    draws dim components, then the vector is scaled to unit L2 length. The same
    triple always gives the same vector; different texts give unrelated ones. */
#ifndef NQ_SIM_VEC_H
#define NQ_SIM_VEC_H

#include <stddef.h>
#include <stdint.h>

/*  Fills out[0..dim) (dim > 0) with the unit vector for model and len bytes
    of text under seed. */
void nq_sim_vec_fill (uint64_t seed, const char *model, const char *text, size_t len, float *out, int dim);

/*  The L2 norm of v[0..dim), computed in double. */
double nq_sim_vec_norm (const float *v, int dim);

#endif
