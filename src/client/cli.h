/*  cli.h — the novaq command-line interface's subcommands.

    Each subcommand is a function taking the arguments after "novaq"
    (argv[0] is the subcommand's own name) and returning an exit status from
    common/exitcodes.h. Every subcommand answers --help. src/main.c holds the
    table that maps names to these functions. */
#ifndef NQ_CLI_H
#define NQ_CLI_H

typedef int (nq_cmd_fn) (int argc, char **argv);

/*  novaq config check [--config FILE] [--json] */
int nq_cmd_config (int argc, char **argv);
/*  novaq submit chat|embed|reflect … */
int nq_cmd_submit (int argc, char **argv);
/*  novaq jobs show|result|watch|cancel ID */
int nq_cmd_jobs (int argc, char **argv);
/*  Operators: novaq dlq list|retry, drain, pause, resume, scale (cmd_admin.c). */
int nq_cmd_dlq (int argc, char **argv);
int nq_cmd_drain (int argc, char **argv);
int nq_cmd_pause (int argc, char **argv);
int nq_cmd_resume (int argc, char **argv);
int nq_cmd_scale (int argc, char **argv);
/*  novaq status [--json] */
int nq_cmd_status (int argc, char **argv);

#endif
