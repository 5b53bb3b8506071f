/*  catalogue.h — the models ollama-sim knows, with their simulated traits.

    A model has a canonical name with a tag ("all-minilm:latest"), a kind
    (chat models complete and embed; embedding models only embed), an
    embedding dimension, token rates, a load time, a size and the details
    /api/tags shows. Requests name a model with or without its tag; a name
    absent from the catalogue is Ollama's 404.

    A model is added from a spec "NAME[,key=value…]" with keys kind
    (chat|embed), dim, tps (reply tokens/s), prompt_tps, load_ms and size
    (bytes). Unset keys get defaults by kind (embedding when the name contains
    "minilm", "embed" or "bge"). */
#ifndef NQ_SIM_CATALOGUE_H
#define NQ_SIM_CATALOGUE_H

#include <stddef.h>
#include <stdint.h>

#define NQ_SIM_MAX_MODELS 32

typedef enum { NQ_SIM_KIND_CHAT = 0, NQ_SIM_KIND_EMBED = 1 } nq_sim_kind_t;

typedef struct {
    int index;    //  position in the catalogue, for per-model counters
    char name[128];
    nq_sim_kind_t kind;
    int dim;
    double tps;
    double prompt_tps;
    uint64_t load_ms;
    uint64_t size;
    char family[32];
    char parameter_size[16];
    char quantization[16];
    char digest[72];
} nq_sim_model_t;

typedef struct nq_sim_catalogue_t nq_sim_catalogue_t;

/*  Creates a catalogue holding the defaults mistral:instruct and all-minilm.
    NULL on no memory. */
nq_sim_catalogue_t *nq_sim_catalogue_new (void);
void nq_sim_catalogue_destroy (nq_sim_catalogue_t **self_p);

/*  Adds (or, for a name already present, replaces the traits of) the model
    a spec describes. Returns 0, NQ_EINVALID for a bad spec, or NQ_ERANGE when
    the catalogue is full. */
int nq_sim_catalogue_add (nq_sim_catalogue_t *self, const char *spec);

/*  Finds a model by the name a request gives ("x" matches "x:latest").
    Returns a borrowed model or NULL. */
const nq_sim_model_t *nq_sim_catalogue_find (const nq_sim_catalogue_t *self, const char *name);

size_t nq_sim_catalogue_count (const nq_sim_catalogue_t *self);
const nq_sim_model_t *nq_sim_catalogue_at (const nq_sim_catalogue_t *self, size_t index);

#endif
