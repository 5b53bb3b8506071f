/*  cli_common.c — shared pieces of the client commands (see cli_common.h). */
#include "client/cli_common.h"

#include "common/errors.h"
#include "common/exitcodes.h"

#include <stdio.h>
#include <stdlib.h>

int
nq_cli_exit_for (int code)
{
    switch (code) {
    case 0:
        return NQ_EXIT_OK;
    case NQ_EOVERLOADED:
    case NQ_ERATE_LIMITED:
    case NQ_EQUOTA:
    case NQ_EUNAUTHORIZED:
    case NQ_EFORBIDDEN:
        return NQ_EXIT_REJECTED;
    case NQ_EDEADLINE:
    case NQ_ETIMEOUT:
        return NQ_EXIT_TIMEOUT;
    case NQ_ECANCELLED:
        return NQ_EXIT_CANCELLED;
    default:
        return NQ_EXIT_FAILED;
    }
}

json_t *
nq_cli_result_json (const nq_result_t *r)
{
    json_t *o = json_object ();
    json_object_set_new (o, "job_id", json_string (r->job_id));
    json_object_set_new (o, "status", json_string ("succeeded"));
    json_object_set_new (o, "attempt", json_integer (r->attempt));
    if (r->kind)
        json_object_set_new (o, "kind", json_string (nq_kind_name (r->kind)));
    if (r->model_used)
        json_object_set_new (o, "model_used", json_string (r->model_used));
    if (r->instance)
        json_object_set_new (o, "instance", json_string (r->instance));
    json_object_set_new (o, "duration_ms", json_integer ((json_int_t) r->duration_ms));
    if (r->kind == NQ_KIND_CHAT) {
        const nq_chat_result_t *c = &r->body.chat;
        json_object_set_new (o, "text", json_string (c->text ? c->text : ""));
        if (c->done_reason)
            json_object_set_new (o, "done_reason", json_string (c->done_reason));
        json_object_set_new (o, "prompt_eval_count", json_integer ((json_int_t) c->prompt_eval_count));
        json_object_set_new (o, "eval_count", json_integer ((json_int_t) c->eval_count));
        json_object_set_new (o, "total_duration_ns", json_integer ((json_int_t) c->total_duration_ns));
        json_object_set_new (o, "load_duration_ns", json_integer ((json_int_t) c->load_duration_ns));
    }
    else if (r->kind == NQ_KIND_EMBED) {
        const nq_embed_result_t *e = &r->body.embed;
        json_object_set_new (o, "count", json_integer (e->count));
        json_object_set_new (o, "dimensions", json_integer (e->dimensions));
        json_t *vectors = json_array ();
        for (uint32_t i = 0; e->vectors && i < e->count; i++) {
            json_t *v = json_array ();
            for (uint32_t d = 0; d < e->dimensions; d++)
                json_array_append_new (v, json_real (e->vectors[(size_t) i * e->dimensions + d]));
            json_array_append_new (vectors, v);
        }
        json_object_set_new (o, "embeddings", vectors);
    }
    else if (r->kind == NQ_KIND_REFLECT) {
        const nq_reflect_result_t *f = &r->body.reflect;
        if (f->attempted)
            json_object_set_new (o, "attempted", json_string (f->attempted));
        json_object_set_new (o, "aligned", json_boolean (f->aligned));
        json_object_set_new (o, "alignment_score", json_real (f->alignment_score));
        if (f->improvement_notes)
            json_object_set_new (o, "improvement_notes", json_string (f->improvement_notes));
        if (f->self_assessment)
            json_object_set_new (o, "self_assessment", json_string (f->self_assessment));
    }
    return o;
}

uint64_t
nq_cli_duration (const char *option, const char *text)
{
    int64_t ms;
    if (nq_config_parse_duration (text, &ms) != 0 || ms <= 0) {
        fprintf (stderr, "novaq: %s: '%s' is not a duration (e.g. 30s, 500ms, 2m)\n", option, text);
        exit (NQ_EXIT_USAGE);
    }
    return (uint64_t) ms;
}
