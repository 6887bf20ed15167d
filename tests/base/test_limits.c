/* Unit tests of the limits table: every limit is named once and found by
 * its name, --limit parses sizes, and a limit that is hit says which one
 * and how to raise it. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "base/limit_table.h"
#include "check_main.h"

START_TEST(every_limit_named_once) {
  for (int i = 0; i < MG_LIMIT_COUNT; i++) {
    const char *name = mg_limit_name((mg_limit_id)i);
    ck_assert_msg(name && strcmp(name, "?"), "limit %d has no name", i);
    ck_assert_int_eq(mg_limit_by_name(name), i);
  }
  ck_assert_int_eq(mg_limit_by_name("no-such-limit"), -1);
  ck_assert_int_eq(mg_limit_by_name(NULL), -1);
}
END_TEST

START_TEST(set_parses_suffixes) {
  mg_limits lim;
  mg_limits_default(&lim);
  mg_err err;
  mg_err_clear(&err);
  ck_assert_int_eq(mg_limits_set(&lim, "rules-bytes=100K", &err), MG_OK);
  ck_assert_uint_eq(lim.value[MG_LIMIT_RULES_BYTES], 100u << 10);
  ck_assert_int_eq(mg_limits_set(&lim, "zip-entries=7", &err), MG_OK);
  ck_assert_uint_eq(lim.value[MG_LIMIT_ZIP_ENTRIES], 7);
  ck_assert_int_eq(mg_limits_set(&lim, "zip-entries=-1", &err), MG_ERR_ARGS);
  mg_err_clear(&err);
  ck_assert_int_eq(mg_limits_set(&lim, "nothing=1", &err), MG_ERR_ARGS);
  mg_err_clear(&err);
  ck_assert_int_eq(mg_limits_set(&lim, "plugin-findings", &err), MG_ERR_ARGS);
}
END_TEST

START_TEST(hit_names_the_limit) {
  mg_limits lim;
  mg_limits_default(&lim);
  mg_err err;
  mg_err_clear(&err);
  ck_assert_int_eq(mg_limit_check(&lim, MG_LIMIT_SIGNATURE_BYTES, 4096, "sig", &err), MG_OK);
  ck_assert_int_eq(mg_limit_check(&lim, MG_LIMIT_SIGNATURE_BYTES, 4097, "sig", &err), MG_ERR_LIMIT);
  ck_assert_str_eq(err.msg, "sig: signature-bytes limit exceeded (4097 > 4096; raise it with "
                            "--limit signature-bytes=N)");
}
END_TEST

int main(void) {
  return mg_check_case(
      "limits", NULL, NULL,
      MG_CHECK_TESTS(every_limit_named_once, set_parses_suffixes, hit_names_the_limit));
}
