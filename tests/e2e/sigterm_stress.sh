#!/bin/sh
# Issue 14 item 8: SIGTERM at random moments, delivered the way timeout(1)
# delivers it (to the scan, then to its whole process group, so the scan may
# see it twice), must never leave a workspace in $TMPDIR. The scan runs
# plugins (a child forked and reaped per plugin) so the signal lands during
# unpacking, child start-up, plugin runs and reaping. Runtime ~15 s.
. "$TOP_SRCDIR/tests/lib.sh"

P="$TOP_BUILDDIR/tests/host/.libs"
[ -f "$P/mgtest-good.so" ] || { echo "test plugins not built"; exit 99; }
command -v timeout >/dev/null || { echo "timeout(1) missing (coreutils)"; exit 99; }
pkg="$SANDBOX/in/pkg"
mkdir -p "$pkg"
echo '{"name": "sigterm-stress"}' >"$pkg/modelgate.json"
head -c 300000 /dev/urandom >"$pkg/weights.bin"
use_test_policy

runs=${SIGTERM_STRESS_RUNS:-40}
i=0
while [ $i -lt $runs ]; do
  # A delay of 0 to 0.4 s, by 10 ms: from process start to the hang plugin.
  ms=$(( $(od -An -N2 -tu2 /dev/urandom) % 400 ))
  delay=$(printf '0.%03d' "$ms")
  timeout -s TERM "$delay" "$MODELGATE" scan "$pkg" --plugins "$P" \
    --only mgtest-good,mgtest-crash,mgtest-good,mgtest-hang --timeout 30 -q \
    >/dev/null 2>&1
  left=$(ls -A "$TMPDIR")
  if [ -n "$left" ]; then
    fail "SIGTERM after $delay s (run $i) left workspaces: $left"
    rm -rf "${TMPDIR:?}"/*
  fi
  i=$((i + 1))
done
[ $failures -eq 0 ] && pass "$runs SIGTERMs at random moments left no workspace"

finish
