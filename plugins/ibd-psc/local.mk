# plugins/ibd-psc: IBD-PSC (Hou et al., ICML 2024), prediction consistency
# of training rows and --inputs under amplified BatchNorm parameters (plugin
# ABI 1.3's model_forward_bn), on scale-up's engine (plugins/scale-up/libsu.la).
pluginexec_LTLIBRARIES += plugins/ibd-psc.la
plugins_ibd_psc_la_SOURCES = plugins/ibd-psc/ibd_psc.c
plugins_ibd_psc_la_CFLAGS = $(SU_CFLAGS)
plugins_ibd_psc_la_LDFLAGS = $(MG_PLUGIN_LINK)
plugins_ibd_psc_la_LIBADD = $(SU_LIBS)

# End to end on the assembled fixtures.
TESTS += tests/plugins/ibd-psc/ibd-psc.sh
EXTRA_DIST += tests/plugins/ibd-psc/ibd-psc.sh docs/detectors/ibd-psc.md \
	tests/plugins/common/triggered_inputs.py tests/plugins/common/input_level.sh \
	tests/plugins/common/input_level.py
