/* `modelgate plugins`: lists the detector plugins found, with version,
 * ABI, needs, ATLAS techniques and checklist controls, and the plugins that
 * were refused with the reason. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "base/paths.h"
#include "host/plugin_load.h"
#include "host/plugin_options.h"

static void usage(FILE *out) {
  fputs("usage: modelgate plugins [--plugins DIR] [-v]\n\n"
        "Lists the detector plugins in DIR (default: the installed plugin directory,\n"
        "or $MODELGATE_PLUGIN_DIR): name, version, plugin ABI, what each needs from a\n"
        "package, the checklist controls it gives evidence for, and the options it\n"
        "takes (--set NAME.KEY=VALUE: default and accepted values). -v adds each\n"
        "option's help, ATLAS techniques and the file each was loaded from. Exit status 2 when a "
        "plugin\n"
        "was refused.\n",
        out);
}

static void print_list(const char *label, const char *const *l) {
  printf("    %-12s", label);
  if (!l || !l[0])
    printf(" -");
  for (size_t i = 0; l && l[i]; i++)
    printf(" %s", l[i]);
  putchar('\n');
}

/* The declared --set options: key, default, what it takes, and (-v) help. */
static void print_options(const mg_loaded_plugin *lp, int verbose) {
  const mg_plugin *d = lp->desc;
  const mg_plugin_option *t = lp->options;
  if (!t) {
    printf("    %-12s (not declared: --set %s.KEY is passed on unchecked)\n", "options", d->name);
    return;
  }
  if (!t[0].key)
    printf("    %-12s -\n", "options");
  for (size_t i = 0; t[i].key; i++) {
    char def[64], exp[160];
    mg_option_default(&t[i], def, sizeof def);
    mg_option_expected(&t[i], exp, sizeof exp);
    printf("    %-12s %s=%s  (%s)\n", i ? "" : "options", t[i].key, def, exp);
    if (verbose)
      printf("    %-12s   %s\n", "", t[i].help);
  }
}

/* Loads and lists the plugins; the caller's exit status. */
static int list_plugins(const char *dir, int verbose) {
  mg_cli_set_verbosity(0); /* refusals are listed below, not warned twice */
  mg_plugin_set set;
  mg_err err;
  mg_err_clear(&err);
  if (mg_plugins_load(mg_paths_plugins(dir), &set, &err)) {
    mg_plugins_unload(&set);
    return mg_cli_error(err.msg);
  }
  printf("plugins in %s (host ABI %d.%d):\n", set.dir, MG_PLUGIN_ABI_MAJOR, MG_PLUGIN_ABI_MINOR);
  for (size_t i = 0; i < set.count; i++) {
    const mg_plugin *d = set.items[i].desc;
    char needs[64];
    mg_plugin_needs_text(d->needs, needs, sizeof needs);
    printf("  %-22s %-8s ABI %u.%u  needs %-22s %s\n", d->name, d->version, d->abi_major,
           d->abi_minor, needs, d->description);
    print_list("controls", d->controls);
    print_options(&set.items[i], verbose);
    if (verbose) {
      print_list("atlas", d->atlas);
      print_list("mitigations", d->mitigations);
      printf("    %-12s %s\n", "file", set.items[i].path);
    }
  }
  for (size_t i = 0; i < set.n_refused; i++)
    printf("  refused %s: %s\n", set.refused[i].path, set.refused[i].reason);
  int status = set.n_refused ? MG_EXIT_ERROR : MG_EXIT_PASS;
  mg_plugins_unload(&set);
  return status;
}

/* The listing runs in a child that leaves with _exit: LeakSanitizer's
 * exit-time scan was seen to crash ("Tracer caught signal 11") in a process
 * that exits right after loading every plugin and the libraries they pull
 * in (OpenBLAS's thread pool among them), as the scan host avoids in
 * mg_host_check. */
int mg_cmd_plugins(int argc, char **argv) {
  static const struct option options[] = {{"plugins", required_argument, NULL, 'p'},
                                          {"verbose", no_argument, NULL, 'v'},
                                          {"help", no_argument, NULL, 'h'},
                                          {NULL, 0, NULL, 0}};
  const char *dir = NULL;
  int verbose = 0, c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "vh", options, NULL)) != -1) {
    if (c == 'p')
      dir = optarg;
    else if (c == 'v')
      verbose = 1;
    else if (c == 'h') {
      usage(stdout);
      return MG_EXIT_PASS;
    } else {
      usage(stderr);
      return MG_EXIT_ERROR;
    }
  }
  if (optind != argc) {
    usage(stderr);
    return MG_EXIT_ERROR;
  }
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0)
    return mg_cli_error("cannot list the plugins: fork failed");
  if (pid == 0) {
    int status = list_plugins(dir, verbose);
    fflush(NULL);
    _exit(status);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return mg_cli_error("cannot list the plugins: waitpid failed");
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  return mg_cli_error("listing the plugins failed: a plugin crashed while loading");
}
