/* The pickle-code plugin: finds executable serialized code in pickles,
 * PyTorch checkpoints (zip and legacy), joblib dumps and .npy object arrays
 * anywhere in the package, classifies every import against
 * rules/pickle-imports.xml and reports zip tricks that blind other
 * scanners. Uses only the public plugin ABI. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <modelgate/plugin.h>

#include "mgp.h"
#include "printable.h"
#include "pc_scan.h"
#include "pc_torchscript.h"
#include "pickle_rules.h"

#ifndef MG_RULES_DIR
#define MG_RULES_DIR "/usr/share/modelgate/rules"
#endif

#define PER_RULE_CAP 50 /* findings of one rule per package file, then a summary */

static const char *const atlas_all[] = {"AML.T0011.000", "AML.T0018.002", "AML.T0010.003",
                                        "AML.T0076", NULL};
static const char *const mitig_all[] = {"AML.M0016", "AML.M0014", "AML.M0011", NULL};
static const char *const controls[] = {"CTL-17", NULL};

static const char *const atlas_code[] = {"AML.T0011.000", "AML.T0018.002", "AML.T0010.003", NULL};
static const char *const atlas_unknown[] = {"AML.T0011.000", "AML.T0010.003", NULL};
static const char *const atlas_corrupt[] = {"AML.T0076", "AML.T0010.003", NULL};
static const char *const mitig_code[] = {"AML.M0016", "AML.M0011", "AML.M0014", NULL};
static const char *const mitig_verify[] = {"AML.M0014", "AML.M0016", NULL};

typedef struct counter {
  const char *rule;
  uint64_t n;
} counter;

typedef struct run_state {
  const mg_services *svc;
  mg_plugin_ctx *ctx;
  mg_pk_rules *rules;
  int strict;
  uint64_t allowed, review, unknown, denied, unresolved, malformed, zip_anomalies, emitted;
  uint64_t torchscript_classes; /* __torch__.* imports of classes the archive's code/ defines */
  uint64_t junk;                /* non-Python names in pickles read out of step (sink_pickle) */
  const mg_pc_ts_classes *ts;   /* those classes, for the file being scanned */
  counter counts[24];           /* per package file */
  size_t n_counts;
  const char *artifact;
  int failed; /* emit() refused: the host is gone */
} run_state;

/* Counts per rule and package file; 0 once the cap is passed. */
static int admit(run_state *rs, const char *rule) {
  for (size_t i = 0; i < rs->n_counts; i++)
    if (!strcmp(rs->counts[i].rule, rule))
      return ++rs->counts[i].n <= PER_RULE_CAP;
  if (rs->n_counts < sizeof rs->counts / sizeof rs->counts[0]) {
    rs->counts[rs->n_counts].rule = rule;
    rs->counts[rs->n_counts++].n = 1;
  }
  return 1;
}

static int emit(run_state *rs, mg_finding *f, json_t *ev) {
  int rc = mgp_emit(rs->svc, rs->ctx, f, ev, JSON_COMPACT | JSON_SORT_KEYS);
  rs->emitted++;
  if (rc)
    rs->failed = 1;
  return rc;
}

static void where_text(const mg_pc_where *w, uint64_t off, int with_off, char *buf, size_t n) {
  char *m = w->member ? printable_ascii(w->member) : NULL;
  if (m && with_off)
    snprintf(buf, n, "member %s, offset %llu", m, (unsigned long long)off);
  else if (m)
    snprintf(buf, n, "member %s", m);
  else if (with_off)
    snprintf(buf, n, "offset %llu", (unsigned long long)off);
  else
    buf[0] = '\0';
  free(m);
}

static const char *via_name(mg_pk_via v) {
  switch (v) {
  case MG_PK_GLOBAL:
    return "GLOBAL";
  case MG_PK_STACK_GLOBAL:
    return "STACK_GLOBAL";
  case MG_PK_INST:
    return "INST";
  case MG_PK_EXT:
    return "EXT";
  }
  return "?";
}

static int report_import(run_state *rs, const mg_pc_where *w, uint64_t base, int index,
                         const mg_pk_result *r, const mg_pk_import *im) {
  mg_pk_verdict v;
  const char *rule, *cls;
  int sev;
  if (!im->name) {
    memset(&v, 0, sizeof v);
    rs->unresolved++;
    rule = "pickle.unresolved-import";
    cls = "unresolved";
    sev = MG_SEV_CRITICAL;
    v.why = im->why;
    snprintf(v.target, sizeof v.target, "?");
  } else {
    mg_pk_rules_classify(rs->rules, im->module, im->name, rs->strict, &v);
    if (v.cls == MG_PK_UNKNOWN && mg_pc_ts_class_defined(rs->ts, w->member, im->module, im->name)) {
      /* torch.jit.load builds it from TorchScript the archive's code/
       * defines, which the TorchScript check reads; Python cannot import
       * __torch__ at all (docs/unsafe-artifacts.md). */
      rs->allowed++;
      rs->torchscript_classes++;
      return 0;
    }
    sev = v.severity;
    switch (v.cls) {
    case MG_PK_ALLOW:
      rs->allowed++;
      return 0;
    case MG_PK_REVIEW:
      rs->review++;
      rule = "pickle.review-import";
      cls = "review";
      break;
    case MG_PK_UNKNOWN:
      rs->unknown++;
      rule = "pickle.unknown-import";
      cls = "unknown";
      break;
    default:
      rs->denied++;
      rule = "pickle.denied-import";
      cls = "denied";
      break;
    }
  }
  if (!admit(rs, rule))
    return 0;
  uint64_t off = base + im->offset;
  char loc[1200], title[700], msg[2600], shown[600], call[200] = "";
  where_text(w, off, 1, loc, sizeof loc);
  if (im->name)
    snprintf(shown, sizeof shown, "%s.%s", im->module, im->name);
  else
    snprintf(shown, sizeof shown, "an unresolvable object");
  if (im->calls)
    snprintf(call, sizeof call, ", called by %s at offset %llu", im->call_op,
             (unsigned long long)(base + im->call_offset));
  if (!im->name)
    snprintf(title, sizeof title, "Pickle imports %s (%s)", shown, im->why);
  else
    snprintf(title, sizeof title, "Pickle imports %s (%s)", shown, cls);
  const char *consequence =
      v.cls == MG_PK_DENY || !im->name
          ? "loading this file runs it: treat the file as executable code"
      : v.cls == MG_PK_UNKNOWN
          ? "loading this file imports it; it is not in the allowlist of what model checkpoints "
            "import (rules/pickle-imports.xml): review it before allowing it"
          : "loading this file imports it; it is not in the allowlist of tensor/array types";
  char resolved[600] = "", because[900] = "";
  if (v.aliased)
    snprintf(resolved, sizeof resolved, " (resolves to %s)", v.target);
  if (v.rule)
    snprintf(because, sizeof because, " Rule: %s%s%s%s.", v.rule, v.why ? " (" : "",
             v.why ? v.why : "", v.why ? ")" : "");
  else if (v.why)
    snprintf(because, sizeof because, " %s.", v.why);
  snprintf(msg, sizeof msg, "%s%s%s: %s at offset %llu imports %s%s%s; %s.%s", rs->artifact,
           loc[0] ? ", " : "", loc, via_name(im->via), (unsigned long long)off, shown, resolved,
           call, consequence, because);
  json_t *ev = json_pack(
      "{s:s, s:s, s:s, s:I, s:I, s:i, s:I, s:I}", "import", im->name ? shown : "?", "class", cls,
      "opcode", via_name(im->via), "offset", (json_int_t)off, "pickle_offset", (json_int_t)base,
      "pickle_index", index, "occurrences", (json_int_t)im->count, "calls", (json_int_t)im->calls);
  if (!ev)
    return -1;
  json_object_set_new(ev, "module", json_string(im->module));
  if (im->name) {
    json_object_set_new(ev, "name", json_string(im->name));
    json_object_set_new(ev, "target", json_string(v.target));
  }
  if (im->why)
    json_object_set_new(ev, "unresolved", json_string(im->why));
  if (v.rule)
    json_object_set_new(ev, "rule", json_string(v.rule));
  if (v.why)
    json_object_set_new(ev, "why", json_string(v.why));
  if (im->calls) {
    json_object_set_new(ev, "call_opcode", json_string(im->call_op));
    json_object_set_new(ev, "call_offset", json_integer((json_int_t)(base + im->call_offset)));
  }
  if (w->member) {
    char *m = printable_ascii(w->member);
    json_object_set_new(ev, "member", json_string(m ? m : "?"));
    free(m);
  }
  json_object_set_new(ev, "protocol", json_integer(r->protocol));
  mg_finding f = mgp_finding((mg_severity)sev, rule, title, msg);
  f.artifact = rs->artifact;
  f.location = loc;
  f.atlas = v.cls == MG_PK_DENY || !im->name ? atlas_code : atlas_unknown;
  f.mitigations = mitig_code;
  f.controls = controls;
  return emit(rs, &f, ev);
}

static int sink_pickle(void *user, const mg_pc_where *w, uint64_t base, int index, int strong,
                       const mg_pk_result *r) {
  run_state *rs = user;
  /* Taken for a pickle by content alone though the emulation objected on
   * the way (pc_scan.c: it reached STOP with a Python-looking import): an
   * import named by no Python name is bytes read out of step, such as a
   * zip's stored members read from the zip's first byte, and no unpickler
   * could import it. Unresolvable operands are still reported. */
  int out_of_step = !strong && r->errors;
  for (size_t i = 0; i < r->n_imports; i++) {
    const mg_pk_import *im = &r->imports[i];
    if (out_of_step && im->name &&
        (!mg_pc_python_name(im->module) || !mg_pc_python_name(im->name))) {
      rs->junk++;
      continue;
    }
    int rc = report_import(rs, w, base, index, r, im);
    if (rc)
      return rc;
  }
  if (!r->errors || !strong)
    return 0;
  rs->malformed++;
  if (!admit(rs, "pickle.malformed"))
    return 0;
  char loc[1200], title[300], msg[1800];
  uint64_t off = base + r->err_offset;
  where_text(w, off, 1, loc, sizeof loc);
  snprintf(title, sizeof title, "Malformed pickle: %s", r->err_msg);
  snprintf(msg, sizeof msg,
           "%s%s%s: the pickle is malformed (%s at offset %llu; %llu problem(s)). A loader "
           "stops there, but everything before it has already run; a malformed pickle is also a "
           "way to make other scanners give up. Imports before and after were still reported.",
           rs->artifact, loc[0] ? ", " : "", loc, r->err_msg, (unsigned long long)off,
           (unsigned long long)r->errors);
  json_t *ev = json_pack("{s:s, s:I, s:I, s:I, s:b, s:i}", "problem", r->err_msg, "offset",
                         (json_int_t)off, "problems", (json_int_t)r->errors, "opcodes",
                         (json_int_t)r->ops, "complete", r->complete, "pickle_index", index);
  mg_finding f = mgp_finding(MG_SEV_MEDIUM, "pickle.malformed", title, msg);
  f.artifact = rs->artifact;
  f.location = loc;
  f.atlas = atlas_unknown;
  f.mitigations = mitig_verify;
  f.controls = controls;
  return emit(rs, &f, ev);
}

typedef struct zgroup {
  uint32_t bits;
  const char *rule;
  mg_severity sev;
  const char *title;
} zgroup;

static const zgroup zgroups[] = {
    {MG_ZIP_NAME_MISMATCH | MG_ZIP_METHOD_MISMATCH | MG_ZIP_SIZE_MISMATCH |
         MG_ZIP_CRC_FIELD_MISMATCH | MG_ZIP_FLAGS_MISMATCH,
     "zip.header-mismatch", MG_SEV_HIGH, "Zip local header disagrees with the central directory"},
    {MG_ZIP_BAD_CRC, "zip.bad-crc", MG_SEV_MEDIUM, "Zip member fails its CRC check"},
    {MG_ZIP_ODD_FLAGS, "zip.odd-flags", MG_SEV_MEDIUM, "Zip member has unusual flag bits"},
    {MG_ZIP_OVERLAP, "zip.overlap", MG_SEV_HIGH, "Zip members overlap"},
    {MG_ZIP_DUPLICATE, "zip.duplicate-name", MG_SEV_HIGH, "Zip holds two members of one name"},
    {MG_ZIP_SIZE_WRONG | MG_ZIP_BAD_ZIP64, "zip.size-mismatch", MG_SEV_MEDIUM,
     "Zip member size disagrees with the central directory"},
    {MG_ZIP_NO_LOCAL | MG_ZIP_INFLATE_ERROR | MG_ZIP_TOO_LARGE, "zip.not-inspected", MG_SEV_MEDIUM,
     "Zip member could not be fully inspected"},
    /* Python's zipfile reads bzip2 and lzma members this scanner does not:
     * a member never examined may be the pickle a loader runs. */
    {MG_ZIP_UNSUPPORTED, "zip.unsupported-method", MG_SEV_HIGH,
     "Zip member compressed with a method the scanner does not read: not inspected"},
};

static int sink_zip(void *user, const mg_pc_where *w, const mg_zip_member *m,
                    const mg_zip_info *zi) {
  run_state *rs = user;
  char loc[1200];
  where_text(w, 0, 0, loc, sizeof loc);
  if (!m) {
    rs->zip_anomalies++;
    if (!admit(rs, "zip.archive-anomaly"))
      return 0;
    char msg[2000] = "";
    size_t l = 0;
    json_t *list = json_array();
    for (uint32_t b = 1; b && b <= MG_ZIP_A_TRUNCATED_CD; b <<= 1)
      if (zi->anomalies & b) {
        l += (size_t)snprintf(msg + l, l < sizeof msg ? sizeof msg - l : 0, "%s%s", l ? "; " : "",
                              mg_zip_archive_anomaly_text(b));
        json_array_append_new(list, json_string(mg_zip_archive_anomaly_text(b)));
      }
    char full[2600];
    snprintf(full, sizeof full, "%s%s%s: %s (%llu entries declared, %llu read).", rs->artifact,
             loc[0] ? ", " : "", loc, msg, (unsigned long long)zi->declared,
             (unsigned long long)zi->entries);
    json_t *ev =
        json_pack("{s:o, s:I, s:I, s:I}", "anomalies", list, "declared", (json_int_t)zi->declared,
                  "entries", (json_int_t)zi->entries, "shift", (json_int_t)zi->shift);
    mg_finding f =
        mgp_finding((zi->anomalies & ~(uint32_t)MG_ZIP_A_TRAILING) ? MG_SEV_MEDIUM : MG_SEV_LOW,
                    "zip.archive-anomaly", "Zip archive structure is irregular", full);
    f.artifact = rs->artifact;
    f.location = loc[0] ? loc : NULL;
    f.atlas = atlas_corrupt;
    f.mitigations = mitig_verify;
    f.controls = controls;
    return emit(rs, &f, ev);
  }
  for (size_t g = 0; g < sizeof zgroups / sizeof zgroups[0]; g++) {
    uint32_t bits = m->anomalies & zgroups[g].bits;
    if (!bits)
      continue;
    rs->zip_anomalies++;
    if (!admit(rs, zgroups[g].rule))
      continue;
    char what[1200] = "";
    size_t l = 0;
    json_t *list = json_array();
    for (uint32_t b = 1; b; b <<= 1)
      if (bits & b) {
        l += (size_t)snprintf(what + l, l < sizeof what ? sizeof what - l : 0, "%s%s",
                              l ? "; " : "", mg_zip_anomaly_text(b));
        json_array_append_new(list, json_string(mg_zip_anomaly_text(b)));
      }
    char *lname = m->local_name ? malloc(m->local_name_len + 1) : NULL;
    if (lname) {
      memcpy(lname, m->local_name, m->local_name_len);
      lname[m->local_name_len] = '\0';
    }
    char *lclean = lname ? printable_ascii(lname) : NULL;
    free(lname);
    char msg[3000];
    snprintf(msg, sizeof msg,
             "%s, %s: %s. The member was still read the way PyTorch reads it (central directory, "
             "data after the local header) and scanned; scanners that stop at such a member "
             "(picklescan CVE-2025-1945, CVE-2025-10156) miss what it holds.",
             rs->artifact, loc, what);
    json_t *ev = json_pack("{s:o, s:I, s:i, s:i, s:i, s:i, s:I, s:I, s:I}", "anomalies", list,
                           "index", (json_int_t)m->index, "flags", m->flags, "local_flags",
                           m->local_flags, "method", m->method, "local_method", m->local_method,
                           "crc", (json_int_t)m->crc, "actual_crc", (json_int_t)m->actual_crc,
                           "local_offset", (json_int_t)m->local_offset);
    if (ev && lclean)
      json_object_set_new(ev, "local_name", json_string(lclean));
    free(lclean);
    mg_finding f = mgp_finding(zgroups[g].sev, zgroups[g].rule, zgroups[g].title, msg);
    f.artifact = rs->artifact;
    f.location = loc;
    f.atlas = atlas_corrupt;
    f.mitigations = mitig_verify;
    f.controls = controls;
    int rc = emit(rs, &f, ev);
    if (rc)
      return rc;
  }
  return 0;
}

static int sink_note(void *user, const mg_pc_where *w, int sev, const char *rule,
                     const char *text) {
  run_state *rs = user;
  if (!admit(rs, rule))
    return 0;
  char loc[1200], msg[2000];
  where_text(w, 0, 0, loc, sizeof loc);
  snprintf(msg, sizeof msg, "%s%s%s: %s.", rs->artifact, loc[0] ? ", " : "", loc, text);
  mg_finding f = mgp_finding((mg_severity)sev, rule, text, msg);
  f.artifact = rs->artifact;
  f.location = loc[0] ? loc : NULL;
  f.atlas = atlas_unknown;
  f.mitigations = mitig_verify;
  f.controls = controls;
  return emit(rs, &f, NULL);
}

/* After each package file: say how many findings the per-rule cap held back. */
static int flush_caps(run_state *rs) {
  for (size_t i = 0; i < rs->n_counts; i++) {
    if (rs->counts[i].n <= PER_RULE_CAP)
      continue;
    char title[200], msg[1200];
    snprintf(title, sizeof title, "%llu more %s findings not listed",
             (unsigned long long)(rs->counts[i].n - PER_RULE_CAP), rs->counts[i].rule);
    snprintf(msg, sizeof msg,
             "%s: %llu findings of rule %s; the first %d are listed, the evidence counts all.",
             rs->artifact, (unsigned long long)rs->counts[i].n, rs->counts[i].rule, PER_RULE_CAP);
    mg_finding f = mgp_finding(MG_SEV_INFO, "pickle.more", title, msg);
    f.artifact = rs->artifact;
    f.controls = controls;
    int rc = emit(rs, &f, NULL);
    if (rc)
      return rc;
  }
  rs->n_counts = 0;
  return 0;
}

typedef struct walk_user {
  run_state *rs;
  const mg_pc_opts *o;
  const mg_pc_sink *sink;
  mg_pc_stats *st;
  const char *container;
  int rc;
} walk_user;

static int on_member(void *user, const char *member, const uint8_t *data, uint64_t size,
                     const char *note) {
  walk_user *wu = user;
  run_state *rs = wu->rs;
  /* Report against the inventory's name of the member. */
  size_t l = strlen(wu->container) + strlen(member) + 3;
  char *art = malloc(l);
  if (!art) {
    wu->rc = MG_ERR_NOMEM;
    return 1;
  }
  snprintf(art, l, "%s!/%s", wu->container, member);
  char *clean_art = printable_ascii(art);
  free(art);
  if (!clean_art) {
    wu->rc = MG_ERR_NOMEM;
    return 1;
  }
  const char *saved = rs->artifact;
  rs->artifact = clean_art;
  mg_pc_where w = {clean_art, NULL};
  (void)note; /* damage notes are package-anomaly's to report */
  int rc = mg_pc_scan_blob(wu->o, wu->sink, wu->st, &w, member, data, (size_t)size, 1);
  rs->artifact = saved;
  free(clean_art);
  if (rc) {
    wu->rc = rc < 0 ? MG_ERR_NOMEM : rc;
    return 1;
  }
  return 0;
}

/* One of the host's limits (option "limit.NAME"): the plugin keeps no copy
 * of the table, so a host that does not answer is an error. */
static int host_limit(const mg_services *svc, mg_plugin_ctx *ctx, const char *name, uint64_t *out) {
  char key[64];
  snprintf(key, sizeof key, "limit.%s", name);
  const char *v = svc->option(ctx, key);
  char *end = NULL;
  unsigned long long x = v ? strtoull(v, &end, 10) : 0;
  if (!v || !*v || *end) {
    svc->log(ctx, MG_LOG_ERROR, "pickle-code: the host gives no %s", key);
    return MG_ERR_ABI;
  }
  *out = (uint64_t)x;
  return MG_OK;
}

static int load_rules(run_state *rs) {
  const mg_services *svc = rs->svc;
  const char *dir = svc->option(rs->ctx, "rules-dir");
  if (!dir || !*dir)
    dir = MG_RULES_DIR;
  char path[4096], schema[4096], msg[1200];
  const char *own = svc->option(rs->ctx, "rules");
  snprintf(path, sizeof path, "%s", own && *own ? own : "");
  if (!path[0])
    snprintf(path, sizeof path, "%s/pickle-imports.xml", dir);
  snprintf(schema, sizeof schema, "%s/pickle-imports.rng", dir);
  uint64_t max_bytes;
  int rc = host_limit(svc, rs->ctx, "rules-bytes", &max_bytes);
  if (rc)
    return rc;
  rc = mg_pk_rules_load(path, schema, max_bytes, &rs->rules, msg, sizeof msg);
  if (rc)
    svc->log(rs->ctx, MG_LOG_ERROR, "%s", msg);
  return rc;
}

/* The options; docs/unsafe-artifacts.md. */
static const mg_plugin_option option_table[] = {
    {"rules", MG_OPTION_STRING, 0, 0, 0, "import rules file (unset: RULES-DIR/pickle-imports.xml)"},
    {"max-inflate", MG_OPTION_SIZE, 2147483648.0, 1, 18446744073709551615.0,
     "bytes a deflated zip member may inflate to"},
    {"depth", MG_OPTION_INTEGER, 4, 1, 1000, "containers opened inside each other"},
    {"torchscript-rules", MG_OPTION_STRING, 0, 0, 0,
     "TorchScript source rules (unset: RULES-DIR/torchscript-calls.xml)"},
    {NULL, 0, 0, 0, 0, NULL},
};

static int pc_run(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  run_state rs;
  memset(&rs, 0, sizeof rs);
  rs.svc = svc;
  rs.ctx = ctx;
  const char *strict = svc->option(ctx, "strict");
  rs.strict = strict && !strcmp(strict, "1");
  int rc = load_rules(&rs);
  if (rc)
    return rc;

  mg_pc_opts o;
  memset(&o, 0, sizeof o);
  uint64_t stack = 0, memo = 0, imports = 0;
  if ((rc = host_limit(svc, ctx, "pickle-stack", &stack)) ||
      (rc = host_limit(svc, ctx, "pickle-memo", &memo)) ||
      (rc = host_limit(svc, ctx, "pickle-imports", &imports)) ||
      (rc = host_limit(svc, ctx, "zip-entries", &o.max_zip_entries))) {
    mg_pk_rules_free(rs.rules);
    return rc;
  }
  o.pk.max_stack = (size_t)stack;
  o.pk.max_memo = (size_t)memo;
  o.pk.max_imports = (size_t)imports;
  double depth = 4, inflate = 0;
  if ((rc = mgp_opt(svc, ctx, "pickle-code", option_table, "max-inflate", &inflate)) ||
      (rc = mgp_opt(svc, ctx, "pickle-code", option_table, "depth", &depth))) {
    mg_pk_rules_free(rs.rules);
    return rc;
  }
  o.max_depth = (unsigned)depth;
  o.max_inflate = inflate >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)inflate;
  mg_pc_sink sink = {&rs, sink_pickle, sink_zip, sink_note};
  mg_pc_stats st;
  memset(&st, 0, sizeof st);

  size_t n = svc->file_count(ctx);
  uint64_t files = 0, unreadable = 0;
  mf_rules *ts_rules = NULL; /* TorchScript list, loaded at the first archive */
  for (size_t i = 0; i < n && !rc; i++) {
    mg_file_info fi;
    memset(&fi, 0, sizeof fi);
    fi.struct_size = sizeof fi;
    if (svc->file_info(ctx, i, &fi) || fi.depth != 0 || !fi.path)
      continue; /* members are reached through their container */
    svc->progress(ctx, "pickle-code", i, n);
    const uint8_t *data = NULL;
    uint64_t size = 0;
    if (svc->file_map(ctx, i, &data, &size)) {
      unreadable++;
      svc->log(ctx, MG_LOG_WARN, "pickle-code: %s could not be mapped: not inspected", fi.path);
      continue;
    }
    files++;
    rs.artifact = fi.path;
    mg_pc_where w = {fi.path, NULL};
    uint64_t zips_before = st.zips;
    o.use_libarchive = 0;
    /* TorchScript code/ sources first (pc_torchscript.c): the classes they
     * define are what the archive's own pickles may import. */
    mg_pc_ts_classes ts = {NULL, 0, 0};
    rc = mg_pc_torchscript_report(svc, ctx, fi.path, data, (size_t)size, o.max_inflate, &ts_rules,
                                  &ts);
    rs.ts = &ts;
    /* A tar.gz or the like: its members come from the host's walk; still
     * read the file itself as a pickle (polyglots). */
    mg_pc_opts flat = o;
    flat.flat = fi.is_archive && !mg_pc_zip_magic(data, (size_t)size);
    if (!rc)
      rc = mg_pc_scan_blob(&flat, &sink, &st, &w, fi.path, data, (size_t)size, 0);
    rs.ts = NULL;
    mg_pc_ts_classes_free(&ts);
    svc->file_unmap(ctx, i);
    if (!rc && fi.is_archive && st.zips == zips_before) {
      o.use_libarchive = 1;
      walk_user wu = {&rs, &o, &sink, &st, fi.path, 0};
      int wr = svc->archive_walk(ctx, i, on_member, &wu);
      rc = wu.rc ? wu.rc : wr;
    }
    rs.artifact = fi.path;
    if (!rc)
      rc = flush_caps(&rs);
    if (rc < 0)
      rc = MG_ERR_NOMEM;
    if (rs.failed)
      break;
  }
  json_t *ev = json_pack(
      "{s:{s:I, s:I, s:I, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:I, s:I, s:b, "
      "s:I}}",
      "pickle_code", "files", (json_int_t)files, "unreadable", (json_int_t)unreadable, "pickles",
      (json_int_t)st.pickles, "zips", (json_int_t)st.zips, "members", (json_int_t)st.members,
      "npy_object_arrays", (json_int_t)st.npy_object, "imports", "allowed", (json_int_t)rs.allowed,
      "review", (json_int_t)rs.review, "unknown", (json_int_t)rs.unknown, "denied",
      (json_int_t)rs.denied, "unresolved", (json_int_t)rs.unresolved, "torchscript_classes",
      (json_int_t)rs.torchscript_classes, "out_of_step", (json_int_t)rs.junk, "malformed",
      (json_int_t)rs.malformed, "zip_anomalies", (json_int_t)rs.zip_anomalies, "strict", rs.strict,
      "rules", (json_int_t)mg_pk_rules_count(rs.rules));
  if (ev) {
    char *s = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
    if (s)
      svc->evidence(ctx, s);
    free(s);
    json_decref(ev);
  }
  svc->log(ctx, MG_LOG_INFO,
           "pickle-code: %llu files, %llu pickles, imports: %llu allowed, %llu denied, %llu "
           "unknown, %llu unresolved",
           (unsigned long long)files, (unsigned long long)st.pickles,
           (unsigned long long)rs.allowed, (unsigned long long)rs.denied,
           (unsigned long long)rs.unknown, (unsigned long long)rs.unresolved);
  mg_pk_rules_free(rs.rules);
  mf_rules_free(ts_rules);
  return rc;
}

static const mg_plugin descriptor = {
    MG_PLUGIN_HEADER,
    "pickle-code",
    "0.1.0",
    "executable code in pickles, PyTorch checkpoints, joblib dumps and .npy object arrays",
    MG_NEED_FILES,
    atlas_all,
    mitig_all,
    controls,
    NULL,
    pc_run,
    NULL,
};

MG_PLUGIN_EXPORT const mg_plugin_option *mg_plugin_option_table(void) {
  return option_table;
}

MG_PLUGIN_EXPORT const mg_plugin *mg_plugin_entry(void) {
  return &descriptor;
}
