/*  vector_io.c — golden vector files (see vector_io.h). */
#include "vector_io.h"

#include "common/alloc.h"
#include "common/errors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
s_nibble (int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int
nq_vector_load (nq_vector_t *self, const char *path)
{
    memset (self, 0, sizeof *self);
    FILE *file = fopen (path, "rb");
    if (!file)
        return NQ_EIO;
    fseek (file, 0, SEEK_END);
    long size = ftell (file);
    fseek (file, 0, SEEK_SET);
    char *text = size >= 0 ? nq_malloc ((size_t)size + 1) : NULL;
    if (!text || fread (text, 1, (size_t)size, file) != (size_t)size) {
        nq_free (text);
        fclose (file);
        return NQ_EIO;
    }
    fclose (file);
    text[size] = '\0';
    self->storage = nq_malloc ((size_t)size / 2 + 1);
    if (!self->storage) {
        nq_free (text);
        return NQ_ENOMEM;
    }
    int rc = 0;
    size_t out = 0;
    for (char *line = strtok (text, "\n"); line && rc == 0; line = strtok (NULL, "\n")) {
        size_t len = strlen (line);
        if (len && line[len - 1] == '\r')
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        if (len % 2 || self->count == NQ_WIRE_MAX_FRAMES) {
            rc = NQ_EINVALID;
            break;
        }
        uint8_t *start = self->storage + out;
        for (size_t i = 0; i < len; i += 2) {
            int hi = s_nibble (line[i]), lo = s_nibble (line[i + 1]);
            if (hi < 0 || lo < 0) {
                rc = NQ_EINVALID;
                break;
            }
            self->storage[out++] = (uint8_t)(hi << 4 | lo);
        }
        self->frames[self->count++] = (nq_frame_t){start, len / 2};
    }
    nq_free (text);
    if (rc)
        nq_vector_fini (self);
    return rc;
}

void
nq_vector_fini (nq_vector_t *self)
{
    nq_free (self->storage);
    memset (self, 0, sizeof *self);
}

int
nq_vector_save (const char *path, const char *comment, const nq_wire_t *wire)
{
    FILE *file = fopen (path, "w");
    if (!file)
        return NQ_EIO;
    fprintf (file, "# %s\n", comment);
    for (size_t i = 0; i < wire->count; i++) {
        const uint8_t *p = wire->frames[i].data;
        for (size_t j = 0; j < wire->frames[i].size; j++)
            fprintf (file, "%02x", p[j]);
        fputc ('\n', file);
    }
    return fclose (file) == 0 ? 0 : NQ_EIO;
}

int
nq_vector_save_seed (const char *path, const nq_wire_t *wire)
{
    FILE *file = fopen (path, "wb");
    if (!file)
        return NQ_EIO;
    for (size_t i = 0; i < wire->count; i++) {
        size_t size = wire->frames[i].size > 0xffff ? 0xffff : wire->frames[i].size;
        fputc ((int)(size & 0xff), file);
        fputc ((int)(size >> 8), file);
        fwrite (wire->frames[i].data, 1, size, file);
    }
    return fclose (file) == 0 ? 0 : NQ_EIO;
}
