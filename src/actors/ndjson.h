/*  ndjson.h — splits a byte stream into NDJSON lines.

    Ollama streams chat and generate replies as newline-delimited JSON; the
    bytes reach us in reads of any size, so a line (and a multi-byte UTF-8
    sequence inside it) may be cut anywhere. The splitter buffers the
    unfinished tail, hands every complete line to a callback, and bounds
    the length of a line so a peer that never sends a newline cannot make
    us grow without limit. It does not parse JSON: the callback does.

    A line is the bytes before '\n', without a trailing '\r'; empty lines
    are skipped. Each delivered line is checked to be valid UTF-8 (a
    sequence split across reads is whole by then). Errors are sticky: after
    one, every later feed returns the same code and delivers nothing. Not
    thread-safe. */
#ifndef NQ_NDJSON_H
#define NQ_NDJSON_H

#include <stddef.h>

typedef struct nq_ndjson_t nq_ndjson_t;

/*  Receives one complete line: line[0..len-1], followed by a NUL, valid only
    during the call. Returns 0 to go on, or a negative NQ_E* code to stop
    splitting (feed then returns that code). */
typedef int (nq_ndjson_line_fn) (void *arg, const char *line, size_t len);

/*  Creates a splitter for lines of at most max_line bytes (0: 1 MiB).
    Returns it, or NULL when out of memory. */
nq_ndjson_t *nq_ndjson_new (size_t max_line, nq_ndjson_line_fn *line_fn, void *arg);

/*  Frees the splitter and nulls *self_p; accepts NULL. */
void nq_ndjson_destroy (nq_ndjson_t **self_p);

/*  Feeds size bytes. Returns 0; NQ_EPROTO_TOO_LARGE when a line grows past
    max_line; NQ_EPROTO_UTF8 when a line is not valid UTF-8; NQ_ENOMEM; or
    the callback's code. */
int nq_ndjson_feed (nq_ndjson_t *self, const void *data, size_t size);

/*  Ends the stream: a last line without its newline is delivered. Returns
    as feed does. */
int nq_ndjson_finish (nq_ndjson_t *self);

/*  Bytes of an unfinished line held now. */
size_t nq_ndjson_pending (const nq_ndjson_t *self);

/*  Lines delivered so far. */
size_t nq_ndjson_lines (const nq_ndjson_t *self);

/*  1 when data[0..len) is valid UTF-8 (no overlongs, surrogates or code
    points past U+10FFFF), else 0. */
int nq_ndjson_utf8_valid (const char *data, size_t len);

#endif
