/*  protocol_json.h — rendering msgpack values as JSON (jansson).

    REPLY bodies (ADMIN answers, QUERY results) carry a free-form `data`
    value kept as raw msgpack bytes; the CLI prints it as JSON. This
    converter is a decoder like the others: bounded by an nq_limits_t and
    refusing every malformed input with a specific code. */
#ifndef NQ_PROTOCOL_JSON_H
#define NQ_PROTOCOL_JSON_H

#include "common/protocol_limits.h"

#include <jansson.h>
#include <stddef.h>

/*  Converts exactly one msgpack value of size bytes into a new JSON value
    (*out, owned by the caller: json_decref it). Strings must be UTF-8 and
    map keys strings; bin becomes a base64 string; ext values, integers
    outside int64 and non-finite floats are refused. limits NULL means the
    defaults. Returns 0, NQ_EPROTO_TRUNCATED (short input or bytes after
    the value), NQ_EPROTO_TYPE (a non-string key, an ext), NQ_EPROTO_VALUE,
    NQ_EPROTO_UTF8, NQ_EPROTO_TOO_LARGE, NQ_EPROTO_TOO_DEEP or NQ_ENOMEM;
    *out is NULL on failure. */
int nq_msgpack_to_json (const void *data, size_t size, const nq_limits_t *limits, json_t **out);

#endif
