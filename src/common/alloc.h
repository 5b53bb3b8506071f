/*  alloc.h — novaq's one allocation seam.

    Every allocation in novaq goes through these wrappers so that tests can
    make the N-th allocation fail and check that each caller handles it. They
    behave like their libc namesakes: NULL on failure, memory released with
    nq_free. The failure seam is process-wide and thread-safe. */
#ifndef NQ_ALLOC_H
#define NQ_ALLOC_H

#include <stddef.h>

void *nq_malloc (size_t size);
void *nq_calloc (size_t count, size_t size);
void *nq_realloc (void *ptr, size_t size);
/*  Copies of a NUL-terminated string / of at most n bytes of one (always
    NUL-terminated). NULL for a NULL source or on failure. */
char *nq_strdup (const char *s);
char *nq_strndup (const char *s, size_t n);
/*  Copy of len bytes of data (no terminator added). */
void *nq_memdup (const void *data, size_t len);
void nq_free (void *ptr);

/*  Test seam: the n-th allocation from now (1 = the next one) fails, and so
    does every later one while sticky is non-zero; n = 0 turns failures off. */
void nq_alloc_fail_after (long n, int sticky);
/*  Number of successful allocations since the process started. */
long nq_alloc_count (void);
/*  Number of allocations the seam has failed since the process started. */
long nq_alloc_failures (void);

#endif
