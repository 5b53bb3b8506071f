/*  sim_text.c — deterministic text and timing model. See sim_text.h. */
#include "sim_text.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

//  A small vocabulary: replies read like prose, which helps demos.
static const char *s_words[] = {
    "the",    "model",  "answers", "with",     "a",      "short",     "and",       "clear",
    "reply",  "about",  "your",    "question", "it",     "is",        "simulated", "by",
    "novaq",  "ollama", "sim",     "tokens",   "arrive", "one",       "after",     "another",
    "at",     "steady", "pace",    "queue",    "slots",  "load",      "fleet",     "broker",
    "worker", "actor",  "stream",  "ends",     "when",   "done",      "every",     "request",
    "has",    "its",    "own",     "seed",     "so",     "runs",      "repeat",    "exactly",
    "this",   "text",   "means",   "nothing",  "but",    "looks",     "like",      "words",
    "GPU",    "memory", "context", "window",   "prompt", "embedding", "vector",    "time",
};

uint64_t
nq_sim_hash (const void *data, size_t len, uint64_t seed)
{
    const unsigned char *p = data;
    uint64_t h = 1469598103934665603ULL ^ seed;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    h += 0x9e3779b97f4a7c15ULL;
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
}

int
nq_sim_token_estimate (const char *text, size_t len)
{
    (void)text;
    if (len == 0)
        return 0;
    return (int)((len + 3) / 4);
}

int
nq_sim_reply_tokens (int prompt_tokens, uint64_t h, int num_predict, int *hit_limit)
{
    int n = 8 + prompt_tokens / 2 + (int)(h % 16);
    if (n > 256)
        n = 256;
    int limited = 0;
    if (num_predict > 0 && n >= num_predict) {
        n = num_predict;
        limited = 1;
    }
    if (hit_limit)
        *hit_limit = limited;
    return n;
}

size_t
nq_sim_token_text (nq_rng_t *rng, int index, int count, char *buf, size_t cap)
{
    assert (rng);
    assert (buf && cap > 0);
    const char *word = s_words[nq_rng_below (rng, sizeof s_words / sizeof s_words[0])];
    int n = snprintf (buf, cap, "%s%s%s", index == 0 ? "" : " ", word, index == count - 1 ? "." : "");
    if (n < 0)
        n = 0;
    if ((size_t)n >= cap)
        n = (int)cap - 1;
    //  a reply starts with a capital letter
    if (index == 0 && buf[0] >= 'a' && buf[0] <= 'z')
        buf[0] = (char)(buf[0] - 'a' + 'A');
    return (size_t)n;
}

uint64_t
nq_sim_duration_ns (int tokens, double tokens_per_second)
{
    if (tokens <= 0 || tokens_per_second <= 0)
        return 0;
    return (uint64_t)((double)tokens * 1e9 / tokens_per_second);
}

char *
nq_sim_rfc3339 (uint64_t wall_ns, char *buf, size_t cap)
{
    assert (buf && cap >= 40);
    time_t secs = (time_t)(wall_ns / 1000000000ULL);
    unsigned frac = (unsigned)(wall_ns % 1000000000ULL);
    struct tm tm;
    gmtime_r (&secs, &tm);
    size_t n = strftime (buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    if (frac) {
        char digits[16];
        snprintf (digits, sizeof digits, "%09u", frac);
        size_t d = 9;
        while (d > 0 && digits[d - 1] == '0')
            d--;
        digits[d] = 0;
        n += (size_t)snprintf (buf + n, cap - n, ".%s", digits);
    }
    snprintf (buf + n, cap - n, "Z");
    return buf;
}
