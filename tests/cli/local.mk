# tests/cli: the modelgate command as a user meets it: usage errors before
# any work, reports on standard output, reports that agree with the exit
# status, the configuration file.
CLI_TESTS = tests/cli/usage.sh tests/cli/reports.sh tests/cli/registry.sh
TESTS += $(CLI_TESTS)
EXTRA_DIST += $(CLI_TESTS)
