# src/: the core (unpacking, registry, descriptor, CLI, plugin host, reports).
libmgcore_la_SOURCES += \
	src/diag.c src/diag.h \
	src/limits.c src/limits.h \
	src/path.c src/path.h \
	src/sha256.c src/sha256.h \
	src/hash_worker.c src/hash_worker.h \
	src/signals.c src/signals.h \
	src/workspace.c src/workspace.h \
	src/progress.c src/progress.h \
	src/atomic_file.c src/atomic_file.h \
	src/inventory.c src/inventory.h \
	src/archive_io.c src/archive_io.h \
	src/unpack.c src/unpack.h \
	src/nested.c src/nested.h \
	src/normalize.c src/normalize.h \
	src/descriptor.c src/descriptor.h \
	src/package.c src/package.h \
	src/results.c src/results.h \
	src/registry.c src/registry.h \
	src/registry_sign.c \
	src/registry_check.c src/registry_check.h \
	src/report_json.c src/report.h \
	src/report_text.c src/report_text.h \
	src/scan.c src/scan.h src/scan_stages.h \
	src/paths.c src/paths.h \
	src/png_encode.c src/png_encode.h \
	src/plugin_load.c src/plugin_load.h \
	src/plugin_wire.c src/plugin_wire.h \
	src/plugin_env.c src/plugin_env.h \
	src/plugin_child.c src/plugin_child.h \
	src/plugin_services.c \
	src/plugin_collect.c src/plugin_collect.h \
	src/plugin_host.c \
	src/rules.c src/rules.h \
	src/correlate.c src/correlate.h \
	src/checklist.c \
	src/report_xml.c src/report_xml.h \
	src/report_xslt.c \
	src/report_sarif.c

modelgate_SOURCES += src/main.c src/cli.h src/cli_scan.c src/cli_registry.c src/cli_plugins.c
dist_man_MANS += man/modelgate.1
