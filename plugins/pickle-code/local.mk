# plugins/pickle-code: executable code in pickles, PyTorch zips and legacy
# checkpoints, joblib dumps and .npy object arrays (issue 5).
PICKLE_CODE_CORE = plugins/pickle-code/pickle_dis.c plugins/pickle-code/pickle_dis.h \
	plugins/pickle-code/pickle_rules.c plugins/pickle-code/pickle_rules.h plugins/common/xmlerr.h \
	plugins/pickle-code/zip_walk.c plugins/pickle-code/zip_walk.h \
	plugins/pickle-code/pc_scan.c plugins/pickle-code/pc_scan.h
PICKLE_CODE_CFLAGS = $(AM_CFLAGS) $(MGP_CFLAGS) $(MG_SHARED_CFLAGS) $(LIBXML_CFLAGS) \
	$(ZLIB_CFLAGS)
PICKLE_CODE_LIBS = $(MGP_LIBS) $(MG_SHARED_LIBS) $(LIBXML_LIBS) $(ZLIB_LIBS)

pluginexec_LTLIBRARIES += plugins/pickle-code.la
plugins_pickle_code_la_SOURCES = plugins/pickle-code/pickle_code.c $(PICKLE_CODE_CORE)
plugins_pickle_code_la_CFLAGS = $(PICKLE_CODE_CFLAGS)
plugins_pickle_code_la_LDFLAGS = $(MG_PLUGIN_LINK)
plugins_pickle_code_la_LIBADD = $(PICKLE_CODE_LIBS)

dist_rules_DATA += rules/pickle-imports.xml rules/pickle-imports.rng

# Tests compile the plugin's sources into a program that runs them in
# process behind the real service table (tests/plugins/common/fake_host.c,
# a sink that reads back what the services send through the host's own
# collector), so they link the core.
UNSAFE_TEST_HOST = tests/plugins/common/fake_host.c tests/plugins/common/fake_host.h \
	tests/plugins/common/corpus_util.c tests/plugins/common/corpus_util.h
UNSAFE_TEST_CFLAGS = $(MG_TEST_CFLAGS) $(MGP_CFLAGS) $(MG_SHARED_CFLAGS) \
	-I$(top_srcdir)/tests/plugins/common
UNSAFE_TEST_LIBS = $(MGP_LIBS) $(MG_TEST_LIBS)

check_PROGRAMS += tests/plugins/pickle-code/test_pickle_corpus tests/plugins/pickle-code/test_pickle_units
TESTS += tests/plugins/pickle-code/test_pickle_corpus tests/plugins/pickle-code/test_pickle_units
tests_plugins_pickle_code_test_pickle_corpus_SOURCES = tests/plugins/pickle-code/test_pickle_corpus.c \
	$(UNSAFE_TEST_HOST) plugins/pickle-code/pickle_code.c $(PICKLE_CODE_CORE)
tests_plugins_pickle_code_test_pickle_corpus_CFLAGS = $(UNSAFE_TEST_CFLAGS) -I$(top_srcdir)/plugins/pickle-code
tests_plugins_pickle_code_test_pickle_corpus_LDADD = $(UNSAFE_TEST_LIBS)
tests_plugins_pickle_code_test_pickle_units_SOURCES = tests/plugins/pickle-code/test_pickle_units.c \
	$(UNSAFE_TEST_HOST) plugins/pickle-code/pickle_code.c $(PICKLE_CODE_CORE)
tests_plugins_pickle_code_test_pickle_units_CFLAGS = $(UNSAFE_TEST_CFLAGS) -I$(top_srcdir)/plugins/pickle-code
tests_plugins_pickle_code_test_pickle_units_LDADD = $(UNSAFE_TEST_LIBS)
EXTRA_DIST += tests/plugins/common/gen_corpus.py

check_PROGRAMS += tests/plugins/common/mg-fakehost
tests_plugins_common_mg_fakehost_SOURCES = tests/plugins/common/fakehost_cli.c tests/plugins/common/fake_host.c \
	tests/plugins/common/fake_host.h
tests_plugins_common_mg_fakehost_CFLAGS = $(UNSAFE_TEST_CFLAGS)
tests_plugins_common_mg_fakehost_LDADD = $(UNSAFE_TEST_LIBS) -ldl

# Fuzz harnesses: the disassembler, and the zip walk with everything after it.
if FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_pickle tests/fuzz/fuzz_zipwalk
tests_fuzz_fuzz_pickle_SOURCES = tests/fuzz/fuzz_pickle.c plugins/pickle-code/pickle_dis.c \
	plugins/pickle-code/pickle_dis.h
tests_fuzz_fuzz_pickle_CFLAGS = $(FUZZ_CFLAGS) -I$(top_srcdir)/plugins/pickle-code
tests_fuzz_fuzz_pickle_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_pickle_LDADD = $(MG_DEP_LIBS)
tests_fuzz_fuzz_zipwalk_SOURCES = tests/fuzz/fuzz_zipwalk.c $(PICKLE_CODE_CORE)
tests_fuzz_fuzz_zipwalk_CFLAGS = $(FUZZ_CFLAGS) $(MG_SHARED_CFLAGS) -I$(top_srcdir)/plugins/pickle-code \
	-I$(top_srcdir)/plugins/common
tests_fuzz_fuzz_zipwalk_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_zipwalk_LDADD = $(MG_SHARED_LIBS) $(MG_DEP_LIBS)
endif

# TorchScript archives (issue 16): code/ sources against
# rules/torchscript-calls.xml, in a file of its own with one call from
# pickle_code.c; records and findings through the format plugins' helpers.
PICKLE_CODE_TS = plugins/pickle-code/pc_torchscript.c plugins/pickle-code/pc_torchscript.h
plugins_pickle_code_la_SOURCES += $(PICKLE_CODE_TS)
plugins_pickle_code_la_LIBADD += plugins/common/libmgformat.la
tests_plugins_pickle_code_test_pickle_corpus_SOURCES += $(PICKLE_CODE_TS)
tests_plugins_pickle_code_test_pickle_corpus_LDADD += plugins/common/libmgformat.la $(LIBXML_LIBS)
tests_plugins_pickle_code_test_pickle_units_SOURCES += $(PICKLE_CODE_TS)
tests_plugins_pickle_code_test_pickle_units_LDADD += plugins/common/libmgformat.la $(LIBXML_LIBS)
dist_rules_DATA += rules/torchscript-calls.xml

if FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_torchscript
tests_fuzz_fuzz_torchscript_SOURCES = tests/fuzz/fuzz_torchscript.c $(PICKLE_CODE_TS) \
	$(PICKLE_CODE_CORE) plugins/common/mfissue.c plugins/common/mflist.c \
	plugins/common/textrules.c plugins/common/mfplugin.c plugins/common/mgp.c
tests_fuzz_fuzz_torchscript_CFLAGS = $(FUZZ_CFLAGS) $(MF_CFLAGS) $(MG_SHARED_CFLAGS) \
	-I$(top_srcdir)/plugins/pickle-code
tests_fuzz_fuzz_torchscript_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_torchscript_LDADD = $(MG_SHARED_LIBS) $(MG_DEP_LIBS)
endif
