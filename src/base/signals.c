/* Interrupt flag and the list of workspaces to remove at exit. */
#include "config.h"

#include "signals.h"

#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t caught;
static char *roots[8];
static pid_t owner;

static void on_signal(int sig) {
  if (caught) {
    /* A second signal: the user insists. Leave without unwinding; the
     * atexit hook does not run after _Exit, so clean up what we can. */
    signal(sig, SIG_DFL);
    raise(sig);
  }
  caught = sig;
}

void mg_signals_install(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  /* No SA_RESTART: blocking reads return EINTR so loops see the flag. */
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  owner = getpid();
  atexit(mg_signals_cleanup);
}

int mg_interrupted(void) {
  return caught;
}

void mg_signals_register_workspace(const char *root) {
  if (!owner)
    owner = getpid();
  for (size_t i = 0; i < sizeof roots / sizeof *roots; i++)
    if (!roots[i]) {
      roots[i] = strdup(root);
      return;
    }
}

void mg_signals_unregister_workspace(const char *root) {
  for (size_t i = 0; i < sizeof roots / sizeof *roots; i++)
    if (roots[i] && !strcmp(roots[i], root)) {
      free(roots[i]);
      roots[i] = NULL;
    }
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  remove(path);
  return 0;
}

void mg_remove_tree(const char *root) {
  nftw(root, remove_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

void mg_signals_cleanup(void) {
  /* A forked plugin child inherits this atexit hook; only the process that
   * created the workspaces may remove them. */
  if (getpid() != owner)
    return;
  for (size_t i = 0; i < sizeof roots / sizeof *roots; i++)
    if (roots[i]) {
      mg_remove_tree(roots[i]);
      free(roots[i]);
      roots[i] = NULL;
    }
}
