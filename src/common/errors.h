/*  errors.h — novaq's one table of error codes.

    Fallible calls return 0 or a negative NQ_E* code. Every code has a stable
    wire name (the string that travels in NQP/1 ERROR and FAIL messages) and a
    human description. Local codes (allocation, configuration, protocol
    decoding) map onto the nearest public wire name; their descriptions stay
    specific so logs and tests can tell them apart.

    Add a code by adding one line to NQ_ERROR_LIST; never renumber one. */
#ifndef NQ_ERRORS_H
#define NQ_ERRORS_H

/*  X (NAME, number, "wire_name", "description")  →  NQ_ENAME == -number */
#define NQ_ERROR_LIST(X)                                                                 \
    /* public codes: the wire names of NQP/1 (docs/protocol.md) */                        \
    X (INVALID, 1, "invalid_request", "invalid request")                                  \
    X (UNAUTHORIZED, 2, "unauthorized", "missing or invalid credentials")                 \
    X (FORBIDDEN, 3, "forbidden", "credentials lack the required scope")                  \
    X (RATE_LIMITED, 4, "rate_limited", "rate limit exceeded")                            \
    X (QUOTA, 5, "quota_exceeded", "quota exceeded")                                      \
    X (OVERLOADED, 6, "overloaded", "overloaded, try again later")                        \
    X (UNAVAILABLE, 7, "unavailable", "service unavailable")                              \
    X (NOT_FOUND, 8, "not_found", "not found")                                            \
    X (DEADLINE, 9, "deadline_exceeded", "deadline exceeded")                             \
    X (CANCELLED, 10, "cancelled", "cancelled")                                           \
    X (UPSTREAM_UNAVAILABLE, 11, "upstream_unavailable", "no healthy upstream instance")   \
    X (UPSTREAM_FAILED, 12, "upstream_failed", "upstream call failed")                    \
    X (INTERNAL, 13, "internal", "internal error")                                        \
    /* local codes */                                                                     \
    X (NOMEM, 20, "internal", "out of memory")                                            \
    X (CONFIG, 21, "invalid_request", "invalid configuration")                            \
    X (IO, 22, "internal", "input/output error")                                          \
    X (TIMEOUT, 23, "deadline_exceeded", "timed out")                                     \
    X (CLOSED, 24, "unavailable", "closed or stopped")                                    \
    X (EXISTS, 25, "invalid_request", "already exists")                                   \
    X (AGAIN, 26, "unavailable", "resource temporarily unavailable")                      \
    X (RANGE, 27, "invalid_request", "value out of range")                                \
    X (STALE, 28, "invalid_request", "message from a superseded attempt")                 \
    /* protocol decoding (docs/protocol.md, "Errors") */                                  \
    X (PROTO_TRUNCATED, 40, "invalid_request", "truncated or malformed message")          \
    X (PROTO_TYPE, 41, "invalid_request", "field has the wrong type")                     \
    X (PROTO_TOO_LARGE, 42, "invalid_request", "message, string or array over its limit") \
    X (PROTO_TOO_DEEP, 43, "invalid_request", "nesting deeper than allowed")              \
    X (PROTO_UTF8, 44, "invalid_request", "text is not valid UTF-8")                      \
    X (PROTO_MISSING, 45, "invalid_request", "required field missing")                    \
    X (PROTO_COMMAND, 46, "invalid_request", "unknown command")                           \
    X (PROTO_VERSION, 47, "invalid_request", "unsupported protocol version")              \
    X (PROTO_VALUE, 48, "invalid_request", "field value not allowed")                     \
    X (PROTO_FRAMES, 49, "invalid_request", "wrong number of frames")

typedef enum {
    NQ_OK = 0,
#define NQ_ERROR_ENUM_(name, num, wire, desc) NQ_E##name = -(num),
    NQ_ERROR_LIST (NQ_ERROR_ENUM_)
#undef NQ_ERROR_ENUM_
} nq_error_t;

/*  Returns a static, human description of code (0 gives "ok"; an unknown
    code gives "unknown error"). Never NULL. */
const char *nq_strerror (int code);

/*  Returns the stable wire name of code ("ok" for 0, "internal" for an
    unknown code). Never NULL. */
const char *nq_error_wire (int code);

/*  Returns the symbolic name of code without prefix ("OVERLOADED"), for logs
    and tests. Never NULL. */
const char *nq_error_name (int code);

/*  Maps a wire name to its public code (the first code with that name), or
    NQ_EINTERNAL when the name is unknown. */
int nq_error_from_wire (const char *wire);

#endif
