/*  exitcodes.h — the exit statuses of every novaq command (docs/cli.md). */
#ifndef NQ_EXITCODES_H
#define NQ_EXITCODES_H

enum {
    NQ_EXIT_OK = 0,          //  success
    NQ_EXIT_FAILED = 1,      //  the job failed, or a runtime error
    NQ_EXIT_USAGE = 2,       //  bad command line or configuration
    NQ_EXIT_REJECTED = 3,    //  the job was refused (overloaded, rate limited, unauthorized, …)
    NQ_EXIT_TIMEOUT = 4,     //  the job or the call ran past its deadline
    NQ_EXIT_CANCELLED = 5    //  the job was cancelled
};

#endif
