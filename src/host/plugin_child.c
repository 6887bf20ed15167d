/* Child-process setup for a plugin run. */
#include "config.h"

#include "plugin_child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <jansson.h>

#include "plugin_wire.h"

#define PIPE_FD 3

static long vm_limit_kib = -1; /* RLIMIT_AS as set, for the crash report */

/* Peak virtual memory in KiB from /proc/self/status, using only
 * async-signal-safe calls (the crash handler uses it). */
static long vm_peak_kib(const char *key) {
  int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  char buf[4096];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  size_t klen = strlen(key);
  for (char *line = buf; line && *line;) {
    if (!strncmp(line, key, klen)) {
      long v = 0;
      for (char *p = line + klen; *p && *p != '\n'; p++)
        if (*p >= '0' && *p <= '9')
          v = v * 10 + (*p - '0');
      return v;
    }
    line = strchr(line, '\n');
    if (line)
      line++;
  }
  return -1;
}

static char *put_num(char *p, long v) {
  char digits[24];
  int n = 0;
  if (v < 0) {
    *p++ = '-';
    v = -v;
  }
  do
    digits[n++] = (char)('0' + v % 10);
  while ((v /= 10) && n < 23);
  while (n)
    *p++ = digits[--n];
  return p;
}

/* Tells the host how the plugin died before dying the same way. */
static void on_fatal(int sig) {
  char msg[160] = "{\"signal\":";
  char *p = msg + strlen(msg);
  p = put_num(p, sig);
  memcpy(p, ",\"vm_peak_kib\":", 15);
  p = put_num(p + 15, vm_peak_kib("VmPeak:"));
  memcpy(p, ",\"vm_limit_kib\":", 16);
  p = put_num(p + 16, vm_limit_kib);
  *p++ = '}';
  mg_wire_send(PIPE_FD, MG_WIRE_CRASH, msg, (uint32_t)(p - msg));
  signal(sig, SIG_DFL);
  raise(sig);
}

static void install_crash_handlers(void) {
  static char altstack[65536]; /* a stack overflow needs somewhere to run */
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
  sigaltstack(&ss, NULL);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_fatal;
  sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  int fatal[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL, SIGXCPU};
  for (size_t i = 0; i < sizeof fatal / sizeof *fatal; i++)
    sigaction(fatal[i], &sa, NULL);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  signal(SIGHUP, SIG_DFL);
  signal(SIGPIPE, SIG_IGN);
}

/* The limits apply to this process only; address space is the current size
 * plus the budget so that sanitizer shadow mappings do not count. */
static void apply_limits(const mg_host_config *cfg) {
  struct rlimit rl;
  rl.rlim_cur = (rlim_t)(cfg->cpu_limit < 1 ? 1 : cfg->cpu_limit + 0.999);
  rl.rlim_max = rl.rlim_cur + 5; /* SIGXCPU first, SIGKILL if ignored */
  setrlimit(RLIMIT_CPU, &rl);
  long now_kib = vm_peak_kib("VmSize:");
  if (now_kib > 0) {
    rl.rlim_cur = rl.rlim_max = (rlim_t)now_kib * 1024 + (rlim_t)cfg->mem_limit;
    if (setrlimit(RLIMIT_AS, &rl) == 0)
      vm_limit_kib = (long)(rl.rlim_cur / 1024);
  }
  rl.rlim_cur = rl.rlim_max = 0;
  setrlimit(RLIMIT_CORE, &rl);
}

/* stdin/stdout go to /dev/null; the pipe becomes fd 3; nothing else of the
 * host's stays open. stderr stays for sanitizer reports. */
static void isolate_fds(int fd) {
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0) {
    dup2(null, STDIN_FILENO);
    dup2(null, STDOUT_FILENO);
  }
  if (fd != PIPE_FD) {
    dup2(fd, PIPE_FD);
    close(fd);
  }
  fcntl(PIPE_FD, F_SETFD, FD_CLOEXEC);
  for (int i = PIPE_FD + 1; i < 1024; i++)
    close(i);
}

int mg_plugin_ctx_init(struct mg_plugin_ctx *ctx, const mg_loaded_plugin *plugin, mg_host_env *env,
                       int fd) {
  memset(ctx, 0, sizeof *ctx);
  ctx->fd = fd;
  ctx->env = env;
  ctx->plugin = plugin;
  ctx->n_files = env->pkg->inv.count;
  ctx->maps = calloc(ctx->n_files + 1, sizeof *ctx->maps);
  ctx->map_len = calloc(ctx->n_files + 1, sizeof *ctx->map_len);
  return ctx->maps && ctx->map_len ? MG_OK : MG_ERR_NOMEM;
}

void mg_plugin_ctx_free(struct mg_plugin_ctx *ctx) {
  for (size_t i = 0; i < ctx->n_files; i++)
    if (ctx->maps && ctx->maps[i])
      munmap((void *)ctx->maps[i], ctx->map_len[i]);
  free(ctx->maps);
  free(ctx->map_len);
  free(ctx->audit);
  free(ctx->scratch);
  memset(ctx, 0, sizeof *ctx);
}

void mg_plugin_child_main(const mg_loaded_plugin *plugin, mg_host_env *env, int fd) {
  setpgid(0, 0); /* the host kills the whole group on timeout */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  isolate_fds(fd);
  /* The workspace descriptor was closed with the rest: reopen it in this
   * process's own copy of the workspace. */
  static mg_workspace ws;
  ws = *env->ws;
  ws.fd = open(ws.package_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  env->ws = &ws;
  install_crash_handlers();
  apply_limits(env->cfg);

  struct mg_plugin_ctx ctx;
  int code = mg_plugin_ctx_init(&ctx, plugin, env, PIPE_FD);
  const mg_services *svc = mg_plugin_services();
  const mg_plugin *p = plugin->desc;
  void *state = NULL;
  const char *stage = "init";
  if (!code && p->init)
    code = p->init(svc, &state);
  if (!code) {
    stage = "run";
    code = p->run(state, svc, &ctx);
  }
  if (p->fini && stage[0] == 'r')
    p->fini(state);
  json_t *done = json_pack("{s:i, s:s}", "code", code, "stage", stage);
  char *text = done ? json_dumps(done, JSON_COMPACT) : NULL;
  if (text)
    mg_wire_send(PIPE_FD, MG_WIRE_DONE, text, (uint32_t)strlen(text));
  /* Freed although _exit follows, so leak checkers see a clean child. */
  free(text);
  json_decref(done);
  mg_plugin_ctx_free(&ctx);
  /* _exit: the host's atexit hooks (workspace removal) must not run here. */
  _exit(code ? 1 : 0);
}
