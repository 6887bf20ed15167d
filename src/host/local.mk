# src/host: the plugin host: loading and checking plugins, the prepared
# environment (datasets, model), one child per plugin, the wire protocol,
# the services table, and the validation of what plugins send.
libmgcore_la_SOURCES += \
	src/host/host.h \
	src/host/plugin_load.c src/host/plugin_load.h \
	src/host/plugin_options.c src/host/plugin_options.h \
	src/host/plugin_wire.c src/host/plugin_wire.h \
	src/host/plugin_env.c src/host/plugin_env.h \
	src/host/plugin_child.c src/host/plugin_child.h \
	src/host/plugin_services.c \
	src/host/plugin_collect.c src/host/plugin_collect.h \
	src/host/plugin_host.c \
	src/host/png_encode.c src/host/png_encode.h
