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
# shellcheck disable=SC2046
"$PY" "$TOP_SRCDIR/tests/fixtures/assemble.py" "$FX" -q \
  $(for f in badnets-p3 blend-p8 $CLEAN; do printf ' --fixture %s' "$f"; done)
rc=$?
[ $rc -eq 77 ] && { echo "skip: Fashion-MNIST not installed"; exit 77; }
[ $rc -eq 0 ] || { echo "FAIL: assemble.py exited $rc" >&2; exit 1; }

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
  "$PY" - "$1" "$2" "$3" "$PLUG" <<'EOF'
import json, sys
res, truth, expect, plug = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3], sys.argv[4]
sev = ["info", "low", "medium", "high", "critical"]
bad = []
st = [p for p in res["plugins"] if p["name"] == plug]
if not st or st[0]["status"] != "ok":
    print("FAIL: %s did not run ok: %s" % (plug, st and st[0].get("message")))
    sys.exit(1)
ev = st[0]["evidence"]
ours = [f for f in res["findings"] if f["plugin"] == plug]
classes = ev.get("classes", [])
if len(classes) != 10 or not all("analysed" in c for c in classes):
    bad.append("evidence lacks the per-class statistics")
if expect == "quiet":
    loud = [(f["label"], f["reported_severity"]) for f in ours if sev.index(f["reported_severity"]) > 1]
    if loud:
        bad.append("clean model, findings above low: %s" % loud)
    print("clean: %d finding(s), none above low" % len(ours) if not loud else "")
elif not ev["reference"]["used"]:
    print("the host gave no reference set (%s)" % ev["reference"].get("note"))
    sys.exit(3)
else:
    target = truth["target_class"]
    hits = [f for f in ours if f["label"] == target]
    if not hits:
        bad.append("target class %d not implicated: %s" % (target, [(f["label"], f["reported_severity"]) for f in ours]))
    else:
        f = hits[0]
        if sev.index(f["reported_severity"]) < sev.index("medium"):
            bad.append("target class reported at %s only" % f["reported_severity"])
        rows, poisoned = set(f["samples"]["indices"]), set(truth["poisoned_rows"])
        prec, rec = len(rows & poisoned) / len(rows), len(rows & poisoned) / len(poisoned)
        print("target class %d (%s): %d rows, precision %.2f recall %.2f"
              % (target, f["reported_severity"], len(rows), prec, rec))
        if prec < 0.8 or rec < 0.8:
            bad.append("poisoned-row precision %.2f / recall %.2f below 0.8 / 0.8" % (prec, rec))
        if "class" not in f["evidence"] or "thresholds" not in f["evidence"]:
            bad.append("finding evidence lacks the class statistics or thresholds")
    others = [(f["label"], f["reported_severity"]) for f in ours if f["label"] != target and sev.index(f["reported_severity"]) > 1]
    if others:
        bad.append("other classes implicated above low: %s" % others)
for b in bad:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
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

for fx in badnets-p3 blend-p8; do
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

# Deterministic: the same seed gives the same evidence and rows.
if scan badnets-p3 again.json; then
  same=$("$PY" - "$SANDBOX/badnets-p3.json" "$SANDBOX/again.json" "$PLUG" <<'EOF'
import json, sys
def key(p):
    d = json.load(open(p))
    ev = [x for x in d["plugins"] if x["name"] == sys.argv[3]][0]["evidence"]
    ev = {k: v for k, v in ev.items() if not k.startswith("seconds")}
    rows = [f["samples"]["indices"] for f in d["findings"] if f["plugin"] == sys.argv[3]]
    return json.dumps([ev, rows], sort_keys=True)
print(key(sys.argv[1]) == key(sys.argv[2]))
EOF
  )
  if [ "$same" = True ]; then
    pass "deterministic given --seed"
  else
    fail "two runs differ"
  fi
fi

# A layer the model does not have, and a malformed option, stop the plugin
# with a message naming them.
refused() { # option pattern description
  run_mg scan "$FX/clean-cnn" --only $PLUG --set "$PLUG.$1" --json "$SANDBOX/o.json" -q
  got=$(json_get "$SANDBOX/o.json" \
    '[p["status"] + " " + str(p["message"]) for p in d["plugins"] if p["name"] == "'$PLUG'"][0]')
  case "$got" in
  error*"$2"*) pass "$3 refused: ${got#error }" ;;
  *) fail "$3: got $got" ;;
  esac
}
