/* Unit tests of the pickle-code parts: the disassembler (memo, opcodes,
 * truncation, dedup), the rules (matching order, aliases, dunder walks,
 * malformed rules files named by line) and the zip walker (built here byte
 * by byte: header disagreement, duplicates, every truncation). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "check_main.h"
#include "printable.h"
#include "corpus_util.h"
#include "fake_host.h"
#include "pc_torchscript.h"
#include "pickle_dis.h"
#include "pickle_rules.h"
#include "zip_walk.h"

/* The caps the scan gives pickle-code by default (the pickle-* limits). */
static const mg_pk_limits caps = {(size_t)1 << 22, (size_t)1 << 22, 65536};

static mg_pk_result dis(const char *bytes, size_t n) {
  mg_pk_result r;
  ck_assert_int_eq(mg_pickle_dis((const uint8_t *)bytes, n, &caps, &r), 0);
  return r;
}

static const mg_pk_import *find_import(const mg_pk_result *r, const char *module,
                                       const char *name) {
  for (size_t i = 0; i < r->n_imports; i++)
    if (!strcmp(r->imports[i].module, module) && r->imports[i].name &&
        !strcmp(r->imports[i].name, name))
      return &r->imports[i];
  return NULL;
}

START_TEST(test_memo_resolves_stack_global) {
  /* "os"/"system" stored with MEMOIZE, popped, fetched back by BINGET. */
  static const char p[] = "\x80\x04\x8c\x02os\x94\x8c\x06system\x94"
                          "00]\x94h\x00h\x01\x93N\x85R.";
  mg_pk_result r = dis(p, sizeof p - 1);
  const mg_pk_import *im = find_import(&r, "os", "system");
  ck_assert_ptr_nonnull(im);
  ck_assert_int_eq(im->via, MG_PK_STACK_GLOBAL);
  ck_assert_uint_eq(im->offset, (uint64_t)((const char *)memchr(p, '\x93', sizeof p - 1) - p));
  ck_assert_uint_eq(im->calls, 1);
  ck_assert_str_eq(im->call_op, "REDUCE");
  ck_assert_int_eq(r.complete, 1);
  ck_assert_uint_eq(r.errors, 0);
  mg_pickle_result_free(&r);
}
END_TEST

START_TEST(test_protocol0_escapes_decode) {
  /* STRING with \x escapes and UNICODE with \u escapes are still strings. */
  static const char p[] = "S'\\x6fs'\np0\nVsy\\u0073tem\np1\n\x93.";
  mg_pk_result r = dis(p, sizeof p - 1);
  ck_assert_ptr_nonnull(find_import(&r, "os", "system"));
  mg_pickle_result_free(&r);
}
END_TEST

START_TEST(test_unresolved_and_ext) {
  static const char p[] = "\x80\x04N\x8c\x01x\x93\x82\x05.";
  mg_pk_result r = dis(p, sizeof p - 1);
  int unresolved = 0, ext = 0;
  for (size_t i = 0; i < r.n_imports; i++) {
    ck_assert_ptr_null(r.imports[i].name);
    unresolved += r.imports[i].via == MG_PK_STACK_GLOBAL;
    ext += r.imports[i].via == MG_PK_EXT;
  }
  ck_assert_int_eq(unresolved, 1);
  ck_assert_int_eq(ext, 1);
  mg_pickle_result_free(&r);
}
END_TEST

START_TEST(test_dedup_counts_occurrences) {
  static const char p[] = "\x80\x02(cos\nsystem\nN\x85R"
                          "cos\nsystem\nN\x85Rl.";
  mg_pk_result r = dis(p, sizeof p - 1);
  ck_assert_uint_eq(r.n_imports, 1);
  ck_assert_uint_eq(r.imports[0].count, 2);
  ck_assert_uint_eq(r.imports[0].calls, 2);
  ck_assert_uint_eq(r.imports[0].offset, 3);
  mg_pickle_result_free(&r);
}
END_TEST

START_TEST(test_bad_opcode_and_truncation_never_crash) {
  static const char bad[] = "\x80\x02N\xff.";
  mg_pk_result r = dis(bad, sizeof bad - 1);
  ck_assert_int_eq(r.fatal, 1);
  ck_assert_uint_eq(r.err_offset, 3);
  ck_assert_ptr_nonnull(strstr(r.err_msg, "0xff"));
  mg_pickle_result_free(&r);
  /* Every prefix of a pickle using many opcodes decodes without reading
   * past its end (ASan in CI) and says it is incomplete. */
  static const char full[] = "\x80\x05\x95\x10\x00\x00\x00\x00\x00\x00\x00"
                             "(K\x01M\x02\x00J\x03\x00\x00\x00\x8a\x01\x05"
                             "C\x02hi\x8c\x02ok\x96\x02\x00\x00\x00\x00\x00\x00\x00"
                             "ab"
                             "\x97\x98\x8f(\x90\x91\x88\x89\x85\x86\x87t}\x94"
                             "G\x00\x00\x00\x00\x00\x00\x00\x00"
                             "F1.5\nI7\nL8L\nS'x'\nV\\u0041\nU\x01z"
                             "T\x01\x00\x00\x00zX\x01\x00\x00\x00z"
                             "\x8d\x01\x00\x00\x00\x00\x00\x00\x00z"
                             "\x8e\x01\x00\x00\x00\x00\x00\x00\x00z"
                             "B\x01\x00\x00\x00z)]lea1.";
  for (size_t n = 0; n < sizeof full - 1; n++) {
    char *copy = malloc(n ? n : 1);
    memcpy(copy, full, n);
    r = dis(copy, n);
    ck_assert_int_eq(r.complete, 0);
    mg_pickle_result_free(&r);
    free(copy);
  }
  r = dis(full, sizeof full - 1);
  ck_assert_msg(r.complete == 1, "incomplete: %s at %llu", r.err_msg,
                (unsigned long long)r.err_offset);
  ck_assert_int_eq(r.protocol, 5);
  mg_pickle_result_free(&r);
}
END_TEST

START_TEST(test_errors_do_not_hide_later_imports) {
  /* Underflows and a missing memo key first, the payload after. */
  static const char p[] = "\x80\x02"
                          "000eh\x09"
                          "cposix\nsystem\nN\x85R.";
  mg_pk_result r = dis(p, sizeof p - 1);
  ck_assert_ptr_nonnull(find_import(&r, "posix", "system"));
  ck_assert_uint_ge(r.errors, 4);
  ck_assert_uint_eq(r.err_offset, 2);
  mg_pickle_result_free(&r);
}
END_TEST

/* --- rules ------------------------------------------------------------ */

static mg_pk_rules *rules;

static void load_rules(void) {
  char path[4096], schema[4096], msg[512];
  snprintf(path, sizeof path, "%s/pickle-imports.xml", cu_rules_dir());
  snprintf(schema, sizeof schema, "%s/pickle-imports.rng", cu_rules_dir());
  int rc = mg_pk_rules_load(path, schema, 16u << 20, &rules, msg, sizeof msg);
  ck_assert_msg(rc == 0, "%s", msg);
}

static void free_rules(void) {
  mg_pk_rules_free(rules);
  rules = NULL;
}

static mg_pk_class cls(const char *m, const char *n, int *sev) {
  mg_pk_verdict v;
  mg_pk_rules_classify(rules, m, n, 0, &v);
  if (sev)
    *sev = v.severity;
  return v.cls;
}

START_TEST(test_rules_classes) {
  int sev;
  ck_assert_int_eq(cls("torch._utils", "_rebuild_tensor_v2", NULL), MG_PK_ALLOW);
  ck_assert_int_eq(cls("torch", "FloatStorage", NULL), MG_PK_ALLOW);
  ck_assert_int_eq(cls("torch", "_utils._rebuild_tensor_v2", NULL), MG_PK_ALLOW);
  /* '*' stays within one component: a method of a storage is not a storage. */
  ck_assert_int_eq(cls("torch", "FloatStorage.from_file", NULL), MG_PK_UNKNOWN);
  ck_assert_int_eq(cls("numpy.core.multiarray", "_reconstruct", NULL), MG_PK_ALLOW);
  ck_assert_int_eq(cls("collections", "OrderedDict", NULL), MG_PK_ALLOW);
  /* An exact allow beats the module deny; the rest of builtins is denied. */
  ck_assert_int_eq(cls("builtins", "set", NULL), MG_PK_ALLOW);
  ck_assert_int_eq(cls("builtins", "getattr", &sev), MG_PK_DENY);
  ck_assert_int_eq(sev, 4);
  ck_assert_int_eq(cls("builtins", "type", NULL), MG_PK_DENY);
  /* Submodules of denied modules, aliases, and qualified names. */
  ck_assert_int_eq(cls("os.path", "join", NULL), MG_PK_DENY);
  ck_assert_int_eq(cls("posixpath", "join", NULL), MG_PK_DENY);
  ck_assert_int_eq(cls("_operator", "attrgetter", NULL), MG_PK_DENY);
  ck_assert_int_eq(cls("operator", "add", NULL), MG_PK_UNKNOWN);
  ck_assert_int_eq(cls("torch", "serialization.load", NULL), MG_PK_DENY);
  ck_assert_int_eq(cls("torch.serialization", "_get_layout", NULL), MG_PK_ALLOW);
  ck_assert_int_eq(cls("ossaudiodev", "open", NULL), MG_PK_UNKNOWN);
  /* TorchScript's list tags by exact name; the rest of torch.jit denied. */
  ck_assert_int_eq(cls("torch.jit._pickle", "build_intlist", NULL), MG_PK_ALLOW);
  ck_assert_int_eq(cls("torch.jit._pickle", "restore_type_tag", NULL), MG_PK_ALLOW);
  ck_assert_int_eq(cls("torch.jit._pickle", "build_intlist.__globals__", NULL), MG_PK_DENY);
  ck_assert_int_eq(cls("torch.jit", "load", NULL), MG_PK_DENY);
  ck_assert_int_eq(cls("__torch__", "Net", NULL), MG_PK_UNKNOWN); /* decided by the plugin */
  ck_assert_int_eq(cls("collections", "OrderedDict.__init__.__globals__", NULL), MG_PK_DENY);
  mg_pk_verdict v;
  mg_pk_rules_classify(rules, "__builtin__", "eval", 0, &v);
  ck_assert_int_eq(v.cls, MG_PK_DENY);
  ck_assert_int_eq(v.aliased, 1);
  ck_assert_str_eq(v.target, "builtins.eval");
  ck_assert_int_eq(cls("sklearn.linear_model._logistic", "LogisticRegression", &sev), MG_PK_REVIEW);
  ck_assert_int_eq(sev, 1);
  ck_assert_int_eq(cls("mypkg", "Thing", &sev), MG_PK_UNKNOWN);
  ck_assert_int_eq(sev, 3); /* high: an unknown import fails the default gate (issue 14) */
  mg_pk_rules_classify(rules, "mypkg", "Thing", 1, &v);
  ck_assert_int_eq(v.severity, 4);
}
END_TEST

static void rules_error(const char *xml, const char *want) {
  char path[] = "/tmp/mg-rules-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, xml, strlen(xml)), (ssize_t)strlen(xml));
  close(fd);
  char schema[4096], msg[512] = "";
  snprintf(schema, sizeof schema, "%s/pickle-imports.rng", cu_rules_dir());
  mg_pk_rules *r = NULL;
  int rc = mg_pk_rules_load(path, schema, 16u << 20, &r, msg, sizeof msg);
  unlink(path);
  ck_assert_int_eq(rc, 3 /* MG_ERR_FORMAT */);
  ck_assert_ptr_null(r);
  char expect[600];
  snprintf(expect, sizeof expect, "%s:%s", path, want);
  ck_assert_msg(strstr(msg, expect) != NULL, "message '%s' lacks '%s'", msg, expect);
}

START_TEST(test_rules_errors_name_file_and_line) {
  rules_error("<?xml version=\"1.0\"?>\n<pickle-imports version=\"1\">\n"
              "  <allow global=\"a.b\"/>\n  <oops/>\n</pickle-imports>\n",
              "4:");
  rules_error("<?xml version=\"1.0\"?>\n<pickle-imports version=\"1\">\n  <allow global=\"a.b\">\n"
              "</pickle-imports>\n",
              "4:");
  rules_error("<?xml version=\"1.0\"?>\n<pickle-imports version=\"1\">\n\n"
              "  <deny global=\"os.sys*tem.x*\"/>\n</pickle-imports>\n",
              "4:");
  rules_error("<?xml version=\"1.0\"?>\n<pickle-imports version=\"1\">\n"
              "  <review module=\"a\"/>\n</pickle-imports>\n",
              "3:");
}
END_TEST

/* --- zip walker ------------------------------------------------------- */

typedef struct zbuf {
  uint8_t b[4096];
  size_t n;
} zbuf;

static void w16(zbuf *z, unsigned v) {
  z->b[z->n++] = (uint8_t)v;
  z->b[z->n++] = (uint8_t)(v >> 8);
}

static void w32(zbuf *z, uint32_t v) {
  w16(z, v & 0xffff);
  w16(z, v >> 16);
}

static void wb(zbuf *z, const void *p, size_t n) {
  memcpy(z->b + z->n, p, n);
  z->n += n;
}

/* What local and central headers share, from "version needed" to the
 * extra field's length: stored, no flags, no time. */
static void w_common(zbuf *z, const char *name, const char *data) {
  size_t dl = strlen(data);
  w16(z, 20);
  w16(z, 0);
  w16(z, 0);
  w32(z, 0);
  w32(z, (uint32_t)crc32(0, (const Bytef *)data, (uInt)dl));
  w32(z, (uint32_t)dl);
  w32(z, (uint32_t)dl);
  w16(z, (unsigned)strlen(name));
  w16(z, 0);
}

/* Stored members; local_names[i] may differ from names[i]. */
static void build_zip(zbuf *z, int n, const char **names, const char **local_names,
                      const char **data) {
  uint32_t lho[8];
  memset(z, 0, sizeof *z);
  for (int i = 0; i < n; i++) {
    lho[i] = (uint32_t)z->n;
    w32(z, 0x04034b50u);
    w_common(z, local_names[i], data[i]);
    wb(z, local_names[i], strlen(local_names[i]));
    wb(z, data[i], strlen(data[i]));
  }
  uint32_t cd = (uint32_t)z->n;
  for (int i = 0; i < n; i++) {
    w32(z, 0x02014b50u);
    w16(z, 20); /* version made by */
    w_common(z, names[i], data[i]);
    w16(z, 0); /* comment, disk, internal and external attributes */
    w16(z, 0);
    w16(z, 0);
    w32(z, 0);
    w32(z, lho[i]);
    wb(z, names[i], strlen(names[i]));
  }
  uint32_t cds = (uint32_t)z->n - cd;
  w32(z, 0x06054b50u);
  w16(z, 0);
  w16(z, 0);
  w16(z, (unsigned)n);
  w16(z, (unsigned)n);
  w32(z, cds);
  w32(z, cd);
  w16(z, 0);
}

typedef struct seen {
  int count;
  uint32_t anomalies[8];
  char data[8][64];
} seen;

static int collect(void *user, const mg_zip_member *m) {
  seen *s = user;
  if (s->count < 8) {
    s->anomalies[s->count] = m->anomalies;
    snprintf(s->data[s->count], 64, "%.*s", (int)m->data_len, m->data ? (const char *)m->data : "");
  }
  s->count++;
  return 0;
}

START_TEST(test_zip_reads_through_header_disagreement) {
  const char *names[] = {"a/data.pkl", "a/x"}, *local[] = {"a/notes.md", "a/x"},
             *data[] = {"payload", "second"};
  zbuf z;
  build_zip(&z, 2, names, local, data);
  seen s = {0};
  mg_zip_info zi;
  ck_assert_int_eq(mg_zip_walk(z.b, z.n, 1 << 20, 1 << 20, collect, &s, &zi), 0);
  ck_assert_int_eq(s.count, 2);
  ck_assert(s.anomalies[0] & MG_ZIP_NAME_MISMATCH);
  ck_assert_str_eq(s.data[0], "payload");
  ck_assert_uint_eq(s.anomalies[1], 0);
  ck_assert_uint_eq(zi.anomalies, 0);
}
END_TEST

START_TEST(test_zip_duplicates_and_prefix) {
  const char *names[] = {"d.pkl", "d.pkl"}, *data[] = {"one", "two"};
  zbuf z;
  build_zip(&z, 2, names, names, data);
  seen s = {0};
  ck_assert_int_eq(mg_zip_walk(z.b, z.n, 1 << 20, 1 << 20, collect, &s, NULL), 0);
  ck_assert(s.anomalies[0] & MG_ZIP_DUPLICATE);
  ck_assert(s.anomalies[1] & MG_ZIP_DUPLICATE);
  /* Data prepended (a polyglot): offsets are shifted and it is reported. */
  zbuf p;
  memset(&p, 0, sizeof p);
  wb(&p, "#!/bin/sh\nexit 0\n", 17);
  wb(&p, z.b, z.n);
  memset(&s, 0, sizeof s);
  mg_zip_info zi;
  ck_assert_int_eq(mg_zip_walk(p.b, p.n, 1 << 20, 1 << 20, collect, &s, &zi), 0);
  ck_assert(zi.anomalies & MG_ZIP_A_PREPENDED);
  ck_assert_str_eq(s.data[1], "two");
}
END_TEST

START_TEST(test_zip_every_truncation_is_safe) {
  const char *names[] = {"a.pkl", "b"}, *data[] = {"\x80\x02N.", "xyz"};
  zbuf z;
  build_zip(&z, 2, names, names, data);
  for (size_t n = 0; n < z.n; n++) {
    uint8_t *copy = malloc(n ? n : 1);
    memcpy(copy, z.b, n);
    seen s = {0};
    int rc = mg_zip_walk(copy, n, 1 << 20, 1 << 20, collect, &s, NULL);
    ck_assert(rc == 0 || rc == 1);
    free(copy);
  }
  ck_assert_int_eq(mg_zip_walk((const uint8_t *)"not a zip at all, just text....", 31, 1 << 20,
                               1 << 20, collect, &(seen){0}, NULL),
                   1);
}
END_TEST

/* The __torch__ classes a TorchScript archive's own pickles may import:
 * those its code/ defines, from data.pkl or constants.pkl of that code's
 * directory (or the archive read whole as one pickle), nothing else. */
START_TEST(test_torchscript_classes) {
  const char *names[] = {"m/code/__torch__.py", "m/code/__torch__/torch/nn/modules/linear.py",
                         "m/code/__torch__/___torch_mangle_3.py", "m/data.pkl", "m/constants.pkl"},
             *data[] = {"class Net(Module):\n  fc : __torch__.torch.nn.modules.linear.Linear\n"
                        "  def forward(self: __torch__.Net) -> Tensor:\n    return x\n",
                        "class Linear(Module):\n  class Inner(Module):\n",
                        "class Net:\n  pass\nclass  Spaced(Module):\nclass Half", "\x80\x02N.",
                        "\x80\x02N."};
  zbuf z;
  build_zip(&z, 5, names, names, data);
  mf_list l;
  mf_init(&l, "TorchScript");
  mg_pc_ts_classes c = {NULL, 0, 0};
  ck_assert_int_eq(mg_pc_torchscript_check("m.pt", z.b, z.n, 1 << 20, NULL, &l, &c), 1);
  ck_assert_uint_eq(c.n, 3); /* Net, Linear, ___torch_mangle_3.Net */
  ck_assert(mg_pc_ts_class_defined(&c, "m/data.pkl", "__torch__", "Net"));
  ck_assert(
      mg_pc_ts_class_defined(&c, "m/constants.pkl", "__torch__.torch.nn.modules.linear", "Linear"));
  ck_assert(mg_pc_ts_class_defined(&c, "m/data.pkl", "__torch__.___torch_mangle_3", "Net"));
  ck_assert(mg_pc_ts_class_defined(&c, NULL, "__torch__", "Net"));
  /* Not defined, nested, indented or a method: unknown as before. */
  ck_assert(!mg_pc_ts_class_defined(&c, "m/data.pkl", "__torch__", "Evil"));
  ck_assert(
      !mg_pc_ts_class_defined(&c, "m/data.pkl", "__torch__.torch.nn.modules.linear", "Inner"));
  ck_assert(!mg_pc_ts_class_defined(&c, "m/data.pkl", "__torch__", "Net.forward"));
  ck_assert(!mg_pc_ts_class_defined(&c, "m/data.pkl", "__torch__.___torch_mangle_3", "Spaced"));
  ck_assert(!mg_pc_ts_class_defined(&c, NULL, "__torch__", "Evil"));
  /* Only the archive's own data.pkl and constants.pkl, of that directory. */
  ck_assert(!mg_pc_ts_class_defined(&c, "m/extra.pkl", "__torch__", "Net"));
  ck_assert(!mg_pc_ts_class_defined(&c, "other/data.pkl", "__torch__", "Net"));
  ck_assert(!mg_pc_ts_class_defined(&c, "m/inner.zip!/m/data.pkl", "__torch__", "Net"));
  /* Only __torch__: a module of the same name elsewhere is not the archive's. */
  ck_assert(!mg_pc_ts_class_defined(&c, "m/data.pkl", "torch.nn.modules.linear", "Linear"));
  mg_pc_ts_classes_free(&c);
  mf_free(&l);
  /* Without data.pkl or constants.pkl the zip is not TorchScript: no classes. */
  mf_init(&l, "TorchScript");
  ck_assert_int_eq(mg_pc_torchscript_check("m.pt", z.b, z.n, 1 << 20, NULL, &l, &c), 1);
  mg_pc_ts_classes_free(&c);
  build_zip(&z, 3, names, names, data);
  ck_assert_int_eq(mg_pc_torchscript_check("m.zip", z.b, z.n, 1 << 20, NULL, &l, &c), 0);
  ck_assert_uint_eq(c.n, 0);
  mf_free(&l);
}
END_TEST

/* A blob taken for a pickle by content alone while the emulation objected
 * (here a POP on an empty stack) reports its Python-named imports only: a
 * name no module could have is bytes read out of step. Under a pickle's
 * name every import is reported as before. */
START_TEST(test_out_of_step_names) {
  static const char p[] = "0cos\nsystem\ncjunk/\x01 b\nx y\n.";
  char dir[] = "/tmp/mg-outofstep-XXXXXX", path[64];
  ck_assert_ptr_nonnull(mkdtemp(dir));
  static const char *const names[] = {"notes.bin", "dump.pkl"};
  for (int strong = 0; strong < 2; strong++) {
    snprintf(path, sizeof path, "%s/%s", dir, names[strong]);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(p, 1, sizeof p - 1, f), sizeof p - 1);
    fclose(f);
    fh_host *h = fh_open(dir);
    ck_assert_ptr_nonnull(h);
    fh_set_option(h, "rules-dir", cu_rules_dir());
    ck_assert_int_eq(fh_run(h, mg_plugin_entry()), 0);
    int denied = 0, unknown = 0;
    size_t i;
    json_t *fd;
    json_array_foreach(fh_findings(h), i, fd) {
      const char *rule = json_string_value(json_object_get(fd, "rule"));
      denied += !strcmp(rule, "pickle.denied-import");
      unknown += !strcmp(rule, "pickle.unknown-import");
    }
    ck_assert_int_eq(denied, 1); /* os.system, either way */
    ck_assert_int_eq(unknown, strong);
    json_t *imports = json_object_get(json_object_get(fh_evidence(h), "pickle_code"), "imports");
    ck_assert_int_eq(json_integer_value(json_object_get(imports, "out_of_step")), !strong);
    fh_close(h);
    unlink(path);
  }
  rmdir(dir);
}
END_TEST

/* Names from hostile packages reach findings as printable ASCII, and a
 * bounded copy never splits an escape. */
START_TEST(test_printable_ascii) {
  char *p = printable_ascii("dir/a\x01"
                            "b\xff\tc.pkl");
  ck_assert_ptr_nonnull(p);
  ck_assert_str_eq(p, "dir/a\\x01b\\xff\\x09c.pkl");
  free(p);
  char buf[8];
  printable_ascii_into(buf, sizeof buf, "ab\x1b[2J");
  ck_assert_str_eq(buf, "ab\\x1b["); /* 7 bytes and the terminator */
  printable_ascii_into(buf, 6, "ab\x1b[2J");
  ck_assert_str_eq(buf, "ab"); /* the escape needs 5 with the terminator, 4 left */
  printable_ascii_into(buf, sizeof buf, NULL);
  ck_assert_str_eq(buf, "");
}
END_TEST

/* The bounded inflate behind zip members and compressed dumps: whole
 * streams, the size cap, and damage, in each header format. */
START_TEST(test_inflate_bounded) {
  uint8_t plain[100000];
  for (size_t i = 0; i < sizeof plain; i++)
    plain[i] = (uint8_t)(i * 7 % 251);
  uLongf zn = compressBound(sizeof plain);
  uint8_t *z = malloc(zn);
  ck_assert_ptr_nonnull(z);
  ck_assert_int_eq(compress2(z, &zn, plain, sizeof plain, 6), Z_OK);
  uint8_t *out;
  uint64_t n;
  int st;
  /* zlib header, from a small start: the buffer grows to the whole. */
  ck_assert_int_eq(mg_inflate_bounded(z, zn, 15 + 32, 1024, 1 << 20, &out, &n, &st), 0);
  ck_assert_int_eq(st, MG_INFLATE_DONE);
  ck_assert_uint_eq(n, sizeof plain);
  ck_assert(!memcmp(out, plain, sizeof plain));
  free(out);
  /* Capped: stops at the cap and says so. */
  ck_assert_int_eq(mg_inflate_bounded(z, zn, 15 + 32, 1024, 5000, &out, &n, &st), 0);
  ck_assert_int_eq(st, MG_INFLATE_OVER);
  ck_assert_uint_eq(n, 5000);
  ck_assert(!memcmp(out, plain, 5000));
  free(out);
  /* Cut short, then corrupted: damaged, with what could be read. */
  ck_assert_int_eq(mg_inflate_bounded(z, zn / 2, 15 + 32, 1024, 1 << 20, &out, &n, &st), 0);
  ck_assert_int_eq(st, MG_INFLATE_DAMAGED);
  ck_assert_uint_lt(n, sizeof plain);
  free(out);
  z[zn / 3] ^= 0x5a;
  z[zn / 3 + 1] ^= 0xa5;
  ck_assert_int_eq(mg_inflate_bounded(z, zn, 15 + 32, 1024, 1 << 20, &out, &n, &st), 0);
  ck_assert_int_eq(st, MG_INFLATE_DAMAGED); /* a bad code or the checksum */
  free(out);
  /* Raw deflate (zip members): the zlib stream without its 2-byte header
   * and 4-byte trailer. */
  zn = compressBound(sizeof plain);
  ck_assert_int_eq(compress2(z, &zn, plain, sizeof plain, 6), Z_OK);
  ck_assert_int_eq(mg_inflate_bounded(z + 2, zn - 6, -MAX_WBITS, 65536, 1 << 20, &out, &n, &st), 0);
  ck_assert_int_eq(st, MG_INFLATE_DONE);
  ck_assert_uint_eq(n, sizeof plain);
  free(out);
  free(z);
}
END_TEST

int main(void) {
  Suite *s = suite_create("pickle-units");
  TCase *t = tcase_create("text");
  tcase_add_test(t, test_printable_ascii);
  suite_add_tcase(s, t);
  TCase *d = tcase_create("disassembler");
  tcase_add_test(d, test_memo_resolves_stack_global);
  tcase_add_test(d, test_protocol0_escapes_decode);
  tcase_add_test(d, test_unresolved_and_ext);
  tcase_add_test(d, test_dedup_counts_occurrences);
  tcase_add_test(d, test_bad_opcode_and_truncation_never_crash);
  tcase_add_test(d, test_errors_do_not_hide_later_imports);
  suite_add_tcase(s, d);
  TCase *r = tcase_create("rules");
  tcase_add_checked_fixture(r, load_rules, free_rules);
  tcase_add_test(r, test_rules_classes);
  tcase_add_test(r, test_rules_errors_name_file_and_line);
  tcase_add_test(r, test_out_of_step_names);
  suite_add_tcase(s, r);
  TCase *z = tcase_create("zip");
  tcase_add_test(z, test_inflate_bounded);
  tcase_add_test(z, test_zip_reads_through_header_disagreement);
  tcase_add_test(z, test_zip_duplicates_and_prefix);
  tcase_add_test(z, test_zip_every_truncation_is_safe);
  tcase_add_test(z, test_torchscript_classes);
  suite_add_tcase(s, z);
  return mg_check_run(s);
}
