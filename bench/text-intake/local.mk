# bench/text-intake: the host's text intake alone (issue 13): mg-text-intake
# times one dataset's intake and read-back; run.sh generates the 1M-row set
# and compares with a peer.
noinst_PROGRAMS += bench/text-intake/mg-text-intake
bench_text_intake_mg_text_intake_SOURCES = bench/text-intake/intake.c
bench_text_intake_mg_text_intake_CFLAGS = $(AM_CFLAGS) $(MG_DEP_CFLAGS)
bench_text_intake_mg_text_intake_LDADD = libmgcore.la $(MG_DEP_LIBS)
EXTRA_DIST += bench/text-intake/run.sh
