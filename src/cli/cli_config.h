/* The configuration file: options a team sets once (rules, registry,
 * fail-on, plugin settings, ...), read from --config FILE or, without it,
 * ./.modelgate.json (unless --no-config). Each key is a long option of the
 * command; the file becomes arguments placed before the command line's, so
 * flags given on the command line win (the last value of an option counts;
 * list options such as --set add up, a later --set of the same key wins).
 * docs/configuration.md describes the file. */
#ifndef MG_CLI_CONFIG_H
#define MG_CLI_CONFIG_H

#include <getopt.h>
#include <stddef.h>

#include "base/diag.h"

#define MG_CONFIG_DEFAULT ".modelgate.json"
#define MG_CONFIG_MAX_BYTES (1u << 20)

typedef struct mg_cli_args {
  char **argv; /* argv[0], the file's options, then the command line's */
  int argc;
  char **owned; /* strings made from the file */
  size_t n_owned;
  char *path;   /* the file read, or NULL */
  int own_argv; /* argv was allocated here */
} mg_cli_args;

/* Turns the JSON text of a configuration file (path names it in errors;
 * relative paths in it are taken relative to dir) into "--key=value"
 * arguments appended to out->owned, checking every key against opts:
 * unknown keys (with the nearest option name), keys a file may not set
 * and values of the wrong type are MG_ERR_ARGS. */
int mg_cli_config_parse(const char *text, size_t len, const char *path, const char *dir,
                        const struct option *opts, mg_cli_args *out, mg_err *err);
/* Finds and reads the file for a command's arguments and builds out->argv:
 * argv[0], the file's arguments, argv[1..]. Without a file, out->argv is
 * argv itself. */
int mg_cli_config_load(int argc, char **argv, const struct option *opts, mg_cli_args *out,
                       mg_err *err);
void mg_cli_args_free(mg_cli_args *a);

#endif
