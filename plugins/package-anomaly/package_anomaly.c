/* The package-anomaly plugin: executables, shared objects and scripts in a
 * model package (by magic, by name and by mode bits, archive members
 * included), files the descriptor does not mention, and the anomalies the
 * unpacker recorded as notes (damaged or too-deep nested archives, unsafe
 * member names, links). Uses only the public plugin ABI. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include <modelgate/plugin.h>

#include "mgp.h"
#include "printable.h"
#include "pa_classify.h"
#include "pa_torchscript.h"

static const char *const atlas_all[] = {"AML.T0011.000", "AML.T0010", "AML.T0010.003", NULL};
static const char *const mitig_all[] = {"AML.M0016", "AML.M0014", "AML.M0011", NULL};
static const char *const controls_all[] = {"CTL-17", "CTL-16", NULL};

static const char *const atlas_code[] = {"AML.T0011.000", "AML.T0010", NULL};
static const char *const atlas_supply[] = {"AML.T0010", "AML.T0010.003", NULL};
static const char *const mitig_code[] = {"AML.M0016", "AML.M0011", NULL};
static const char *const mitig_verify[] = {"AML.M0014", NULL};
static const char *const ctl_code[] = {"CTL-17", NULL};
static const char *const ctl_integrity[] = {"CTL-16", NULL};

typedef struct run {
  const mg_services *svc;
  mg_plugin_ctx *ctx;
  uint64_t executables, scripts, undeclared, notes, exec_bits, torchscript_sources;
  pa_ts *ts; /* TorchScript directories among the archive members */
  int failed;
} run;

/* "C!/m" is member m of container C. */
static const char *member_of(const char *container, const char *path) {
  size_t l = strlen(container);
  return !strncmp(path, container, l) && !strncmp(path + l, "!/", 2) ? path + l + 2 : NULL;
}

/* A .py known by its name only, in the code/ of a TorchScript archive: the
 * model's TorchScript, compiled by torch.jit.load and read by pickle-code's
 * TorchScript check (pa_torchscript.h), not a script shipped beside it. */
static int torchscript_source(run *r, const char *container, const char *member,
                              const pa_verdict *v) {
  return v->kind == PA_SCRIPT && !strcmp(v->how, PA_BY_NAME) && container &&
         pa_ts_source(r->ts, container, member);
}

/* Every member's name, before any is judged. */
static int collect_torchscript(run *r) {
  size_t n = r->svc->file_count(r->ctx);
  for (size_t i = 0; i < n; i++) {
    mg_file_info fi;
    memset(&fi, 0, sizeof fi);
    fi.struct_size = sizeof fi;
    if (r->svc->file_info(r->ctx, i, &fi) || !fi.path || !fi.depth || !fi.container)
      continue;
    const char *member = member_of(fi.container, fi.path);
    if (member && pa_ts_add(r->ts, fi.container, member))
      return MG_ERR_NOMEM;
  }
  return MG_OK;
}

static int emit(run *r, mg_severity sev, const char *rule, const char *title, const char *artifact,
                const char *msg, const char *const *atlas, const char *const *mitig,
                const char *const *ctl, json_t *ev) {
  char *a = artifact ? printable_ascii(artifact) : NULL;
  mg_finding f = mgp_finding(sev, rule, title, msg);
  f.artifact = a;
  f.atlas = atlas;
  f.mitigations = mitig;
  f.controls = ctl;
  int rc = mgp_emit(r->svc, r->ctx, &f, ev, JSON_COMPACT | JSON_SORT_KEYS);
  free(a);
  if (rc)
    r->failed = 1;
  return rc;
}

/* One verdict about a file's content or name becomes one finding. */
static int report_kind(run *r, const char *path, const pa_verdict *v, uint32_t mode) {
  if (v->kind == PA_NONE)
    return 0;
  char *p = printable_ascii(path);
  if (!p)
    return MG_ERR_NOMEM;
  char title[1200], msg[2400];
  mg_severity sev;
  const char *rule;
  switch (v->kind) {
  case PA_EXECUTABLE:
  case PA_SHARED_OBJECT:
    r->executables++;
    sev = MG_SEV_HIGH;
    rule = v->kind == PA_EXECUTABLE ? "package.executable" : "package.shared-object";
    snprintf(title, sizeof title, "%s in the package: %s",
             v->kind == PA_EXECUTABLE ? "Executable" : "Shared library", p);
    snprintf(msg, sizeof msg,
             "%s is %s (%s). Native code has no place in a model package: it runs with the "
             "loader's rights if anything loads or executes it.",
             p, v->what, v->how);
    break;
  case PA_SCRIPT:
    r->scripts++;
    sev = MG_SEV_MEDIUM;
    rule = "package.script";
    snprintf(title, sizeof title, "Script in the package: %s", p);
    snprintf(msg, sizeof msg,
             "%s is %s (%s). Scripts shipped with a model are run by people and pipelines that "
             "trust the package; review it or remove it.",
             p, v->what, v->how);
    break;
  default:
    r->exec_bits++;
    sev = MG_SEV_LOW;
    rule = "package.exec-bit";
    snprintf(title, sizeof title, "Executable permission on a data file: %s", p);
    snprintf(msg, sizeof msg,
             "%s has mode %04o: executable bits on a file that is neither a program nor a "
             "script.",
             p, mode & 07777u);
    break;
  }
  json_t *ev = json_pack("{s:s, s:s, s:s, s:i}", "path", p, "kind", v->what, "detected_by", v->how,
                         "mode", (int)(mode & 07777u));
  int rc = emit(r, sev, rule, title, path, msg, v->kind == PA_EXEC_BIT ? atlas_supply : atlas_code,
                mitig_code, ctl_code, ev);
  free(p);
  return rc;
}

static int report_note(run *r, const mg_file_info *fi) {
  r->notes++;
  pa_note_class nc = pa_classify_note(fi->note);
  char *p = printable_ascii(fi->path), *n = printable_ascii(fi->note);
  if (!p || !n) {
    free(p);
    free(n);
    return MG_ERR_NOMEM;
  }
  char title[1200], msg[3000];
  snprintf(title, sizeof title, "%s: %s", nc.title, p);
  snprintf(msg, sizeof msg, "%s: the unpacker recorded: %s. %s", p, n, nc.why);
  json_t *ev = json_pack("{s:s, s:s, s:i}", "path", p, "note", n, "depth", (int)fi->depth);
  if (fi->container) {
    char *c = printable_ascii(fi->container);
    json_object_set_new(ev, "container", json_string(c ? c : "?"));
    free(c);
  }
  int rc = emit(r, (mg_severity)nc.severity, nc.rule, title, fi->path, msg, atlas_supply,
                mitig_verify, nc.code ? ctl_code : ctl_integrity, ev);
  free(p);
  free(n);
  return rc;
}

typedef struct member_walk {
  run *r;
  const char *container;
  int rc;
} member_walk;

static int on_member(void *user, const char *member, const uint8_t *data, uint64_t size,
                     const char *note) {
  member_walk *mw = user;
  (void)note; /* notes reach us through file_info */
  pa_verdict v;
  pa_classify(member, data, (size_t)size, 0, &v);
  if (v.kind == PA_NONE || v.kind == PA_EXEC_BIT ||
      torchscript_source(mw->r, mw->container, member, &v))
    return 0;
  size_t l = strlen(mw->container) + strlen(member) + 3;
  char *path = malloc(l);
  if (!path) {
    mw->rc = MG_ERR_NOMEM;
    return 1;
  }
  snprintf(path, l, "%s!/%s", mw->container, member);
  mw->rc = report_kind(mw->r, path, &v, 0);
  free(path);
  return mw->rc != 0;
}

static int pa_run(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  run r;
  memset(&r, 0, sizeof r);
  r.svc = svc;
  r.ctx = ctx;
  const char *desc = svc->descriptor_json(ctx);
  pa_declared *decl = NULL;
  if (desc) {
    char err[300];
    if (pa_declared_parse(desc, &decl, err, sizeof err)) {
      svc->log(ctx, MG_LOG_WARN, "package-anomaly: descriptor not usable for coverage: %s", err);
      decl = NULL;
    }
  }
  size_t n = svc->file_count(ctx);
  r.ts = pa_ts_new();
  int rc = r.ts ? collect_torchscript(&r) : MG_ERR_NOMEM;
  uint64_t files = 0, members = 0;
  int registry_checked = 0;
  for (size_t i = 0; i < n && !rc && !r.failed; i++) {
    mg_file_info fi;
    memset(&fi, 0, sizeof fi);
    fi.struct_size = sizeof fi;
    if (svc->file_info(ctx, i, &fi) || !fi.path)
      continue;
    svc->progress(ctx, "package-anomaly", i, n);
    if (fi.note)
      rc = report_note(&r, &fi);
    if (rc)
      break;
    pa_verdict v;
    if (fi.depth) {
      members++;
      /* Content of members is checked through the walk below; the name and
       * the recorded mode bits are checked here. */
      pa_classify(fi.path, NULL, 0, fi.mode, &v);
      const char *member = fi.container ? member_of(fi.container, fi.path) : NULL;
      if (member && torchscript_source(&r, fi.container, member, &v)) {
        r.torchscript_sources++; /* the walk below sees it again: counted here */
        continue;
      }
      if (v.kind == PA_SCRIPT || v.kind == PA_EXECUTABLE || v.kind == PA_SHARED_OBJECT ||
          v.kind == PA_EXEC_BIT)
        rc = report_kind(&r, fi.path, &v, fi.mode);
      continue;
    }
    files++;
    const uint8_t *data = NULL;
    uint64_t size = 0;
    int mapped = !svc->file_map(ctx, i, &data, &size);
    pa_classify(fi.path, mapped ? data : NULL, mapped ? (size_t)size : 0, fi.mode, &v);
    if (mapped)
      svc->file_unmap(ctx, i);
    rc = report_kind(&r, fi.path, &v, fi.mode);
    /* Covered: a role the host gave (model, datasets, descriptor), a
     * mention in modelgate.json, or an approved registry digest. */
    int registry = (fi.flags & MG_FILE_REGISTRY_CHECKED) != 0;
    registry_checked |= registry;
    int covered = (fi.role && strcmp(fi.role, "other")) ||
                  (decl && pa_declared_has(decl, fi.path)) || (fi.flags & MG_FILE_REGISTERED);
    if (!rc && (decl || registry) && !covered) {
      r.undeclared++;
      char *p = printable_ascii(fi.path);
      char title[1200], msg[1600];
      snprintf(title, sizeof title, "File mentioned by neither the descriptor nor the registry: %s",
               p ? p : "?");
      const char *who = decl && registry ? "neither modelgate.json (model, train, reference, "
                                           "provenance) nor an approved registry entry names it"
                        : decl ? "modelgate.json (model, train, reference, provenance) does not "
                                 "name it"
                               : "no approved registry entry names it";
      snprintf(msg, sizeof msg,
               "%s is in the package but %s. Unlisted files escape review; list it or remove it.",
               p ? p : "?", who);
      rc = emit(&r, MG_SEV_LOW, "package.undeclared-file", title, fi.path, msg, atlas_supply,
                mitig_verify, ctl_integrity,
                json_pack("{s:s, s:I}", "path", p ? p : "?", "size", (json_int_t)fi.size));
      free(p);
    }
    if (!rc && fi.is_archive) {
      member_walk mw = {&r, fi.path, 0};
      int wr = svc->archive_walk(ctx, i, on_member, &mw);
      rc = mw.rc ? mw.rc : (wr == MG_ERR_NOMEM ? wr : MG_OK);
      if (wr && wr != MG_ERR_NOMEM)
        svc->log(ctx, MG_LOG_WARN, "package-anomaly: members of %s could not all be read", fi.path);
    }
  }
  json_t *ev =
      json_pack("{s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:s}}", "package_anomaly", "files",
                (json_int_t)files, "members", (json_int_t)members, "executables",
                (json_int_t)r.executables, "scripts", (json_int_t)r.scripts, "torchscript_sources",
                (json_int_t)r.torchscript_sources, "undeclared", (json_int_t)r.undeclared, "notes",
                (json_int_t)r.notes, "descriptor_checked", decl != NULL, "coverage",
                decl && registry_checked ? "descriptor and registry"
                : decl                   ? "descriptor"
                : registry_checked       ? "registry"
                                         : "none");
  if (ev) {
    char *s = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
    if (s)
      svc->evidence(ctx, s);
    free(s);
    json_decref(ev);
  }
  pa_declared_free(decl);
  pa_ts_free(r.ts);
  return rc;
}

static const mg_plugin descriptor = {
    MG_PLUGIN_HEADER,
    "package-anomaly",
    "0.1.0",
    "executables, scripts and shared objects, undeclared files and unpacker anomalies",
    MG_NEED_FILES,
    atlas_all,
    mitig_all,
    controls_all,
    NULL,
    pa_run,
    NULL,
};

/* It takes no options: --set on it is a usage error. */
static const mg_plugin_option option_table[] = {{NULL, 0, 0, 0, 0, NULL}};

MG_PLUGIN_EXPORT const mg_plugin_option *mg_plugin_option_table(void) {
  return option_table;
}

MG_PLUGIN_EXPORT const mg_plugin *mg_plugin_entry(void) {
  return &descriptor;
}
