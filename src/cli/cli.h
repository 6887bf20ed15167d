/* Subcommands of the modelgate program. Each takes the arguments after its
 * name (argv[0] is the subcommand) and returns the process exit status:
 * 0 passed, 1 gate failed, 2 could not complete (docs/exit-codes.md). */
#ifndef MG_CLI_H
#define MG_CLI_H

#define MG_EXIT_PASS 0
#define MG_EXIT_FAIL 1
#define MG_EXIT_ERROR 2

int mg_cmd_scan(int argc, char **argv);
int mg_cmd_verify(int argc, char **argv);
int mg_cmd_registry(int argc, char **argv);
int mg_cmd_plugins(int argc, char **argv);
int mg_cmd_model(int argc, char **argv);

/* Prints "modelgate: error: <msg>" and returns MG_EXIT_ERROR. */
int mg_cli_error(const char *msg);
/* Applies -q/-v and decides whether progress is drawn. */
void mg_cli_set_verbosity(int level);

#endif
