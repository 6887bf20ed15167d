/* Unit tests of the one descriptor parser, as both `scan` and `model run
 * --descriptor` use it: the input normalisation, the classes limit, unknown
 * keys kept, a file outside a package. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "package/descriptor.h"

static mg_limits lim;
static mg_descriptor d;

static void setup(void) {
  mg_limits_default(&lim);
  mg_descriptor_init(&d);
}

static void teardown(void) {
  mg_descriptor_free(&d);
}

static int parse(const char *json, mg_err *err) {
  return mg_descriptor_parse(&d, json, strlen(json), "modelgate.json", &lim, err);
}

START_TEST(input_normalisation) {
  mg_err err;
  mg_err_clear(&err);
  ck_assert_int_eq(
      parse("{\"input\": {\"scale\": 2.0, \"mean\": [0.5, 0.25, 0], \"std\": 0.5}}", &err), MG_OK);
  ck_assert(d.has_input);
  ck_assert(d.input.has_scale);
  ck_assert(d.input.scale == 2.0f);
  ck_assert_uint_eq(d.input.n_mean, 3);
  ck_assert(d.input.mean[1] == 0.25f);
  ck_assert_uint_eq(d.input.n_std, 1);
}
END_TEST

START_TEST(bad_input_named) {
  mg_err err;
  mg_err_clear(&err);
  ck_assert_int_eq(parse("{\"input\": {\"std\": [0]}}", &err), MG_ERR_FORMAT);
  ck_assert_msg(strstr(err.msg, "input.std"), "%s", err.msg);
  mg_descriptor_free(&d);
  mg_descriptor_init(&d);
  mg_err_clear(&err);
  ck_assert_int_eq(parse("{\"input\": {\"gamma\": 1}}", &err), MG_ERR_FORMAT);
  ck_assert_msg(strstr(err.msg, "input.gamma"), "%s", err.msg);
}
END_TEST

START_TEST(classes_limit) {
  mg_err err;
  mg_err_clear(&err);
  lim.value[MG_LIMIT_CLASSES] = 2;
  ck_assert_int_eq(parse("{\"classes\": [\"a\", \"b\"]}", &err), MG_OK);
  mg_descriptor_free(&d);
  mg_descriptor_init(&d);
  mg_err_clear(&err);
  ck_assert_int_eq(parse("{\"classes\": [\"a\", \"b\", \"c\"]}", &err), MG_ERR_LIMIT);
  ck_assert_msg(strstr(err.msg, "--limit classes=N"), "%s", err.msg);
}
END_TEST

START_TEST(unknown_keys_kept) {
  mg_err err;
  mg_err_clear(&err);
  ck_assert_int_eq(parse("{\"name\": \"x\", \"colour\": \"blue\"}", &err), MG_OK);
  ck_assert_uint_eq(d.n_unknown, 1);
  ck_assert_str_eq(d.unknown_keys[0], "colour");
}
END_TEST

START_TEST(load_file) {
  char path[] = "/tmp/mg-desc-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  const char *json = "{\"input\": {\"scale\": 4}}";
  ck_assert_int_eq(write(fd, json, strlen(json)), (ssize_t)strlen(json));
  close(fd);
  mg_err err;
  mg_err_clear(&err);
  ck_assert_int_eq(mg_descriptor_load_file(&d, path, &lim, &err), MG_OK);
  ck_assert(d.input.scale == 4.0f);
  unlink(path);
  mg_descriptor_free(&d);
  mg_descriptor_init(&d);
  mg_err_clear(&err);
  ck_assert_int_eq(mg_descriptor_load_file(&d, path, &lim, &err), MG_ERR_NOT_FOUND);
  ck_assert_msg(!strncmp(err.msg, path, strlen(path)), "%s", err.msg);
}
END_TEST

int main(void) {
  return mg_check_case("descriptor", setup, teardown,
                       MG_CHECK_TESTS(input_normalisation, bad_input_named, classes_limit,
                                      unknown_keys_kept, load_file));
}
