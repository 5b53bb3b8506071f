/*  fuzz_http_request.c — libFuzzer target: HTTP/1.1 request bytes fed to the
    request parser (src/common/http_request.c) in uneven pieces, as a socket
    delivers them, with small limits. Any input must parse, stop at a message
    boundary, or be refused with a 4xx/5xx status — never crash, leak or read
    out of bounds; a parsed request's accessors must return sane strings. */
#include "common/http_request.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size < 1 || size > 1 << 16)
        return 0;
    //  the first byte picks the piece size, so splits land everywhere
    size_t piece = (size_t)data[0] % 17 + 1;
    const char *at = (const char *)data + 1;
    size_t left = size - 1;
    nq_http_req_t req;
    memset (&req, 0, sizeof req);
    nq_http_parser_t parser;
    int messages = 0;
    nq_http_parser_init (&parser, &req, 512, 1024);
    while (left > 0 && messages < 8) {
        size_t n = left < piece ? left : piece;
        size_t done = nq_http_parser_feed (&parser, at, n);
        if (done > n)
            abort ();
        at += done;
        left -= done;
        if (parser.status) {
            if (parser.status < 400 || parser.status > 599)
                abort ();
            break;
        }
        if (parser.complete) {
            messages++;
            if (strlen (nq_http_req_method (&req)) == 0 || nq_http_req_path (&req)[0] == '\0' ||
                nq_http_req_body_len (&req) > 1024 ||
                strlen (nq_http_req_body (&req)) > nq_http_req_body_len (&req))
                abort ();
            (void)nq_http_req_header (&req, "content-type");
            (void)nq_http_req_query (&req);
            nq_http_parser_init (&parser, &req, 512, 1024);
            continue;
        }
        if (done < n)
            abort ();    //  without completion or error, everything is consumed
    }
    nq_http_req_clear (&req);
    return 0;
}
