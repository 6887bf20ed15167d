/* package-anomaly and onnx-integrity through the stand-in host: a package
 * made here with a real ELF, scripts, an executable bit, an undeclared file,
 * a tar.gz holding a program, and the notes the unpacker records; and ONNX
 * audits with every kind of problem. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "check_main.h"
#include "corpus_util.h"
#include "fake_host.h"

const mg_plugin *pa_entry(void);
const mg_plugin *oi_entry(void);

static char dir[64];

static void put(const char *rel, const void *data, size_t n, mode_t mode) {
  char p[512];
  snprintf(p, sizeof p, "%s/%s", dir, rel);
  char *slash = strrchr(p, '/');
  *slash = '\0';
  mkdir(p, 0755);
  *slash = '/';
  FILE *f = fopen(p, "wb");
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(data, 1, n, f), n);
  fclose(f);
  chmod(p, mode);
}

static void *slurp(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  fseek(f, 0, SEEK_END);
  *n = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  void *b = malloc(*n);
  ck_assert_uint_eq(fread(b, 1, *n, f), *n);
  fclose(f);
  return b;
}

/* An archive at rel holding n members: a tar.gz, or a zip when zip. */
static void archive_of(const char *rel, int zip, size_t n, const char *const *members,
                       const void *const *data, const size_t *sizes) {
  char p[512];
  snprintf(p, sizeof p, "%s/%s", dir, rel);
  struct archive *a = archive_write_new();
  if (zip) {
    archive_write_set_format_zip(a);
  } else {
    archive_write_set_format_pax_restricted(a);
    archive_write_add_filter_gzip(a);
  }
  ck_assert_int_eq(archive_write_open_filename(a, p), ARCHIVE_OK);
  for (size_t i = 0; i < n; i++) {
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, members[i]);
    archive_entry_set_size(e, (la_int64_t)sizes[i]);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_write_header(a, e);
    archive_write_data(a, data[i], sizes[i]);
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
}

static void tar_with(const char *rel, const char *member, const void *data, size_t n) {
  archive_of(rel, 0, 1, &member, &data, &n);
}

static json_t *find(json_t *findings, const char *rule, const char *artifact) {
  size_t i;
  json_t *f;
  json_array_foreach(findings, i, f) {
    if (!strcmp(json_string_value(json_object_get(f, "rule")), rule) &&
        (!artifact || !strcmp(json_string_value(json_object_get(f, "artifact")), artifact)))
      return f;
  }
  return NULL;
}

#define EXPECT(findings, rule, artifact, sev)                                                      \
  do {                                                                                             \
    json_t *f_ = find(findings, rule, artifact);                                                   \
    if (!f_) {                                                                                     \
      char *d_ = cu_dump(findings);                                                                \
      ck_abort_msg("no %s on %s in %s", rule, artifact ? artifact : "*", d_);                      \
    }                                                                                              \
    ck_assert_str_eq(json_string_value(json_object_get(f_, "severity")), sev);                     \
  } while (0)

/* Findings a test expects: rule, artifact (NULL: any), severity. */
typedef struct want {
  const char *rule, *artifact, *severity;
} want;

#define EXPECT_ALL(findings, table)                                                                \
  do {                                                                                             \
    for (size_t w_ = 0; w_ < sizeof(table) / sizeof(table)[0]; w_++)                               \
      EXPECT(findings, (table)[w_].rule, (table)[w_].artifact, (table)[w_].severity);              \
  } while (0)

static void setup(void) {
  snprintf(dir, sizeof dir, "/tmp/mg-anomaly-XXXXXX");
  ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void) {
  cu_remove_tree(dir);
}

START_TEST(test_package_anomalies) {
  size_t elf_n;
  void *elf = slurp("/bin/sh", &elf_n);
  put("model.onnx", "\x08\x07", 2, 0644);
  put("data/train-images.npy", "\x93NUMPY", 6, 0755); /* exec bit on data */
  put("tools/run", elf, elf_n, 0755);                 /* an ELF program, no extension */
  put("tools/fetch.sh", "#!/bin/sh\ncurl x | sh\n", 22, 0644);
  put("notes/hook.py", "import os\n", 10, 0644);
  put("extra.bin", "xyz", 3, 0644); /* not in the descriptor */
  put("modelgate.json", "{}", 2, 0644);
  tar_with("weights.tar.gz", "bin/helper", elf, elf_n);
  free(elf);
  fh_host *h = fh_open(dir);
  ck_assert_ptr_nonnull(h);
  fh_set_descriptor(h, "{\"model\": \"model.onnx\", \"train\": {\"inputs\": "
                       "\"data/train-images.npy\", \"labels\": \"data/train-labels.npy\"}}");
  fh_add_member(h, "weights.tar.gz", "inner.tar",
                "nested archive beyond the depth limit: not "
                "inspected");
  fh_set_note(h, "weights.tar.gz", "member 'evil' is a link to '/etc/passwd'");
  ck_assert_int_eq(fh_run(h, pa_entry()), 0);
  json_t *fs = fh_findings(h);
  static const want found[] = {
      {"package.executable", "tools/run", "high"},
      {"package.script", "tools/fetch.sh", "medium"},
      {"package.script", "notes/hook.py", "medium"},
      {"package.exec-bit", "data/train-images.npy", "low"},
      {"package.undeclared-file", "extra.bin", "low"},
      {"package.executable", "weights.tar.gz!/bin/helper", "high"},
      {"package.not-inspected", "weights.tar.gz!/inner.tar", "high"}, /* issue 14 */
      {"package.link-member", "weights.tar.gz", "high"},
  };
  EXPECT_ALL(fs, found);
  /* Declared files and the descriptor itself are not "undeclared". */
  ck_assert_ptr_null(find(fs, "package.undeclared-file", "model.onnx"));
  ck_assert_ptr_null(find(fs, "package.undeclared-file", "modelgate.json"));
  ck_assert_ptr_null(find(fs, "package.undeclared-file", "data/train-images.npy"));
  /* Every finding is tied to ATLAS and a control. */
  size_t i;
  json_t *f;
  json_array_foreach(fs, i, f) {
    ck_assert_int_gt(json_array_size(json_object_get(f, "atlas")), 0);
    ck_assert_int_gt(json_array_size(json_object_get(f, "controls")), 0);
  }
  fh_close(h);
}
END_TEST

START_TEST(test_magic_beats_name) {
  /* Minimal PE (DLL and program), Mach-O (dylib and program), fat Mach-O
   * and a Java class, all under innocent names. */
  uint8_t pe[0x60] = {'M', 'Z'};
  pe[0x3c] = 0x40;
  memcpy(pe + 0x40, "PE\0\0", 4);
  pe[0x40 + 22 + 1] = 0x20; /* IMAGE_FILE_DLL */
  put("weights.bin", pe, sizeof pe, 0644);
  pe[0x40 + 22 + 1] = 0;
  put("labels.dat", pe, sizeof pe, 0644);
  uint8_t mo[32] = {0xcf, 0xfa, 0xed, 0xfe};
  mo[12] = 6; /* MH_DYLIB, little endian */
  put("vocab.txt", mo, sizeof mo, 0644);
  mo[12] = 2; /* MH_EXECUTE */
  put("config.yaml", mo, sizeof mo, 0644);
  uint8_t fat[16] = {0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2};
  put("a.npy", fat, sizeof fat, 0644);
  uint8_t java[16] = {0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52};
  put("b.npy", java, sizeof java, 0644);
  fh_host *h = fh_open(dir);
  ck_assert_int_eq(fh_run(h, pa_entry()), 0);
  json_t *fs = fh_findings(h);
  static const want found[] = {
      {"package.shared-object", "weights.bin", "high"},
      {"package.executable", "labels.dat", "high"},
      {"package.shared-object", "vocab.txt", "high"},
      {"package.executable", "config.yaml", "high"},
      {"package.executable", "a.npy", "high"},
      {"package.executable", "b.npy", "high"},
  };
  EXPECT_ALL(fs, found);
  ck_assert_ptr_nonnull(
      strstr(json_string_value(json_object_get(find(fs, "package.executable", "b.npy"), "message")),
             "Java"));
  ck_assert_int_eq(json_array_size(fs), 6);
  fh_close(h);
}
END_TEST

/* torch.jit.save's code/ sources are TorchScript that torch.jit.load
 * compiles and pickle-code reads: no script findings for them, but a .py
 * outside such an archive, or one whose content is a #! script, still is. */
START_TEST(test_torchscript_sources) {
  static const char *const ts[] = {
      "model/code/__torch__.py", "model/code/__torch__/torch/nn/modules/linear.py",
      "model/code/__torch__/run.py", "model/data.pkl", "model/constants.pkl"};
  static const char *const not_ts[] = {"tools/code/__torch__.py", "tools/other/data.pkl"};
  const void *src[] = {"class Net(Module):\n", "class Linear(Module):\n", "#!/bin/sh\nid\n",
                       "\x80\x02}q\x00.", "\x80\x02)."};
  const size_t sizes[] = {19, 22, 13, 6, 4};
  archive_of("model.pt", 1, 5, ts, src, sizes);
  archive_of("tools.zip", 1, 2, not_ts, src, sizes);
  fh_host *h = fh_open(dir);
  ck_assert_ptr_nonnull(h);
  ck_assert_int_eq(fh_run(h, pa_entry()), 0);
  json_t *fs = fh_findings(h);
  ck_assert_ptr_null(find(fs, "package.script", "model.pt!/model/code/__torch__.py"));
  ck_assert_ptr_null(
      find(fs, "package.script", "model.pt!/model/code/__torch__/torch/nn/modules/linear.py"));
  EXPECT(fs, "package.script", "model.pt!/model/code/__torch__/run.py", "medium");
  EXPECT(fs, "package.script", "tools.zip!/tools/code/__torch__.py", "medium");
  json_t *ev = json_object_get(fh_evidence(h), "package_anomaly");
  ck_assert_int_eq(json_integer_value(json_object_get(ev, "torchscript_sources")), 3);
  fh_close(h);
}
END_TEST

START_TEST(test_package_clean) {
  put("model.onnx", "\x08\x07", 2, 0644);
  put("data/train-images.npy", "\x93NUMPY", 6, 0644);
  fh_host *h = fh_open(dir);
  fh_set_descriptor(h, "{\"model\": \"model.onnx\", \"train\": {\"inputs\": "
                       "\"data/train-images.npy\"}}");
  ck_assert_int_eq(fh_run(h, pa_entry()), 0);
  ck_assert_int_eq(json_array_size(fh_findings(h)), 0);
  fh_close(h);
}
END_TEST

START_TEST(test_onnx_audit_findings) {
  put("model.onnx", "\x08\x07", 2, 0644);
  fh_host *h = fh_open(dir);
  fh_set_audit(
      h, "model.onnx",
      "{\"producer_name\": \"pytorch\", \"producer_version\": \"2.1\", \"ir_version\": 8,"
      " \"opset_imports\": [{\"domain\": \"\", \"version\": 17}], \"functions\": 1,"
      " \"metadata_props\": {\"author\": \"vendor\"},"
      " \"external_data\": ["
      "  {\"tensor\": \"w1\", \"location\": \"../../etc/passwd\", \"status\": \"escapes\"},"
      "  {\"tensor\": \"w2\", \"location\": \"/etc/shadow\", \"status\": \"absolute\"},"
      "  {\"tensor\": \"w3\", \"location\": \"link.bin\", \"status\": \"symlink\"},"
      "  {\"tensor\": \"w4\", \"location\": \"gone.bin\", \"status\": \"missing\"},"
      "  {\"tensor\": \"w5\", \"location\": \"w.bin\", \"status\": \"out-of-range\"},"
      "  {\"tensor\": \"w6\", \"location\": \"ok.bin\", \"status\": \"ok\"}],"
      " \"custom_domains\": [\"com.evil\"],"
      " \"unsupported_ops\": [{\"op\": \"Loop\", \"domain\": \"\"}],"
      " \"shadowed_inputs\": [\"fc.weight\"],"
      " \"initializer_mismatches\": [{\"name\": \"b\", \"reason\": \"4 bytes for 10 "
      "floats\"}],"
      " \"absurd_dims\": [{\"where\": \"input\", \"name\": \"x\", \"reason\": \"dimension of 2^31 "
      "or more\"}],"
      " \"load_error\": null}");
  ck_assert_int_eq(fh_run(h, oi_entry()), 0);
  json_t *fs = fh_findings(h);
  ck_assert_int_eq(json_array_size(fs), 11); /* all but the "ok" reference */
  static const want found[] = {
      {"onnx.unread-parts", "model.onnx", "info"},
      {"onnx.external-data-escape", "model.onnx", "critical"},
      {"onnx.external-data-missing", "model.onnx", "high"},
      {"onnx.external-data-range", "model.onnx", "high"},
      {"onnx.custom-domain", "model.onnx", "medium"},
      {"onnx.unsupported-op", "model.onnx", "info"},
      {"onnx.shadowed-initializer", "model.onnx", "medium"},
      {"onnx.initializer-size", "model.onnx", "high"},
      {"onnx.absurd-dims", "model.onnx", "medium"},
  };
  EXPECT_ALL(fs, found);
  size_t i, escapes = 0;
  json_t *f;
  json_array_foreach(fs, i, f) escapes +=
      !strcmp(json_string_value(json_object_get(f, "rule")), "onnx.external-data-escape");
  ck_assert_uint_eq(escapes, 3);
  /* Metadata goes to the evidence. */
  json_t *m = json_array_get(
      json_object_get(json_object_get(fh_evidence(h), "onnx_integrity"), "models"), 0);
  ck_assert_str_eq(json_string_value(json_object_get(m, "producer_name")), "pytorch");
  ck_assert_int_eq(json_integer_value(json_object_get(m, "ir_version")), 8);
  fh_close(h);
}
END_TEST

START_TEST(test_onnx_load_error_and_bad_audit) {
  put("model.onnx", "\x08\x07", 2, 0644);
  put("other.onnx", "\x08\x07", 2, 0644);
  fh_host *h = fh_open(dir);
  fh_set_audit(h, "model.onnx",
               "{\"parsed\": true, \"loaded\": false, \"load_error\": {\"code\": "
               "\"malformed or inconsistent input\", \"message\": \"graph: node 3 uses "
               "undefined tensor 'x'\"}}");
  fh_set_audit(h, "other.onnx", "not json");
  ck_assert_int_eq(fh_run(h, oi_entry()), 0);
  EXPECT(fh_findings(h), "onnx.load-error", "model.onnx", "high");
  ck_assert_int_eq(json_array_size(fh_findings(h)), 1);
  /* The unusable audit is logged, naming the file. */
  char *logs = json_dumps(fh_logs(h), 0);
  ck_assert_ptr_nonnull(strstr(logs, "other.onnx"));
  free(logs);
  fh_close(h);
}
END_TEST

int main(void) {
  return mg_check_case("anomaly-onnx", setup, teardown,
                       MG_CHECK_TESTS(test_package_anomalies, test_package_clean,
                                      test_torchscript_sources, test_magic_beats_name,
                                      test_onnx_audit_findings,
                                      test_onnx_load_error_and_bad_audit));
}
