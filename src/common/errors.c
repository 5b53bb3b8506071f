/*  errors.c — lookups over the NQ_ERROR_LIST table (see errors.h). */
#include "common/errors.h"

#include <stddef.h>
#include <string.h>

typedef struct {
    int code;
    const char *name;
    const char *wire;
    const char *desc;
} s_entry_t;

static const s_entry_t s_table[] = {
#define NQ_ERROR_ROW_(name, num, wire, desc) {-(num), #name, wire, desc},
    NQ_ERROR_LIST (NQ_ERROR_ROW_)
#undef NQ_ERROR_ROW_
};

static const s_entry_t *
s_find (int code)
{
    for (size_t i = 0; i < sizeof s_table / sizeof s_table[0]; i++)
        if (s_table[i].code == code)
            return &s_table[i];
    return NULL;
}

const char *
nq_strerror (int code)
{
    if (code == 0)
        return "ok";
    const s_entry_t *e = s_find (code);
    return e ? e->desc : "unknown error";
}

const char *
nq_error_wire (int code)
{
    if (code == 0)
        return "ok";
    const s_entry_t *e = s_find (code);
    return e ? e->wire : "internal";
}

const char *
nq_error_name (int code)
{
    if (code == 0)
        return "OK";
    const s_entry_t *e = s_find (code);
    return e ? e->name : "UNKNOWN";
}

int
nq_error_from_wire (const char *wire)
{
    if (wire)
        for (size_t i = 0; i < sizeof s_table / sizeof s_table[0]; i++)
            if (strcmp (s_table[i].wire, wire) == 0)
                return s_table[i].code;
    return NQ_EINTERNAL;
}
