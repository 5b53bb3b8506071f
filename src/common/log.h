/*  log.h — structured logging: one event per line.

    Every line is an event with a stable name and typed fields. In the json
    format (the default when stderr is not a terminal) a line is one JSON
    object: {"ts", "level", "event", "service", ...fields}. In the text format
    (for humans at a terminal) it is "ts LEVEL event key=value ...". Strings are
    escaped so that no input, however hostile, can break a line or the JSON:
    control characters become \uXXXX and invalid UTF-8 becomes U+FFFD.

    Use the macros; fields are built only when the level is enabled:
        NQ_LOG_INFO ("job_accepted", NQ_LS ("job_id", id), NQ_LI ("attempt", n));
    Lines about a job carry job_id, trace_id and correlation_id.
    Thread-safe: each line is written with one write(2) under a lock. */
#ifndef NQ_LOG_H
#define NQ_LOG_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    NQ_LOG_DEBUG = 0,
    NQ_LOG_INFO = 1,
    NQ_LOG_WARN = 2,
    NQ_LOG_ERROR = 3,
    NQ_LOG_OFF = 4
} nq_log_level_t;

typedef enum { NQ_LOG_FORMAT_JSON = 0, NQ_LOG_FORMAT_TEXT = 1 } nq_log_format_t;

typedef enum {
    NQ_LF_NONE = 0,
    NQ_LF_STR,
    NQ_LF_INT,
    NQ_LF_UINT,
    NQ_LF_DOUBLE,
    NQ_LF_BOOL
} nq_log_field_type_t;

typedef struct {
    const char *key;
    nq_log_field_type_t type;
    union {
        const char *s;    //  NULL is written as null
        int64_t i;
        uint64_t u;
        double d;
        int b;
    };
} nq_log_field_t;

/*  Receives each finished line (with its trailing newline). */
typedef void(nq_log_sink_fn) (void *arg, const char *line, size_t len);

/*  Sets the service name carried by every line (copied; at most 63 bytes),
    the minimum level and the format. May be called again at any time. */
void nq_log_init (const char *service, nq_log_level_t level, nq_log_format_t format);
void nq_log_set_level (nq_log_level_t level);
nq_log_level_t nq_log_level (void);
void nq_log_set_format (nq_log_format_t format);

/*  Sends lines to sink instead of stderr (NULL restores stderr). For tests. */
void nq_log_set_sink (nq_log_sink_fn *sink, void *arg);

/*  Parses "debug|info|warn|error|off" (also "warning"); returns 0 and sets
    *level, or NQ_EINVAL-like negative code on an unknown name. */
int nq_log_level_parse (const char *name, nq_log_level_t *level);
const char *nq_log_level_name (nq_log_level_t level);

static inline int
nq_log_enabled (nq_log_level_t level)
{
    return level >= nq_log_level ();
}

/*  Writes one line: event with count fields. Use the macros below. */
void nq_log_emit (nq_log_level_t level, const char *event, const nq_log_field_t *fields, size_t count);

/*  Formats one line into buf (at most cap bytes, always NUL-terminated) in the
    current format without writing it; returns its length. For tests. */
size_t nq_log_format_line (char *buf, size_t cap, nq_log_level_t level, const char *event,
                           const nq_log_field_t *fields, size_t count);

#define NQ_LS(k, v) ((nq_log_field_t){.key = (k), .type = NQ_LF_STR, .s = (v)})
#define NQ_LI(k, v) ((nq_log_field_t){.key = (k), .type = NQ_LF_INT, .i = (int64_t) (v)})
#define NQ_LU(k, v) ((nq_log_field_t){.key = (k), .type = NQ_LF_UINT, .u = (uint64_t) (v)})
#define NQ_LD(k, v) ((nq_log_field_t){.key = (k), .type = NQ_LF_DOUBLE, .d = (double) (v)})
#define NQ_LB(k, v) ((nq_log_field_t){.key = (k), .type = NQ_LF_BOOL, .b = !!(v)})

//  The leading NONE field lets a call carry no fields at all; emit skips it.
#define NQ_LOG(lvl, ev, ...)                                                                  \
    do {                                                                                      \
        if (nq_log_enabled (lvl)) {                                                           \
            const nq_log_field_t nq_log_f_[] = {{.type = NQ_LF_NONE}, __VA_ARGS__};           \
            nq_log_emit ((lvl), (ev), nq_log_f_ + 1, sizeof nq_log_f_ / sizeof nq_log_f_[0] - 1); \
        }                                                                                     \
    } while (0)

#define NQ_LOG_DEBUG(ev, ...) NQ_LOG (NQ_LOG_DEBUG, ev, __VA_ARGS__)
#define NQ_LOG_INFO(ev, ...) NQ_LOG (NQ_LOG_INFO, ev, __VA_ARGS__)
#define NQ_LOG_WARN(ev, ...) NQ_LOG (NQ_LOG_WARN, ev, __VA_ARGS__)
#define NQ_LOG_ERROR(ev, ...) NQ_LOG (NQ_LOG_ERROR, ev, __VA_ARGS__)

#endif
