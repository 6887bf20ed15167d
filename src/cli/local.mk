# src/cli: the modelgate command: option parsing for each subcommand, and
# `model` (the runtime from the command line).
modelgate_SOURCES += src/cli/main.c src/cli/cli.h src/cli/cli_scan.c src/cli/cli_registry.c \
	src/cli/cli_plugins.c src/cli/cli_model.c \
	src/cli/cli_review.c src/cli/cli_review.h
dist_man_MANS += man/modelgate.1
