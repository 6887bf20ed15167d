/* Unit tests: package path rules and limit parsing. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "base/limit_table.h"
#include "intake/path.h"

static mg_limits lim;

static void setup(void) {
  mg_limits_default(&lim);
}

/* Normalises name and returns the normal form (or NULL) and the code. */
static char *norm(const char *name, int *code, char *msg) {
  mg_err err;
  mg_err_clear(&err);
  char *out = NULL;
  *code = mg_path_normalize(name, &lim, "t", &out, &err);
  if (msg)
    strcpy(msg, err.msg);
  return out;
}

START_TEST(accepts_and_normalises) {
  static const char *cases[][2] = {{"a/b.npy", "a/b.npy"},
                                   {"./a//b/./c", "a/b/c"},
                                   {"dir/", "dir"},
                                   {"caf\xc3\xa9.onnx", "caf\xc3\xa9.onnx"},
                                   {"..a/b..", "..a/b.."}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    int code;
    char *out = norm(cases[i][0], &code, NULL);
    ck_assert_msg(code == MG_OK, "'%s' refused", cases[i][0]);
    ck_assert_str_eq(out, cases[i][1]);
    free(out);
  }
}
END_TEST

START_TEST(refuses_escapes) {
  static const char *cases[][2] = {{"../x", "'..' component"},
                                   {"a/../../x", "'..' component"},
                                   {"/etc/passwd", "absolute path"},
                                   {"C:evil", "drive-letter"},
                                   {"a\\..\\x", "backslash"},
                                   {"a\x01"
                                    "b",
                                    "control character"},
                                   {"\xc0\xaf", "not valid UTF-8"},     /* overlong '/' */
                                   {"\xed\xa0\x80", "not valid UTF-8"}, /* surrogate */
                                   {"", "empty name"},
                                   {".", "names no file"},
                                   {"./", "names no file"}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    int code;
    char msg[1024];
    char *out = norm(cases[i][0], &code, msg);
    ck_assert_msg(code == MG_ERR_UNSAFE, "case %zu accepted", i);
    ck_assert_ptr_null(out);
    ck_assert_msg(strstr(msg, cases[i][1]), "case %zu: message '%s' lacks '%s'", i, msg,
                  cases[i][1]);
  }
}
END_TEST

START_TEST(name_length_is_a_limit) {
  char name[2048];
  memset(name, 'a', sizeof name - 1);
  name[sizeof name - 1] = '\0';
  int code;
  char msg[1024];
  ck_assert_ptr_null(norm(name, &code, msg));
  ck_assert_int_eq(code, MG_ERR_LIMIT);
  ck_assert_ptr_nonnull(strstr(msg, "name-bytes"));
}
END_TEST

START_TEST(fold_and_match) {
  char *f = mg_path_fold("Dir/Model.ONNX");
  ck_assert_str_eq(f, "dir/model.onnx");
  free(f);
  /* Issue 14 item 7: names a normalising or case-insensitive file system
   * would merge get one key. */
  static const char *same[][2] = {
      {"caf\xc3\xa9.bin", "cafe\xcc\x81.bin"}, /* NFC, NFD */
      {"\xe2\x84\xaa"
       "ey.bin",
       "key.bin"}, /* KELVIN SIGN */
      {"\xc3\x85ngstr\xc3\xb6m", "\xe2\x84\xab"
                                 "ngstro\xcc\x88m"}, /* ANGSTROM SIGN */
      {"\xef\xbc\xad\xef\xbd\x8f"
       "del",
       "model"}, /* fullwidth */
      {"STRA\xc3\x9f"
       "E",
       "strasse"}, /* sharp s folds fully */
      {"mod\xc2\xad"
       "el.onnx",
       "model.onnx"}, /* soft hyphen is ignorable */
  };
  for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
    char *a = mg_path_fold(same[i][0]), *b = mg_path_fold(same[i][1]);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_msg(!strcmp(a, b), "'%s' and '%s' fold to '%s' and '%s'", same[i][0], same[i][1], a,
                  b);
    free(a);
    free(b);
  }
  char *x = mg_path_fold("caf\xc3\xa9.bin"), *y = mg_path_fold("cafe.bin");
  ck_assert_str_ne(x, y); /* an accent is not case */
  free(x);
  free(y);
  ck_assert(mg_path_match("train-images*", "train-images-idx3-ubyte.gz"));
  ck_assert(!mg_path_match("train-images*", "t10k-images-idx3-ubyte.gz"));
  ck_assert_str_eq(mg_path_base("a/b/c.npy"), "c.npy");
}
END_TEST

START_TEST(limits_parse) {
  mg_err err;
  mg_err_clear(&err);
  ck_assert_int_eq(mg_limits_set(&lim, "entry-bytes=3M", &err), MG_OK);
  ck_assert_uint_eq(lim.value[MG_LIMIT_ENTRY_BYTES], 3u << 20);
  ck_assert_int_eq(mg_limits_set(&lim, "depth=0", &err), MG_OK);
  ck_assert_uint_eq(lim.value[MG_LIMIT_DEPTH], 0);
  static const char *bad[] = {"nosuch=1", "depth",  "depth=-1",
                              "depth=1x", "ratio=", "total-bytes=99999999999999999999G"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    mg_err_clear(&err);
    ck_assert_int_eq(mg_limits_set(&lim, bad[i], &err), MG_ERR_ARGS);
  }
  mg_err_clear(&err);
  ck_assert_int_eq(mg_limit_check(&lim, MG_LIMIT_ENTRY_BYTES, (3u << 20) + 1, "f.bin", &err),
                   MG_ERR_LIMIT);
  ck_assert_ptr_nonnull(strstr(err.msg, "f.bin: entry-bytes limit exceeded"));
  mg_err_clear(&err);
  /* The ratio only applies after the grace window. */
  ck_assert_int_eq(mg_limit_check_ratio(&lim, MG_DEFAULT_RATIO_GRACE, 1, "a", &err), MG_OK);
  ck_assert_int_eq(mg_limit_check_ratio(&lim, MG_DEFAULT_RATIO_GRACE + 1, 1, "a", &err),
                   MG_ERR_LIMIT);
}
END_TEST

int main(void) {
  return mg_check_case("paths", setup, NULL,
                       MG_CHECK_TESTS(accepts_and_normalises, refuses_escapes,
                                      name_length_is_a_limit, fold_and_match, limits_parse));
}
