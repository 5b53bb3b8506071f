/*  echo.c — the echo slot actor of `novaq worker --echo`: a worker with no
    GPU, for smoke tests of a deployment's plumbing and for novaq's tests.

    It serves every kind and any model. A chat job is answered with its last
    user message, streamed word by word when the job asks to stream. The
    message may begin with directives (docs/worker.md) that change what the
    actor does:
      !stream=N        send N chunks ("tok0 " … ) instead of the words
      !every=MS        wait MS between chunks (default 10)
      !sleep=MS        wait MS before answering
      !fail=retryable  fail with upstream_failed, retryable
      !fail=fatal      fail with invalid_request, not retryable
      !fail-until=K    fail retryably while the attempt is at most K
    Embed jobs get deterministic unit vectors of 8 dimensions derived from
    each input; reflect jobs a fixed self-assessment naming the input.
    A CANCEL stops the job at once and answers cancelled. */
#include "actors/slot.h"
#include "actors/supervisor.h"
#include "common/alloc.h"
#include "common/errors.h"
#include "common/log.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_EMBED_DIMS 8

enum { S_TICK = 0x300 };

typedef struct {
    nq_slot_state_t slot;           //  the job being served
    const char *text;         //  what to echo (inside job, after directives)
    char text_copy[4096];
    unsigned chunks_left, chunk_total;
    const char *word;         //  next word when streaming the text
    uint64_t every_ms, sleep_ms;
    int fail;                 //  0, 1 retryable, 2 fatal
    uint64_t timer;
    char answer[8192];
    size_t answer_len;
} s_echo_t;

//  Parses leading !key=value directives; returns the rest of the text.
static const char *
s_directives (s_echo_t *E, const char *text, uint32_t attempt)
{
    E->every_ms = 10;
    const char *p = text;
    while (*p == '!') {
        size_t len = strcspn (p, " \n");
        char tok[64];
        snprintf (tok, sizeof tok, "%.*s", (int) (len < sizeof tok - 1 ? len : sizeof tok - 1), p);
        char *eq = strchr (tok, '=');
        const char *val = eq ? eq + 1 : "";
        if (eq)
            *eq = '\0';
        unsigned long n = strtoul (val, NULL, 10);
        if (strcmp (tok, "!stream") == 0)
            E->chunks_left = E->chunk_total = (unsigned) (n > 100000 ? 100000 : n);
        else if (strcmp (tok, "!every") == 0)
            E->every_ms = n;
        else if (strcmp (tok, "!sleep") == 0)
            E->sleep_ms = n;
        else if (strcmp (tok, "!fail") == 0)
            E->fail = strcmp (val, "fatal") == 0 ? 2 : 1;
        else if (strcmp (tok, "!fail-until") == 0 && attempt <= n)
            E->fail = 1;
        p += len;
        while (*p == ' ')
            p++;
    }
    return p;
}

static void
s_finish (s_echo_t *E, const nq_msg_t *last)
{
    if (E->timer)
        nq_actor_timer_cancel (E->slot.actor, E->timer);
    E->timer = 0;
    if (nq_slot_finish (&E->slot, last))
        nq_actor_exit (E->slot.actor, NQ_EXIT_SHUTDOWN);
}

static void
s_fail (s_echo_t *E, int code, const char *message, int retryable)
{
    nq_msg_t m;
    nq_slot_fail_init (&E->slot, &m, code, message, retryable);
    s_finish (E, &m);
}

static void
s_vector (const char *text, float *out)
{
    //  FNV-1a seeds a small generator per dimension; then L2-normalised.
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *) text; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    double norm = 0;
    for (int d = 0; d < S_EMBED_DIMS; d++) {
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 33;
        out[d] = (float) ((double) (h >> 11) / 9007199254740992.0 * 2.0 - 1.0);
        norm += (double) out[d] * out[d];
    }
    norm = sqrt (norm);
    for (int d = 0; d < S_EMBED_DIMS && norm > 0; d++)
        out[d] = (float) (out[d] / norm);
}

static void
s_answer (s_echo_t *E)
{
    const nq_job_t *job = nq_slot_job (&E->slot);
    if (E->fail == 2) {
        s_fail (E, NQ_EINVALID, "the echo worker was asked to fail (fatal)", 0);
        return;
    }
    if (E->fail == 1) {
        s_fail (E, NQ_EUPSTREAM_FAILED, "the echo worker was asked to fail (retryable)", 1);
        return;
    }
    nq_msg_t m;
    nq_msg_init (&m, NQ_CMD_W_RESULT);
    nq_slot_result_fill (&E->slot, &m);
    nq_result_t *r = &m.u.result;
    float *vectors = NULL;
    char attempted[512];
    if (job->kind == NQ_KIND_CHAT) {
        r->body.chat.text = E->chunk_total ? E->answer : E->text;
        r->body.chat.done_reason = "stop";
        r->body.chat.prompt_eval_count = strlen (E->text_copy) / 4 + 1;
        r->body.chat.eval_count = E->chunk_total ? E->chunk_total : strlen (E->text) / 4 + 1;
    }
    else if (job->kind == NQ_KIND_EMBED) {
        size_t n = job->payload.embed.inputs_count;
        vectors = nq_calloc (n ? n : 1, S_EMBED_DIMS * sizeof (float));
        if (!vectors) {
            s_fail (E, NQ_ENOMEM, "out of memory", 1);
            return;
        }
        for (size_t i = 0; i < n; i++)
            s_vector (job->payload.embed.inputs[i], vectors + i * S_EMBED_DIMS);
        r->body.embed.count = (uint32_t) n;
        r->body.embed.dimensions = S_EMBED_DIMS;
        r->body.embed.vectors = vectors;
    }
    else {
        snprintf (attempted, sizeof attempted, "to answer: %.400s", job->payload.reflect.input ? job->payload.reflect.input : "");
        r->body.reflect.attempted = attempted;
        r->body.reflect.aligned = true;
        r->body.reflect.alignment_score = 0.9;
        r->body.reflect.improvement_notes = "none (echo worker)";
    }
    s_finish (E, &m);
    nq_free (vectors);
}

//  The next piece of a stream, or the answer when the stream is done.
static void
s_step (s_echo_t *E)
{
    const nq_job_t *job = nq_slot_job (&E->slot);
    //  A failure comes before any output, as an upstream error before the
    //  first token would.
    int streaming = !E->fail && job->kind == NQ_KIND_CHAT && (E->chunk_total || job->payload.chat.stream);
    char piece[512];
    int have = 0;
    if (streaming && E->chunk_total && E->chunks_left) {
        snprintf (piece, sizeof piece, "tok%u ", E->chunk_total - E->chunks_left);
        E->chunks_left--;
        have = 1;
    }
    else if (streaming && !E->chunk_total && E->word && *E->word) {
        size_t len = strcspn (E->word, " ");
        size_t take = len + (E->word[len] == ' ');
        snprintf (piece, sizeof piece, "%.*s", (int) (take < sizeof piece - 1 ? take : sizeof piece - 1), E->word);
        E->word += take;
        have = 1;
    }
    if (have) {
        if (E->chunk_total && E->answer_len + strlen (piece) < sizeof E->answer) {
            memcpy (E->answer + E->answer_len, piece, strlen (piece) + 1);
            E->answer_len += strlen (piece);
        }
        nq_slot_chunk (&E->slot, piece);
        E->timer = nq_actor_timer_start (E->slot.actor, E->every_ms, 0, S_TICK);
        return;
    }
    if (E->sleep_ms) {
        uint64_t ms = E->sleep_ms;
        E->sleep_ms = 0;
        E->timer = nq_actor_timer_start (E->slot.actor, ms, 0, S_TICK);
        return;
    }
    s_answer (E);
}

//  The job the slot has just taken.
static void
s_begin (s_echo_t *E)
{
    E->chunks_left = E->chunk_total = 0;
    E->sleep_ms = 0;
    E->fail = 0;
    E->answer[0] = '\0';
    E->answer_len = 0;
    const nq_job_t *job = nq_slot_job (&E->slot);
    const char *text = "";
    if (job->kind == NQ_KIND_CHAT && job->payload.chat.messages_count)
        text = job->payload.chat.messages[job->payload.chat.messages_count - 1].content;
    else if (job->kind == NQ_KIND_REFLECT && job->payload.reflect.input)
        text = job->payload.reflect.input;
    snprintf (E->text_copy, sizeof E->text_copy, "%s", text ? text : "");
    E->text = s_directives (E, E->text_copy, E->slot.job->u.job.attempt);
    E->word = E->text;
    s_step (E);
}

static int
s_handle (nq_actor_t *self, nq_mail_t *mail)
{
    s_echo_t *E = nq_actor_state (self);
    switch (mail->type) {
    case NQ_LINK_JOB:
        if (nq_slot_take (&E->slot, mail, 0) == 0)
            s_begin (E);
        break;
    case NQ_LINK_CANCEL: {
        const nq_link_cancel_t *c = (const void *) mail->data;
        if (nq_slot_is (&E->slot, c)) {
            NQ_LOG_INFO ("job_cancelled", NQ_LS ("job_id", c->job_id), NQ_LU ("attempt", c->attempt));
            s_fail (E, NQ_ECANCELLED, "cancelled", 0);
        }
        break;
    }
    case S_TICK:
        E->timer = 0;
        if (E->slot.job)
            s_step (E);
        break;
    case NQ_MSG_STOP:
        nq_slot_stop (&E->slot, mail->reason);
        break;
    default:
        break;
    }
    return 0;
}

static int
s_init (nq_actor_t *self, void *arg)
{
    s_echo_t *E = nq_calloc (1, sizeof *E);
    if (!E)
        return NQ_ENOMEM;
    nq_slot_init (&E->slot, self, arg);
    nq_actor_set_state (self, E);
    return nq_slot_register (&E->slot);
}

static void
s_fini (nq_actor_t *self)
{
    s_echo_t *E = nq_actor_state (self);
    if (!E)
        return;
    nq_slot_fini (&E->slot);
    nq_free (E);
}

int
nq_echo_start (nq_runtime_t *rt, nq_actor_t *parent, void *arg, nq_actor_t **child_p)
{
    static const nq_actor_def_t def = {"echo", s_init, s_handle, NULL, s_fini, 1};
    nq_spawn_opts_t opts = {.loop = nq_actor_loop_index (parent), .parent = parent};
    return nq_actor_spawn (rt, &def, arg, &opts, child_p);
}
