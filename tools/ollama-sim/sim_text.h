/*  sim_text.h — ollama-sim's deterministic text and timing model.

    Pure functions, no I/O: a stable 64-bit hash, a token estimate for a
    prompt, the number of tokens a reply has, the reply's words drawn from a
    seeded generator, and the nanosecond timings a model with given rates
    takes. The same seed and input always give the same output, so tests can
    compare two runs and benchmarks are repeatable. */
#ifndef NQ_SIM_TEXT_H
#define NQ_SIM_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "common/rng.h"

/*  FNV-1a over len bytes of data, mixed with seed (splitmix finaliser). */
uint64_t nq_sim_hash (const void *data, size_t len, uint64_t seed);

/*  Tokens a text counts as: about one per four bytes, at least 1 for a
    non-empty text, 0 for an empty one. */
int nq_sim_token_estimate (const char *text, size_t len);

/*  Tokens in a reply to a prompt of prompt_tokens: 8 plus half the prompt
    plus a variation drawn from h, at most 256; num_predict > 0 caps it and
    *hit_limit (may be NULL) is set to 1 when that cap decided the count. */
int nq_sim_reply_tokens (int prompt_tokens, uint64_t h, int num_predict, int *hit_limit);

/*  Writes the text of reply token index (0 = first) into buf (NUL-terminated,
    at most cap bytes) drawing from rng; returns its length. Tokens after the
    first start with a space; the last one (index == count - 1) ends with '.'. */
size_t nq_sim_token_text (nq_rng_t *rng, int index, int count, char *buf, size_t cap);

/*  Simulated durations in nanoseconds for a rate in tokens per second:
    tokens / rate seconds (0 for a rate <= 0 or no tokens). */
uint64_t nq_sim_duration_ns (int tokens, double tokens_per_second);

/*  Formats wall-clock nanoseconds since the epoch as RFC 3339 in UTC with
    trailing zero fractional digits dropped ("2024-01-02T03:04:05.12Z"), the way
    Ollama writes created_at. Returns buf. */
char *nq_sim_rfc3339 (uint64_t wall_ns, char *buf, size_t cap);

#endif
