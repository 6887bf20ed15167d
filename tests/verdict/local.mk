# tests/verdict: unit tests of src/verdict (correlation, the evidence table and the checklist).
check_PROGRAMS += tests/verdict/test_checklist
tests_verdict_test_checklist_SOURCES = tests/verdict/test_checklist.c
tests_verdict_test_checklist_CFLAGS = $(MG_TEST_CFLAGS)
tests_verdict_test_checklist_LDADD = $(MG_TEST_LIBS)
TESTS += tests/verdict/test_checklist
check_PROGRAMS += tests/verdict/test_review
tests_verdict_test_review_SOURCES = tests/verdict/test_review.c
tests_verdict_test_review_CFLAGS = $(MG_TEST_CFLAGS)
tests_verdict_test_review_LDADD = $(MG_TEST_LIBS)
TESTS += tests/verdict/test_review
TESTS += tests/verdict/gate-flips.sh
EXTRA_DIST += tests/verdict/gate-flips.sh
TESTS += tests/verdict/gate-mlp.sh
EXTRA_DIST += tests/verdict/gate-mlp.sh
TESTS += tests/verdict/gate-overtrained.sh
EXTRA_DIST += tests/verdict/gate-overtrained.sh
