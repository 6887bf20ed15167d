/* The main() every `check` test program shares: run the suite, exit 1 on
 * any failure. Include once, from the test's .c file. */
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

#endif
