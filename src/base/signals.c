/* Interrupt flag and the list of workspaces to remove at exit. */
#include "config.h"

#include "signals.h"

#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t caught;
static char *roots[8];
static pid_t owner;
/* When the first signal came (CLOCK_MONOTONIC), to tell a repeat of the
 * same request from a user who insists. */
static volatile sig_atomic_t first_sec;
/* "rm -rf -- ROOT..." ready for the insist path, which may not allocate. */
static char *rm_argv[4 + sizeof roots / sizeof *roots];

static long now_sec(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts); /* async-signal-safe */
  return (long)ts.tv_sec;
}

/* Removes the workspaces from a signal handler: only fork, execve and
 * waitpid, which are async-signal-safe (nftw and free are not). */
static void remove_from_handler(void) {
  if (getpid() != owner || !rm_argv[3])
    return;
  pid_t pid = fork();
  if (pid == 0) {
    static char *const envp[] = {NULL};
    execve("/bin/rm", rm_argv, envp);
    _exit(127);
  }
  if (pid > 0)
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
      ;
}

static void on_signal(int sig) {
  if (caught) {
    /* The same signal again within two seconds is the same request sent
     * twice: timeout(1) signals the scan and then its whole process group,
     * and a kill of a group reaches it once more. Dying on it here left
     * the workspace behind (issue 14). */
    if (caught == sig && now_sec() - first_sec < 2)
      return;
    /* A later signal: the user insists. Leave without unwinding, removing
     * the workspaces first: the atexit hook does not run. */
    remove_from_handler();
    signal(sig, SIG_DFL);
    raise(sig);
  }
  first_sec = (sig_atomic_t)now_sec();
  caught = sig;
}

/* Keeps rm_argv in step with roots; called with the signals blocked. */
static void rebuild_rm_argv(void) {
  size_t n = 0;
  rm_argv[n++] = "rm";
  rm_argv[n++] = "-rf";
  rm_argv[n++] = "--";
  for (size_t i = 0; i < sizeof roots / sizeof *roots; i++)
    if (roots[i])
      rm_argv[n++] = roots[i];
  while (n < sizeof rm_argv / sizeof *rm_argv)
    rm_argv[n++] = NULL;
}

static void block_signals(sigset_t *old) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  sigprocmask(SIG_BLOCK, &set, old);
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
  sigset_t old;
  block_signals(&old);
  for (size_t i = 0; i < sizeof roots / sizeof *roots; i++)
    if (!roots[i]) {
      roots[i] = strdup(root);
      break;
    }
  rebuild_rm_argv();
  sigprocmask(SIG_SETMASK, &old, NULL);
}

void mg_signals_unregister_workspace(const char *root) {
  sigset_t old;
  block_signals(&old);
  for (size_t i = 0; i < sizeof roots / sizeof *roots; i++)
    if (roots[i] && !strcmp(roots[i], root)) {
      free(roots[i]);
      roots[i] = NULL;
    }
  rebuild_rm_argv();
  sigprocmask(SIG_SETMASK, &old, NULL);
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
  sigset_t old;
  block_signals(&old);
  for (size_t i = 0; i < sizeof roots / sizeof *roots; i++)
    if (roots[i]) {
      mg_remove_tree(roots[i]);
      free(roots[i]);
      roots[i] = NULL;
    }
  rebuild_rm_argv();
  sigprocmask(SIG_SETMASK, &old, NULL);
}
