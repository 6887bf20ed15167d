# src/data: NPY and IDX datasets (docs/package-format.md, "Data files").
libmgcore_la_SOURCES += \
	src/data/dataset.c src/data/dataset.h \
	src/data/dtype.c src/data/dtype.h \
	src/data/array_file.c src/data/array_file.h \
	src/data/npy_header.c src/data/idx_header.c \
	src/data/decompress.c src/data/decompress.h \
	src/data/convert.c src/data/convert.h \
	src/data/npy_write.c src/data/array_load.c

# Unit tests: fixtures are made by the test itself with Debian's numpy.
check_PROGRAMS += tests/data/test_dataset
TESTS += tests/data/test_dataset
tests_data_test_dataset_SOURCES = tests/data/test_dataset.c
tests_data_test_dataset_CFLAGS = $(MG_TEST_CFLAGS)
tests_data_test_dataset_LDADD = $(MG_TEST_LIBS)
# (tests/fuzz/corpus/{npy,idx} ship with tests/fuzz/corpus.)
EXTRA_DIST += tests/data/make_fixtures.py tests/data/make_fuzz_seeds.py

# libFuzzer harnesses (the library is instrumented when --enable-fuzzers).
if FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_npy tests/fuzz/fuzz_idx tests/fuzz/fuzz_dataset
tests_fuzz_fuzz_npy_SOURCES = tests/fuzz/fuzz_npy.c
tests_fuzz_fuzz_npy_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_npy_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_npy_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_idx_SOURCES = tests/fuzz/fuzz_idx.c
tests_fuzz_fuzz_idx_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_idx_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_idx_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_dataset_SOURCES = tests/fuzz/fuzz_dataset.c
tests_fuzz_fuzz_dataset_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_dataset_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_dataset_LDADD = $(FUZZ_LIBS)
endif
