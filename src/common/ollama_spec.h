/*  ollama_spec.h — the Ollama instances a worker serves, as configured.

    NOVAQ_OLLAMA holds whitespace-separated entries, one per instance:

        name=url[;key=value]…

    for example `gpu0=http://10.0.0.5:11434;slots=2;models=mistral:instruct,all-minilm`.
    Options (each at most once; absent ones take the global defaults, see
    docs/configuration.md):

        slots=N               chat inference actors (Ollama's OLLAMA_NUM_PARALLEL), 0-1024
        embed=N               embedding actors, 0-1024
        reflect=N             reflection actors, 0-1024
        models=a,b            the models served; absent: discovered from /api/tags
        labels=x,y            free labels (shown in logs and status)
        connect_timeout=D     durations ("250ms", "5s", "2m"; 0 = none for total)
        first_byte_timeout=D
        idle_timeout=D
        total_timeout=D

    This file only parses and checks the text (config.c validates the
    setting with it, so `novaq config check` refuses a bad entry with a
    message naming it); src/actors/instance.h turns a spec into a running
    instance with its breaker. Pure functions, no global state. */
#ifndef NQ_OLLAMA_SPEC_H
#define NQ_OLLAMA_SPEC_H

#include <stddef.h>
#include <stdint.h>

#define NQ_OLLAMA_SPEC_MAX 64      //  instances in one list
#define NQ_OLLAMA_SPEC_NAMES 32    //  models or labels of one instance
#define NQ_OLLAMA_SPEC_SLOTS_MAX 1024

typedef struct {
    char name[64];
    char url[512];
    int64_t slots;                 //  -1: the default (NOVAQ_OLLAMA_SLOTS)
    int64_t embed;                 //  -1: NOVAQ_OLLAMA_EMBED_SLOTS
    int64_t reflect;               //  -1: NOVAQ_OLLAMA_REFLECT_SLOTS
    int64_t connect_timeout_ms;    //  -1: the default setting of each
    int64_t first_byte_timeout_ms;
    int64_t idle_timeout_ms;
    int64_t total_timeout_ms;
    int models_set;                              //  models= was given (else: discovered)
    const char *models[NQ_OLLAMA_SPEC_NAMES];    //  point into names_buf
    size_t nmodels;
    const char *labels[NQ_OLLAMA_SPEC_NAMES];
    size_t nlabels;
    char names_buf[2048];
} nq_ollama_spec_t;

typedef struct {
    size_t count;
    nq_ollama_spec_t specs[];
} nq_ollama_specs_t;

/*  Parses text. Returns the list (owned by the caller, free with
    nq_ollama_specs_destroy), or NULL with why set to a message that names
    the faulty entry (or "out of memory"). At least one entry; names are
    1-63 of [A-Za-z0-9_.-] and unique; URLs start with http:// or https://. */
nq_ollama_specs_t *nq_ollama_specs_parse (const char *text, char *why, size_t cap);
void nq_ollama_specs_destroy (nq_ollama_specs_t **self_p);

#endif
