/*  sim_faults.c — fault settings and their use. See sim_faults.h. */
#include "sim_faults.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "common/errors.h"

void
nq_sim_faults_init (nq_sim_faults_t *self)
{
    assert (self);
    memset (self, 0, sizeof *self);
    snprintf (self->error_message, sizeof self->error_message,
              "an error was encountered while running the model: simulated fault");
    self->exit_code = 3;
}

static int
s_count (json_t *v, int64_t *out)
{
    if (!json_is_integer (v) || json_integer_value (v) < -1)
        return -1;
    *out = json_integer_value (v);
    return 0;
}

int
nq_sim_faults_apply (nq_sim_faults_t *self, json_t *obj, const char **bad_key)
{
    assert (self);
    if (bad_key)
        *bad_key = NULL;
    if (!json_is_object (obj))
        return NQ_EINVALID;
    nq_sim_faults_t f = *self;
    const char *key;
    json_t *v;
    json_object_foreach (obj, key, v)
    {
        int bad = 0;
        if (strcmp (key, "busy") == 0)
            bad = s_count (v, &f.busy);
        else if (strcmp (key, "busy_rate") == 0) {
            bad = !json_is_number (v) || json_number_value (v) < 0 || json_number_value (v) > 1;
            if (!bad)
                f.busy_rate = json_number_value (v);
        }
        else if (strcmp (key, "error") == 0)
            bad = s_count (v, &f.error);
        else if (strcmp (key, "error_after") == 0)
            bad = s_count (v, &f.error_after) || f.error_after < 0;
        else if (strcmp (key, "error_message") == 0) {
            bad = !json_is_string (v) || json_string_length (v) >= sizeof f.error_message;
            if (!bad)
                snprintf (f.error_message, sizeof f.error_message, "%s", json_string_value (v));
        }
        else if (strcmp (key, "hang") == 0)
            bad = s_count (v, &f.hang);
        else if (strcmp (key, "hang_mode") == 0) {
            const char *m = json_string_value (v);
            if (m && strcmp (m, "accept") == 0)
                f.hang_mode = NQ_SIM_HANG_ACCEPT;
            else if (m && strcmp (m, "stream") == 0)
                f.hang_mode = NQ_SIM_HANG_STREAM;
            else
                bad = 1;
        }
        else if (strcmp (key, "hang_after") == 0)
            bad = s_count (v, &f.hang_after) || f.hang_after < 0;
        else if (strcmp (key, "reset") == 0)
            bad = s_count (v, &f.reset);
        else if (strcmp (key, "slow_load_ms") == 0) {
            bad = !json_is_integer (v) || json_integer_value (v) < 0;
            if (!bad)
                f.slow_load_ms = (uint64_t)json_integer_value (v);
        }
        else if (strcmp (key, "exit_after") == 0)
            bad = s_count (v, &f.exit_after) || f.exit_after < 0;
        else if (strcmp (key, "exit_code") == 0) {
            bad = !json_is_integer (v) || json_integer_value (v) < 0 || json_integer_value (v) > 255;
            if (!bad)
                f.exit_code = (int)json_integer_value (v);
        }
        else
            bad = 1;
        if (bad) {
            if (bad_key)
                *bad_key = key;
            return NQ_EINVALID;
        }
    }
    *self = f;
    return 0;
}

json_t *
nq_sim_faults_json (const nq_sim_faults_t *self)
{
    assert (self);
    return json_pack ("{s:I, s:f, s:I, s:I, s:s, s:I, s:s, s:I, s:I, s:I, s:I, s:i}", "busy",
                      (json_int_t)self->busy, "busy_rate", self->busy_rate, "error", (json_int_t)self->error,
                      "error_after", (json_int_t)self->error_after, "error_message", self->error_message,
                      "hang", (json_int_t)self->hang, "hang_mode",
                      self->hang_mode == NQ_SIM_HANG_STREAM ? "stream" : "accept", "hang_after",
                      (json_int_t)self->hang_after, "reset", (json_int_t)self->reset, "slow_load_ms",
                      (json_int_t)self->slow_load_ms, "exit_after", (json_int_t)self->exit_after, "exit_code",
                      self->exit_code);
}

int
nq_sim_faults_take (int64_t *count)
{
    assert (count);
    if (*count == 0)
        return 0;
    if (*count > 0)
        (*count)--;
    return 1;
}

int
nq_sim_faults_take_busy (nq_sim_faults_t *self, nq_rng_t *rng)
{
    assert (self);
    if (nq_sim_faults_take (&self->busy))
        return 1;
    return self->busy_rate > 0 && rng && nq_rng_uniform (rng) < self->busy_rate;
}

int
nq_sim_faults_take_exit (nq_sim_faults_t *self)
{
    assert (self);
    if (self->exit_after <= 0)
        return 0;
    return --self->exit_after == 0;
}
