/*  fuzz_proto_json.c — libFuzzer target: nq_msgpack_to_json, the renderer
    of REPLY data. Any input must convert or be refused with a code; what
    converts must dump to JSON text. */
#include "common/protocol_json.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    json_t *json = NULL;
    int rc = nq_msgpack_to_json (data, size, NULL, &json);
    if (rc == 0) {
        char *text = json_dumps (json, JSON_ENCODE_ANY | JSON_COMPACT);
        if (!text)
            abort ();
        free (text);
        json_decref (json);
    }
    else if (json)
        abort ();    //  a refusal leaves nothing behind
    return 0;
}
