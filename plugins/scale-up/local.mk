# plugins/scale-up: SCALE-UP (Guo et al., ICLR 2023), scaled prediction
# consistency of training rows and --inputs under pixel amplification,
# calibrated on the reference set; exact tests and Holm from plugins/common.
# The prediction-consistency engine (su_*.c: calibration, scan, class
# tests, findings) is a convenience library that ibd-psc links too.
noinst_LTLIBRARIES += plugins/scale-up/libsu.la
plugins_scale_up_libsu_la_SOURCES = plugins/scale-up/su_run.h plugins/scale-up/su_score.c \
	plugins/scale-up/su_calib.c plugins/scale-up/su_scan.c plugins/scale-up/su_decide.c \
	plugins/scale-up/su_report.c plugins/scale-up/su_plugin.c
plugins_scale_up_libsu_la_CFLAGS = $(MGD_CFLAGS) -fPIC
SU_CFLAGS = $(MGD_CFLAGS) -I$(top_srcdir)/plugins/scale-up
SU_LIBS = plugins/scale-up/libsu.la $(MGD_LIBS)

pluginexec_LTLIBRARIES += plugins/scale-up.la
plugins_scale_up_la_SOURCES = plugins/scale-up/scale_up.c
plugins_scale_up_la_CFLAGS = $(SU_CFLAGS)
plugins_scale_up_la_LDFLAGS = $(MG_PLUGIN_LINK)
plugins_scale_up_la_LIBADD = $(SU_LIBS)

# End to end on the assembled fixtures.
TESTS += tests/plugins/scale-up/scale-up.sh
EXTRA_DIST += tests/plugins/scale-up/scale-up.sh docs/detectors/scale-up.md \
	bench/detect/ibd_psc_probe.py
