/*  id.c — UUIDv7 job ids (see id.h). */
#include "common/id.h"

#include "common/errors.h"

#include <openssl/rand.h>
#include <string.h>

void
nq_idgen_init (nq_idgen_t *self, nq_clock_t *clock, uint64_t seed)
{
    memset (self, 0, sizeof *self);
    self->clock = clock;
    self->use_openssl = seed == 0;
    nq_rng_seed (&self->rng, seed ? seed : 1);
}

static const char s_hexdigits[] = "0123456789abcdef";

int
nq_idgen_next (nq_idgen_t *self, char *out)
{
    uint64_t ms = nq_clock_wall_ms (self->clock) & 0xffffffffffffULL;
    if (ms > self->last_ms) {
        self->last_ms = ms;
        self->counter = 0;
    }
    else if (++self->counter > 0xfff) {
        //  Counter exhausted (or the clock went back): borrow the next
        //  millisecond so the order holds.
        self->last_ms++;
        self->counter = 0;
    }
    uint8_t rnd[8];
    if (self->use_openssl) {
        if (RAND_bytes (rnd, sizeof rnd) != 1)
            return NQ_EINTERNAL;
    }
    else {
        uint64_t r = nq_rng_next (&self->rng);
        memcpy (rnd, &r, sizeof rnd);
    }
    uint8_t b[16];
    uint64_t t = self->last_ms;
    for (int i = 0; i < 6; i++)
        b[i] = (uint8_t)(t >> (40 - 8 * i));
    b[6] = (uint8_t)(0x70 | ((self->counter >> 8) & 0x0f));
    b[7] = (uint8_t)(self->counter & 0xff);
    b[8] = (uint8_t)(0x80 | (rnd[0] & 0x3f));
    memcpy (b + 9, rnd + 1, 7);
    char *p = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *p++ = '-';
        *p++ = s_hexdigits[b[i] >> 4];
        *p++ = s_hexdigits[b[i] & 0x0f];
    }
    *p = '\0';
    return 0;
}

int
nq_id_valid (const char *text, size_t len)
{
    if (!text || len != NQ_ID_TEXT_LEN)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return 0;
        }
        else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return 0;
    }
    //  Version 7, RFC 9562 variant (10xx).
    return text[14] == '7' && strchr ("89ab", text[19]) != NULL;
}

uint64_t
nq_id_time_ms (const char *text)
{
    if (!nq_id_valid (text, text ? strlen (text) : 0))
        return 0;
    uint64_t ms = 0;
    for (int i = 0; i < 13; i++) {
        if (i == 8)
            continue;
        char c = text[i];
        ms = (ms << 4) | (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    return ms;
}
