/*  serve.h — `novaq serve`: the embedded default, a broker and one worker in
    one process. */
#ifndef NQ_SERVE_H
#define NQ_SERVE_H

int nq_serve_main (int argc, char **argv);

#endif
