# Shared by the tests/cli tests (sourced after tests/lib.sh): a small
# package, and the check every usage error must pass.

# cli_package NAME: $pkg, a directory package named NAME.
cli_package() {
  pkg="$SANDBOX/in/pkg"
  mkdir -p "$pkg"
  echo "{\"name\": \"$1\"}" >"$pkg/modelgate.json"
  head -c 1000 /dev/zero >"$pkg/weights.bin"
}

# refused DESCRIPTION REGEX ARGS...: exit 2, exactly one line on stderr
# matching "modelgate: error: REGEX", and nothing written in the sandbox
# (TMPDIR, where workspaces go, and the current directory): nothing was
# unpacked.
refused() {
  what=$1 re=$2
  shift 2
  before=$(snapshot)
  run_mg "$@"
  lines=$(wc -l <"$SANDBOX/stderr")
  if [ "$status" -ne 2 ]; then
    fail "$what: exit $status, expected 2; stderr: $err"
  elif [ "$lines" -ne 1 ]; then
    fail "$what: $lines lines on stderr, expected one: $err"
  elif ! expect_err "^modelgate: error: $re" "$what"; then
    :
  elif [ "$(snapshot)" != "$before" ]; then
    fail "$what: something was written: $(snapshot)"
  else
    pass "$what: $err"
  fi
}
