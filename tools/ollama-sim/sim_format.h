/*  sim_format.h — structured output: the reply Ollama gives a request
    whose `format` is "json" or a JSON schema.

    A real model constrained by a schema answers a JSON document of that
    shape; the simulator builds one deterministically from the schema and a
    hash of the request: an object with every property, strings made of
    the simulator's words, numbers inside minimum..maximum, booleans, empty
    arrays, nested objects. `"json"` gives {"response": "…"}. The reply is
    then streamed in pieces like any other, at the model's token rate. */
#ifndef NQ_SIM_FORMAT_H
#define NQ_SIM_FORMAT_H

#include <jansson.h>
#include <stdint.h>

/*  The JSON text (ASCII, nq_malloc'd) answering format, or NULL when format
    is absent, null, or neither "json" nor an object schema (no structure
    is then imposed), or on no memory. */
char *nq_sim_format_text (const json_t *format, uint64_t h);

#endif
