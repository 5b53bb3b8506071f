/*  protocol_msg.c — NQP/1 message lifetime: init, fini and the arena that
    holds what a decoded (or built) message owns (see protocol.h). */
#include "common/protocol.h"

#include "common/alloc.h"
#include "common/errors.h"
#include "common/protocol_fields.h"

#include <stdalign.h>
#include <stdint.h>
#include <string.h>

typedef nq_arena_block_t s_block_t;

void
nq_msg_init (nq_msg_t *self, nq_cmd_t cmd)
{
    memset (self, 0, sizeof *self);
    self->cmd = cmd;
}

void
nq_msg_fini (nq_msg_t *self)
{
    if (!self)
        return;
    nq_arena_t *arena = self->arena_;
    if (arena) {
        //  The last block in the list holds the arena itself: free it last.
        s_block_t *block = arena->head;
        while (block) {
            s_block_t *next = block->next;
            nq_free (block);
            block = next;
        }
    }
    memset (self, 0, sizeof *self);
}

static s_block_t *
s_block_new (size_t size)
{
    s_block_t *block = nq_malloc (sizeof (s_block_t) + size);
    if (block) {
        block->next = NULL;
        block->size = size;
        block->used = 0;
    }
    return block;
}

int
nq_msg_arena_open_ (nq_msg_t *msg, size_t first, size_t budget)
{
    if (msg->arena_)
        return 0;
    if (first > budget)
        first = budget;
    //  The arena's header and its first block are one allocation.
    s_block_t *block = s_block_new (sizeof (nq_arena_t) + alignof (max_align_t) + first);
    if (!block)
        return NQ_ENOMEM;
    nq_arena_t *arena = (nq_arena_t *)block->data;
    block->used = (sizeof (nq_arena_t) + alignof (max_align_t) - 1) & ~(alignof (max_align_t) - 1);
    arena->head = block;
    arena->budget = budget - first;
    msg->arena_ = arena;
    return 0;
}

void *
nq_msg_arena_alloc_ (nq_msg_t *msg, size_t size, size_t align, int *over)
{
    if (!msg->arena_ && nq_msg_arena_open_ (msg, 0, SIZE_MAX))
        return NULL;
    nq_arena_t *arena = msg->arena_;
    s_block_t *block = arena->head;
    if (block) {
        size_t at = (block->used + align - 1) & ~(align - 1);
        if (at <= block->size && block->size - at >= size) {
            block->used = at + size;
            return block->data + at;
        }
    }
    //  A new block: double the last one, at least what is asked, within budget.
    size_t want = block ? block->size * 2 : 1024;
    if (want < size + align)
        want = size + align;
    if (want > arena->budget)
        want = size + align;
    if (size > SIZE_MAX / 2 || want > arena->budget) {
        if (over)
            *over = 1;
        return NULL;
    }
    s_block_t *fresh = s_block_new (want);
    if (!fresh)
        return NULL;
    arena->budget -= want;
    fresh->next = arena->head;
    arena->head = fresh;
    fresh->used = size;
    return fresh->data;
}

void *
nq_msg_alloc (nq_msg_t *self, size_t size)
{
    return nq_msg_arena_alloc_ (self, size ? size : 1, alignof (max_align_t), NULL);
}

char *
nq_msg_strndup (nq_msg_t *self, const char *s, size_t len)
{
    char *copy = nq_msg_arena_alloc_ (self, len + 1, 1, NULL);
    if (copy) {
        memcpy (copy, s, len);
        copy[len] = '\0';
    }
    return copy;
}

void
nq_wire_fini (nq_wire_t *self)
{
    if (!self)
        return;
    for (size_t i = 0; i < self->count && i < NQ_WIRE_MAX_FRAMES; i++)
        if (self->owned[i])
            nq_free ((void *)self->frames[i].data);
    memset (self, 0, sizeof *self);
}

size_t
nq_wire_size (const nq_wire_t *self)
{
    size_t total = 0;
    for (size_t i = 0; i < self->count; i++)
        total += self->frames[i].size;
    return total;
}
