# plugins/source-provenance: data sources against rules/domains.xml, and
# text datasets without provenance (issue 13; CTL-01, CTL-04, CTL-14).
pluginexec_LTLIBRARIES += plugins/source-provenance.la
plugins_source_provenance_la_SOURCES = plugins/source-provenance/source_provenance.c
plugins_source_provenance_la_CFLAGS = $(MGT_CFLAGS)
plugins_source_provenance_la_LDFLAGS = $(MG_PLUGIN_LINK)
plugins_source_provenance_la_LIBADD = $(MGT_LIBS)
dist_rules_DATA += rules/domains.xml rules/domains.rng
EXTRA_DIST += docs/detectors/source-provenance.md
