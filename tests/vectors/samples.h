/*  samples.h — one sample message per NQP/1 command and payload kind.

    The golden vectors (tests/vectors/<name>.hex) are these messages
    encoded; the vector test, the round-trip tests, the fuzz seeds and the
    codec benchmark all start from them, so there is one definition of
    "a typical message". Samples point at static data: never free them,
    only nq_msg_fini (which releases nothing for a sample). */
#ifndef NQ_SAMPLES_H
#define NQ_SAMPLES_H

#include "common/protocol.h"

/*  Number of samples. */
int nq_sample_count (void);

/*  File name (without .hex) of sample i, e.g. "submit_chat". */
const char *nq_sample_name (int i);

/*  Index of the sample called name, or -1. */
int nq_sample_find (const char *name);

/*  Fills *msg with sample i (nq_msg_init included). */
void nq_sample_build (int i, nq_msg_t *msg);

#endif
