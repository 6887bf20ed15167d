/* The main() every `check` test program shares: run the suite, exit 1 on
 * any failure; and the common one-case suite. Include once, from the
 * test's .c file. */
#ifndef MG_CHECK_MAIN_H
#define MG_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

static inline int mg_check_run(Suite *s) {
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* One test case of its own: the tests, with a fixture when setup or
 * teardown is given. tests is MG_CHECK_TESTS(t1, t2, ...). */
#define MG_CHECK_TESTS(...) ((const TTest *const[]){__VA_ARGS__, NULL})
static inline int mg_check_case(const char *name, void (*setup)(void), void (*teardown)(void),
                                const TTest *const *tests) {
  Suite *s = suite_create(name);
  TCase *tc = tcase_create(name);
  if (setup || teardown)
    tcase_add_checked_fixture(tc, setup, teardown);
  for (; *tests; tests++)
    tcase_add_test(tc, *tests);
  suite_add_tcase(s, tc);
  return mg_check_run(s);
}

#endif
