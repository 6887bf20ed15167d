# Shared body of the feature-space detector tests (spectral-signatures,
# activation-clustering), sourced after tests/lib.sh with PLUG (the plugin),
# CLEAN (two clean fixtures) and NOREF (the clean fixture scanned without the
# reference set). Both plugins read the same evidence and make the same
# promises, so one body checks both: the BadNets (3%) and blend models'
# target class is implicated with its poisoned rows, the clean models raise
# nothing above low (with and without the reference set), the run is
# deterministic. Defines refused() for the plugin's own bad options.
#
# The host prepares the reference set only when a selected plugin declares
# it (MG_NEED_REFERENCE); these plugins use it when present. When strip is
# installed it rides along (cheaply configured) so the reference set is
# there; otherwise the reference-based assertions are reported as skipped.
: "${PLUG:?}" "${CLEAN:?}" "${NOREF:?}"

FX="$SANDBOX/fx"
# Under the sanitizers: one poisoned model and the clean one also scanned
# without the reference set (tests/lib.sh, sanitizer_subset).
POISONED=$(sanitizer_subset "badnets-p3 blend-p8" "badnets-p3")
CLEAN=$(sanitizer_subset "$CLEAN" "$NOREF")
# shellcheck disable=SC2046
assemble_fixtures "$FX" -q \
  $(for f in $POISONED $CLEAN; do printf ' --fixture %s' "$f"; done)

ONLY=$PLUG
RIDE=""
if "$MODELGATE" plugins 2>/dev/null | grep -Eq '^  strip +.*needs [a-z,]*reference'; then
  ONLY="$PLUG,strip"
  RIDE="--set strip.n=8 --set strip.sample=50"
fi

# check JSON TRUTH EXPECT: EXPECT is "detect" (the target class at medium or
# above with modest precision/recall floors on its poisoned rows) or
# "quiet" (no finding above low). Prints the measured figures.
check() {
  detector_py - "$1" "$2" "$3" "$PLUG" <<'EOF'
import sys
from verdict import Verdict, at_least
v = Verdict(sys.argv[1], sys.argv[2], sys.argv[4])
expect = sys.argv[3]
v.ran_ok()
classes = v.evidence.get("classes", [])
if len(classes) != 10 or not all("analysed" in c for c in classes):
    v.fail("evidence lacks the per-class statistics")
if expect == "quiet":
    v.quiet()
    if not v.bad:
        print("clean: %d finding(s), none above low" % len(v.ours))
elif not v.evidence["reference"]["used"]:
    print("the host gave no reference set (%s)" % v.evidence["reference"].get("note"))
    sys.exit(3)
else:
    target = v.truth["target_class"]
    hits = v.findings(label=target)
    if not hits:
        v.fail("target class %d not implicated: %s"
               % (target, [(f["label"], f["reported_severity"]) for f in v.ours]))
    else:
        f = hits[0]
        if not at_least(f, "medium"):
            v.fail("target class reported at %s only" % f["reported_severity"])
        v.rows_match(f, 0.8, 0.8)
        if "class" not in f["evidence"] or "thresholds" not in f["evidence"]:
            v.fail("finding evidence lacks the class statistics or thresholds")
    v.only_target_implicated(target)
v.done()
EOF
}

scan() { # fixture json [options...]; reference=0 runs need no companion
  fx=$1 js=$2
  shift 2
  case "$*" in
  *reference=0*) sel=$PLUG ride="" ;;
  *) sel=$ONLY ride=$RIDE ;;
  esac
  # shellcheck disable=SC2086
  run_mg scan "$FX/$fx" --only "$sel" $ride --json "$SANDBOX/$js" -q "$@"
  if [ "$status" -gt 1 ]; then
    fail "$fx: scan exited $status: $err"
    return 1
  fi
}

for fx in $POISONED; do
  scan $fx $fx.json || continue
  check "$SANDBOX/$fx.json" "$FX/$fx.truth.json" detect
  case $? in
  0) pass "$fx: poisoned class and rows found" ;;
  3) echo "skip: $fx detection needs the reference set" ;;
  *) fail "$fx: verdict" ;;
  esac
done

for fx in $CLEAN; do
  scan $fx $fx.json || continue
  if check "$SANDBOX/$fx.json" "$FX/$fx.truth.json" quiet; then
    pass "$fx: nothing above low"
  else
    fail "$fx: clean model flagged"
  fi
done

# Without the reference set, a clean model still passes.
if scan $NOREF noref.json --set $PLUG.reference=0; then
  if check "$SANDBOX/noref.json" "$FX/$NOREF.truth.json" quiet; then
    pass "$NOREF without reference: nothing above low"
  else
    fail "$NOREF without reference flagged"
  fi
fi

# Deterministic: the same seed gives the same evidence and rows (checked in
# the plain build; under the sanitizers the scans above already ran this code).
if ! under_sanitizers && scan badnets-p3 again.json; then
  same=$(detector_py -c 'import sys; from verdict import same_run; print(same_run(*sys.argv[1:]))' \
    "$SANDBOX/badnets-p3.json" "$SANDBOX/again.json" "$PLUG")
  if [ "$same" = True ]; then
    pass "deterministic given --seed"
  else
    fail "two runs differ"
  fi
fi

# A malformed or out-of-range option is a usage error before the scan
# starts (the plugin's option table); a layer the model does not have
# stops the plugin with a message naming it.
usage_refused() { # option description
  rm -f "$SANDBOX/o.json"
  run_mg scan "$FX/$NOREF" --only $PLUG --set "$PLUG.$1" --json "$SANDBOX/o.json" -q
  if [ "$status" -eq 2 ] && [ ! -e "$SANDBOX/o.json" ] &&
    printf '%s\n' "$err" | grep -q -- "--set $PLUG.$1: expected"; then
    pass "$2 refused before the scan: $err"
  else
    fail "$2: exit $status, stderr $err"
  fi
}
refused() { # option pattern description
  run_mg scan "$FX/$NOREF" --only $PLUG --set "$PLUG.$1" --json "$SANDBOX/o.json" -q
  got=$(json_get "$SANDBOX/o.json" \
    '[p["status"] + " " + str(p["message"]) for p in d["plugins"] if p["name"] == "'$PLUG'"][0]')
  case "$got" in
  error*"$2"*) pass "$3 refused: ${got#error }" ;;
  *) fail "$3: got $got" ;;
  esac
}
