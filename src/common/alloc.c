/*  alloc.c — allocation wrappers with a failure seam (see alloc.h). */
#include "common/alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_long s_countdown;    //  0 = off; otherwise allocations left before failing
static atomic_int s_sticky;
static atomic_long s_count;
static atomic_long s_failures;

void
nq_alloc_fail_after (long n, int sticky)
{
    atomic_store (&s_sticky, sticky ? 1 : 0);
    atomic_store (&s_countdown, n > 0 ? n : 0);
}

long
nq_alloc_count (void)
{
    return atomic_load (&s_count);
}

long
nq_alloc_failures (void)
{
    return atomic_load (&s_failures);
}

//  Returns 1 when this allocation must fail.
static int
s_should_fail (void)
{
    long left = atomic_load (&s_countdown);
    while (left > 0) {
        if (left == 1) {
            //  This is the failing allocation; keep failing if sticky.
            if (atomic_load (&s_sticky))
                return (atomic_fetch_add (&s_failures, 1), 1);
            if (atomic_compare_exchange_weak (&s_countdown, &left, 0))
                return (atomic_fetch_add (&s_failures, 1), 1);
            continue;
        }
        if (atomic_compare_exchange_weak (&s_countdown, &left, left - 1))
            return 0;
    }
    return 0;
}

void *
nq_malloc (size_t size)
{
    if (s_should_fail ())
        return NULL;
    void *p = malloc (size ? size : 1);
    if (p)
        atomic_fetch_add (&s_count, 1);
    return p;
}

void *
nq_calloc (size_t count, size_t size)
{
    if (s_should_fail ())
        return NULL;
    void *p = calloc (count ? count : 1, size ? size : 1);
    if (p)
        atomic_fetch_add (&s_count, 1);
    return p;
}

void *
nq_realloc (void *ptr, size_t size)
{
    if (s_should_fail ())
        return NULL;
    void *p = realloc (ptr, size ? size : 1);
    if (p)
        atomic_fetch_add (&s_count, 1);
    return p;
}

char *
nq_strndup (const char *s, size_t n)
{
    if (!s)
        return NULL;
    size_t len = strnlen (s, n);
    char *copy = nq_malloc (len + 1);
    if (copy) {
        memcpy (copy, s, len);
        copy[len] = '\0';
    }
    return copy;
}

char *
nq_strdup (const char *s)
{
    return s ? nq_strndup (s, strlen (s)) : NULL;
}

void *
nq_memdup (const void *data, size_t len)
{
    void *copy = nq_malloc (len);
    if (copy && len)
        memcpy (copy, data, len);
    return copy;
}

void
nq_free (void *ptr)
{
    free (ptr);
}
