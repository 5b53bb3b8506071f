/*  sim_bench.c — load driver for ollama-sim: concurrent streaming chats and
    embedding requests against a running simulator, through libcurl's multi
    interface (one connection per request), reporting throughput.

    Usage: sim_bench PORT STREAMS EMBEDS
    Prints one line per phase: "chat_streams=N wall_ms=… tokens=… tokens_per_s=…"
    and "embeds=N wall_ms=… requests_per_s=…". Exit 1 when any request failed. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "sim_client.h"

int
main (int argc, char **argv)
{
    if (argc != 4) {
        fprintf (stderr, "usage: sim_bench PORT STREAMS EMBEDS\n");
        return 2;
    }
    int port = atoi (argv[1]), streams = atoi (argv[2]), embeds = atoi (argv[3]);
    if (port <= 0 || streams <= 0 || embeds <= 0)
        return 2;
    curl_global_init (CURL_GLOBAL_DEFAULT);
    nq_sc_raise_nofile ();
    int failed = 0;
    //  warm: load both models so the phases measure serving, not loading
    nq_sc_request (port, "POST", "/api/chat", "{\"model\":\"mistral:instruct\",\"messages\":[]}", 0, NULL);
    nq_sc_request (port, "POST", "/api/embed", "{\"model\":\"all-minilm\",\"input\":\"warm\"}", 0, NULL);

    char (*buf)[160] = calloc ((size_t)streams, sizeof *buf);
    const char **bodies = calloc ((size_t)streams, sizeof *bodies);
    nq_sc_resp_t *r = calloc ((size_t)streams, sizeof *r);
    for (int i = 0; i < streams; i++) {
        snprintf (buf[i], sizeof buf[i],
                  "{\"model\":\"mistral:instruct\",\"messages\":[{\"role\":\"user\",\"content\":"
                  "\"benchmark stream %d asks a question of moderate length\"}]}",
                  i);
        bodies[i] = buf[i];
    }
    long long t0 = nq_h_now_ms ();
    nq_sc_parallel (port, "/api/chat", bodies, streams, r, 120000);
    long long ms = nq_h_now_ms () - t0;
    long long tokens = 0;
    for (int i = 0; i < streams; i++) {
        json_t *lines = nq_sc_lines (r[i].body);
        json_t *last = json_array_get (lines, json_array_size (lines) - 1);
        if (r[i].status != 200 || !json_is_true (json_object_get (last, "done"))) {
            if (failed++ == 0)
                fprintf (stderr, "first failure: status %ld, curl error %d, %zu bytes: %.200s\n", r[i].status,
                         r[i].curl_code, r[i].len, r[i].body ? r[i].body : "");
        }
        tokens += json_integer_value (json_object_get (last, "eval_count"));
        json_decref (lines);
        nq_sc_resp_fini (&r[i]);
    }
    printf ("chat_streams=%d wall_ms=%lld tokens=%lld tokens_per_s=%.0f failed=%d\n", streams, ms, tokens,
            ms > 0 ? (double)tokens * 1000.0 / (double)ms : 0.0, failed);

    //  embeddings in waves of 100 concurrent requests
    const char *eb[100];
    for (int i = 0; i < 100; i++)
        eb[i] = "{\"model\":\"all-minilm\",\"input\":\"a sentence of ordinary length to embed for search\"}";
    nq_sc_resp_t er[100];
    int efailed = 0;
    t0 = nq_h_now_ms ();
    for (int done = 0; done < embeds; done += 100) {
        int n = embeds - done < 100 ? embeds - done : 100;
        nq_sc_parallel (port, "/api/embed", eb, n, er, 120000);
        for (int i = 0; i < n; i++) {
            if (er[i].status != 200)
                efailed++;
            nq_sc_resp_fini (&er[i]);
        }
    }
    ms = nq_h_now_ms () - t0;
    printf ("embeds=%d wall_ms=%lld requests_per_s=%.0f failed=%d\n", embeds, ms,
            ms > 0 ? (double)embeds * 1000.0 / (double)ms : 0.0, efailed);
    free (buf);
    free (bodies);
    free (r);
    curl_global_cleanup ();
    return failed || efailed ? 1 : 0;
}
