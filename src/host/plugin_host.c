/* Running the detector plugins: selection (--only/--skip), needs, one
 * child process per plugin under CPU, memory and wall-clock limits, and the
 * status each run ends with. A plugin that crashes, hangs or misbehaves is
 * reported as error/timeout; the others still run. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/paths.h"
#include "plugin_child.h"
#include "plugin_collect.h"
#include "plugin_env.h"
#include "plugin_load.h"
#include "plugin_options.h"
#include "plugin_wire.h"
#include "base/progress.h"
#include "base/signals.h"

/* 1 when name is in the comma-separated list (or the list says "all"). */
static int listed(const char *list, const char *name) {
  if (!list)
    return 0;
  size_t n = strlen(name);
  for (const char *p = list; *p;) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    if ((len == n && !strncmp(p, name, n)) || (len == 3 && !strncmp(p, "all", 3)))
      return 1;
    p += len + (comma ? 1 : 0);
  }
  return 0;
}

/* Why the package cannot satisfy the plugin's needs, or NULL. */
static const char *unmet_needs(const mg_plugin *d, mg_host_env *env, char *why, size_t len) {
  const mg_package *pkg = env->pkg;
  if (d->needs & MG_NEED_MODEL) {
    if (!pkg->model)
      return "needs a model; the package has none";
    if (!env->model) {
      snprintf(why, len, "needs the model, which could not be loaded: %s",
               env->model_problem ? env->model_problem : "unknown problem");
      return why;
    }
  }
  const struct {
    uint32_t bit;
    int which;
    const char *what;
  } sets[] = {{MG_NEED_TRAIN, MG_ENV_TRAIN, "training set"},
              {MG_NEED_REFERENCE, MG_ENV_REFERENCE, "reference set"}};
  for (size_t i = 0; i < 2; i++) {
    if (!(d->needs & sets[i].bit))
      continue;
    const mg_env_dataset *ds = &env->data[sets[i].which];
    if (ds->problem) {
      snprintf(why, len, "needs the %s, which is unusable: %s", sets[i].what, ds->problem);
      return why;
    }
    if (!ds->ds) {
      snprintf(why, len, "needs a %s; the package has none", sets[i].what);
      return why;
    }
    if (sets[i].bit == MG_NEED_TRAIN && !ds->info.has_labels) {
      snprintf(why, len, "needs training labels; the package's training set has none");
      return why;
    }
  }
  return d->needs & MG_NEED_TEXT ? mg_text_env_unmet(env->text, why, len) : NULL;
}

/* A model-based detector on a model past the detector-nodes limit would
 * outlast any CI job (a chain of 10,000 Relu kept neural-cleanse busy for
 * minutes): it is not run, and a high finding in its name says so, so the
 * missing evidence fails the gate instead of passing silently. */
static int too_costly(const mg_plugin *d, const mg_host_env *env, const mg_host_config *cfg,
                      mg_results *out, mg_result_plugin *rp) {
  if (!(d->needs & MG_NEED_MODEL) || !env->model)
    return 0;
  uint64_t nodes = mg_model_node_count(env->model);
  uint64_t max = cfg->limits->value[MG_LIMIT_DETECTOR_NODES];
  if (nodes <= max)
    return 0;
  char title[300], msg[1200];
  snprintf(title, sizeof title, "Model too costly for %s: not run", d->name);
  snprintf(msg, sizeof msg,
           "%s: the model has %llu nodes, more than the %s limit of %llu; %s was not run, so the "
           "evidence it gives is missing. Raise it with --limit %s=N (and --timeout) to run it.",
           env->model_info.path ? env->model_info.path : "model", (unsigned long long)nodes,
           mg_limit_name(MG_LIMIT_DETECTOR_NODES), (unsigned long long)max, d->name,
           mg_limit_name(MG_LIMIT_DETECTOR_NODES));
  mg_finding f = MG_FINDING_INIT;
  f.severity = MG_SEV_HIGH;
  f.rule = "host.model-too-costly";
  f.title = title;
  f.message = msg;
  f.artifact = env->model_info.path;
  rp->status = MG_PLUGIN_SKIPPED;
  rp->message = strdup(msg);
  return mg_results_add_finding(out, d->name, &f, d->atlas, d->mitigations, d->controls) ? 1 : -1;
}

static const char *signal_name(int sig) {
  switch (sig) {
  case SIGSEGV:
    return "SIGSEGV";
  case SIGBUS:
    return "SIGBUS";
  case SIGABRT:
    return "SIGABRT";
  case SIGFPE:
    return "SIGFPE";
  case SIGILL:
    return "SIGILL";
  case SIGKILL:
    return "SIGKILL";
  case SIGXCPU:
    return "SIGXCPU";
  default:
    return "a signal";
  }
}

/* Decides the plugin's status from how its child ended. */
static void classify(mg_collector *c, const mg_host_config *cfg, int status, int timed_out,
                     int interrupted, const char *protocol, const struct rusage *ru) {
  mg_result_plugin *rp = c->plugin;
  char msg[1536] = "";
  double cpu = (double)ru->ru_utime.tv_sec + (double)ru->ru_stime.tv_sec +
               ((double)ru->ru_utime.tv_usec + (double)ru->ru_stime.tv_usec) * 1e-6;
  int sig = WIFSIGNALED(status) ? WTERMSIG(status) : c->crash_signal;
  rp->status = MG_PLUGIN_ERROR;
  if (interrupted) {
    snprintf(msg, sizeof msg, "interrupted");
  } else if (timed_out) {
    rp->status = MG_PLUGIN_TIMEOUT;
    snprintf(msg, sizeof msg, "did not finish within the wall-clock limit of %.0f s (--timeout)",
             cfg->timeout);
  } else if (sig == SIGXCPU || (sig == SIGKILL && cpu >= cfg->cpu_limit)) {
    rp->status = MG_PLUGIN_TIMEOUT;
    snprintf(msg, sizeof msg, "exceeded the CPU-time limit of %.0f s (--cpu-limit)",
             cfg->cpu_limit);
  } else if (protocol) {
    snprintf(msg, sizeof msg, "stopped: the plugin %s", protocol);
  } else if (c->done && c->code == MG_OK) {
    rp->status = MG_PLUGIN_OK;
  } else if (c->done && c->code == MG_ERR_NEEDS) {
    /* The plugin found nothing of the kind it reads (a text plugin on a
     * package whose text is of another kind): skipped, as when the host
     * sees an unmet need, with the plugin's reason. */
    rp->status = MG_PLUGIN_SKIPPED;
    snprintf(msg, sizeof msg, "%s",
             c->last_note[0] ? c->last_note : "nothing in the package it reads");
  } else if (c->done && c->code == MG_ERR_NOMEM) {
    snprintf(msg, sizeof msg, "ran out of memory (limit %llu MiB, --mem-limit)%s%s",
             (unsigned long long)(cfg->mem_limit >> 20), c->last_error[0] ? ": " : "",
             c->last_error);
  } else if (c->done) {
    snprintf(msg, sizeof msg, "%s failed: %s%s%s", c->stage, mg_strerror(c->code),
             c->last_error[0] ? ": " : "", c->last_error);
  } else if (sig) {
    /* An xmalloc-style abort comes when the next request does not fit, so
     * the peak can sit a whole request below the limit: with 32 MiB
     * requests under 256 MiB, anywhere above 87%. */
    int near_limit =
        c->crash_vm_limit_kib > 0 && c->crash_vm_peak_kib * 100 >= c->crash_vm_limit_kib * 75;
    if (near_limit)
      snprintf(msg, sizeof msg,
               "crashed with %s close to its memory limit (%llu MiB of address space, "
               "--mem-limit)",
               signal_name(sig), (unsigned long long)(cfg->mem_limit >> 20));
    else
      snprintf(msg, sizeof msg, "crashed with %s%s%s", signal_name(sig),
               c->last_error[0] ? " after: " : "", c->last_error);
  } else if (WIFEXITED(status)) {
    snprintf(msg, sizeof msg, "exited with status %d before finishing%s%s", WEXITSTATUS(status),
             c->last_error[0] ? ": " : "", c->last_error);
  } else {
    snprintf(msg, sizeof msg, "ended abnormally");
  }
  if (c->dropped) {
    size_t n = strlen(msg);
    snprintf(msg + n, sizeof msg - n,
             "%s%zu findings beyond the first %zu were dropped (--limit %s)", n ? "; " : "",
             c->dropped, c->n_findings, mg_limit_name(MG_LIMIT_PLUGIN_FINDINGS));
  }
  rp->message = msg[0] ? strdup(msg) : NULL;
  rp->peak_rss_kib = (uint64_t)ru->ru_maxrss;
}

/* Feeds the collector every message readable now, without blocking.
 * Returns the protocol violation, if any; *eof is set once every writer
 * has closed the pipe. */
static const char *read_messages(mg_wire_reader *rd, int fd, mg_collector *c, int *eof) {
  static char over[200];
  int r = -1;
  while (!rd->broken && (r = mg_wire_fill(rd, fd)) > 0) {
    uint8_t type;
    const uint8_t *payload;
    uint32_t len;
    while (mg_wire_next(rd, &type, &payload, &len)) {
      const char *protocol = mg_collector_feed(c, type, payload, len);
      if (protocol)
        return protocol;
    }
  }
  if (rd->broken) {
    snprintf(over, sizeof over,
             "sent a message over the %s limit (%llu bytes; raise it with --limit %s=N)",
             mg_limit_name(MG_LIMIT_PLUGIN_MESSAGE_BYTES), (unsigned long long)rd->max_message,
             mg_limit_name(MG_LIMIT_PLUGIN_MESSAGE_BYTES));
    return over;
  }
  *eof = r == 0;
  return NULL;
}

/* Runs one plugin in a child and fills its result entry. */
static int run_plugin(const mg_loaded_plugin *lp, mg_host_env *env, mg_results *results,
                      mg_result_plugin *rp) {
  const mg_host_config *cfg = env->cfg;
  mg_collector c;
  memset(&c, 0, sizeof c);
  c.results = results;
  c.plugin = rp;
  c.desc = lp->desc;
  c.env = env;
  snprintf(c.progress_label, sizeof c.progress_label, "%s", lp->desc->name);
  mg_progress_begin(&c.progress, c.progress_label, 0, 0);

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    return MG_ERR_IO;
  fflush(NULL); /* or the child would flush our buffers a second time */
  double t0 = mg_now();
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return MG_ERR_IO;
  }
  if (pid == 0) {
    close(fds[0]);
    mg_plugin_child_main(lp, env, fds[1]);
  }
  setpgid(pid, pid); /* also done by the child: whichever runs first */
  close(fds[1]);
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  mg_wire_reader rd;
  memset(&rd, 0, sizeof rd);
  rd.max_message = cfg->limits->value[MG_LIMIT_PLUGIN_MESSAGE_BYTES];
  const char *protocol = NULL;
  int timed_out = 0, interrupted = 0, status = 0, reaped = 0;
  struct rusage ru;
  memset(&ru, 0, sizeof ru);
  double deadline = t0 + cfg->timeout;
  for (;;) {
    struct pollfd p = {fds[0], POLLIN, 0};
    int eof = 0;
    if (poll(&p, 1, 100) > 0 && (protocol = read_messages(&rd, fds[0], &c, &eof)) == NULL && eof)
      break; /* every writer closed the pipe */
    if (protocol || mg_interrupted() || mg_now() > deadline) {
      interrupted = !protocol && mg_interrupted();
      timed_out = !protocol && !interrupted;
      break;
    }
    /* The child may have exited since the poll, or left a grandchild
     * holding the pipe open so that no end of file comes. What it wrote
     * after the poll is still in the pipe: read it, or a plugin that
     * finished inside that window would look unfinished. */
    if (wait4(pid, &status, WNOHANG, &ru) == pid) {
      reaped = 1;
      protocol = read_messages(&rd, fds[0], &c, &eof);
      break;
    }
  }
  kill(-pid, SIGKILL); /* the plugin's whole process group */
  if (!reaped)
    while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
      ;
  close(fds[0]);
  mg_wire_free(&rd);
  mg_progress_end(&c.progress);
  rp->seconds = mg_now() - t0;
  classify(&c, cfg, status, timed_out, interrupted, protocol, &ru);
  return interrupted ? MG_ERR_INTERRUPTED : MG_OK;
}

static mg_result_plugin *add_entry(mg_results *r, const mg_plugin *d) {
  mg_result_plugin *rp = mg_results_add_plugin(r, d->name, d->version, d->description);
  for (size_t i = 0; rp && d->controls && d->controls[i]; i++)
    mg_strlist_add(&rp->controls, d->controls[i]);
  return rp;
}

/* Refused plugins appear in the results as errors: a detector that could
 * not run is missing evidence, not silence. */
static int record_refused(mg_results *r, const mg_plugin_set *set, const mg_host_config *cfg) {
  for (size_t i = 0; i < set->n_refused; i++) {
    char name[256];
    mg_plugin_refused_name(set->refused[i].path, name, sizeof name);
    if ((cfg->only && !listed(cfg->only, name)) || listed(cfg->skip, name))
      continue;
    mg_result_plugin *rp = mg_results_add_plugin(r, name, "", "");
    if (!rp)
      return MG_ERR_NOMEM;
    rp->status = MG_PLUGIN_ERROR;
    char msg[1200];
    snprintf(msg, sizeof msg, "refused by the host: %s", set->refused[i].reason);
    rp->message = strdup(msg);
  }
  return MG_OK;
}

void mg_host_config_default(mg_host_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  /* Five minutes a detector: a CI job runs them all; --timeout for more. */
  cfg->timeout = 300;
  cfg->cpu_limit = 600;
  cfg->mem_limit = 16 * MG_GIB;
}

/* --only, --skip and --set against the plugins found. */
static int check_selection(const mg_host_config *cfg, const mg_plugin_set *set, mg_err *err) {
  int rc = mg_plugins_check_names(set, cfg->only, "--only", err);
  if (!rc)
    rc = mg_plugins_check_names(set, cfg->skip, "--skip", err);
  if (!rc)
    rc = mg_plugins_check_sets(set, cfg->sets, err);
  return rc;
}

int mg_host_check(const mg_host_config *cfg, mg_err *err) {
  /* The scan loads the plugins again and warns about refused ones then. */
  int verbosity = mg_verbosity;
  mg_verbosity = 0;
  mg_plugin_set set;
  int rc = mg_plugins_load(mg_paths_plugins(cfg->plugin_dir), &set, err);
  mg_verbosity = verbosity;
  if (!rc)
    rc = check_selection(cfg, &set, err);
  mg_plugins_unload(&set);
  return rc;
}

int mg_host_run(const mg_host_config *cfg, const mg_package *pkg, const mg_workspace *ws,
                mg_results *out, mg_err *err) {
  if (listed(cfg->skip, "all"))
    return MG_OK;
  mg_plugin_set set;
  int rc = mg_plugins_load(mg_paths_plugins(cfg->plugin_dir), &set, err);
  if (!rc)
    rc = check_selection(cfg, &set, err);
  if (!rc)
    rc = record_refused(out, &set, cfg);
  if (rc) {
    mg_plugins_unload(&set);
    return rc;
  }
  size_t selected = 0;
  uint32_t needs = 0;
  for (size_t i = 0; i < set.count; i++) {
    const mg_plugin *d = set.items[i].desc;
    if ((cfg->only && !listed(cfg->only, d->name)) || listed(cfg->skip, d->name))
      continue;
    selected++;
    needs |= d->needs;
  }
  /* Model-side plugins may use whatever data the package has beyond what
   * they require (a reference set to calibrate against): load it for them
   * so a plugin's results do not depend on which others were selected. */
  if (needs & MG_NEED_MODEL)
    needs |= MG_NEED_TRAIN | MG_NEED_REFERENCE;
  mg_host_env env;
  memset(&env, 0, sizeof env);
  mg_err env_err;
  mg_err_clear(&env_err);
  int env_rc = selected ? mg_env_prepare(&env, cfg, pkg, ws, needs, &env_err) : MG_OK;
  /* Rows of the package's text the intake could not read are findings of
   * the core, whichever plugins then read the rest. */
  if (mg_text_env_report(env.text, out) != MG_OK)
    rc = mg_fail(err, MG_ERR_NOMEM, "out of memory");
  for (size_t i = 0; !rc && i < set.count; i++) {
    const mg_loaded_plugin *lp = &set.items[i];
    const mg_plugin *d = lp->desc;
    if ((cfg->only && !listed(cfg->only, d->name)) || listed(cfg->skip, d->name))
      continue;
    mg_result_plugin *rp = add_entry(out, d);
    if (!rp) {
      rc = mg_fail(err, MG_ERR_NOMEM, "out of memory");
      break;
    }
    char why[1200];
    const char *unmet = unmet_needs(d, &env, why, sizeof why);
    if (unmet) {
      rp->status = MG_PLUGIN_SKIPPED;
      rp->message = strdup(unmet);
      mg_log_debug("plugin %s skipped: %s", d->name, unmet);
      continue;
    }
    int costly = too_costly(d, &env, cfg, out, rp);
    if (costly < 0) {
      rc = mg_fail(err, MG_ERR_NOMEM, "out of memory");
      break;
    }
    if (costly)
      continue;
    mg_log_debug("running plugin %s (%s)", d->name, lp->path);
    if (run_plugin(lp, &env, out, rp) == MG_ERR_INTERRUPTED)
      rc = mg_fail(err, MG_ERR_INTERRUPTED, "interrupted while running plugin %s", d->name);
  }
  if (selected)
    mg_env_free(&env);
  mg_plugins_unload(&set);
  /* A package file the plugins could not use is the scan's error once
   * every plugin that could run has run. */
  if (!rc && env_rc)
    rc = mg_fail(err, env_rc, "%s", env_err.msg);
  return rc;
}
