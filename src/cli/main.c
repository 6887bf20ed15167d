/* modelgate: audits an ML model package before anyone trusts it. This file
 * only dispatches to the subcommands in cli_*.c. */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <modelgate/version.h>

#include "cli.h"
#include "base/diag.h"
#include "base/progress.h"
#include "base/signals.h"

static const struct {
  const char *name;
  int (*run)(int, char **);
  const char *summary;
} commands[] = {
    {"scan", mg_cmd_scan, "unpack, verify and run every detector; write reports"},
    {"verify", mg_cmd_verify, "check package digests against a registry (no detectors)"},
    {"registry", mg_cmd_registry, "add, list or revoke approved artifacts"},
    {"plugins", mg_cmd_plugins, "list the detector plugins found"},
    {"model", mg_cmd_model, "inspect or run an ONNX model with the built-in runtime"},
};

static void usage(FILE *out) {
  fprintf(out, "usage: modelgate COMMAND [OPTIONS] ...\n\ncommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\n'modelgate COMMAND --help' describes a command; see also modelgate(1).\n"
               "Exit status: 0 passed, 1 gate failed, 2 scan could not be completed.\n");
}

void mg_cli_set_verbosity(int level) {
  mg_verbosity = level;
  mg_progress_enabled = level > 0 && isatty(STDERR_FILENO);
}

int mg_cli_error(const char *msg) {
  mg_log_error("%s", msg);
  return MG_EXIT_ERROR;
}

int main(int argc, char **argv) {
  /* Names inside packages are UTF-8; libarchive converts a zip's UTF-8
   * names to the locale's character set and, in the C locale, loses every
   * non-ASCII one. C.UTF-8 makes that conversion the identity; numbers and
   * messages stay in the C locale. */
  setlocale(LC_CTYPE, "C.UTF-8");
  mg_signals_install();
  mg_cli_set_verbosity(1);
  if (argc < 2) {
    usage(stderr);
    return MG_EXIT_ERROR;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return MG_EXIT_PASS;
  }
  if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
    printf("modelgate %s (plugin ABI %d.%d)\n", MG_VERSION_STRING, MG_PLUGIN_ABI_MAJOR,
           MG_PLUGIN_ABI_MINOR);
    return MG_EXIT_PASS;
  }
  for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
    if (!strcmp(argv[1], commands[i].name))
      return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "modelgate: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return MG_EXIT_ERROR;
}
