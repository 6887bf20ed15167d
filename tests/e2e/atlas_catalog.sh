#!/bin/sh
# rules/atlas.xml is generated from MITRE's ATLAS.yaml: regenerating it must
# give the committed file (every id the code cites exists in ATLAS 5.6.0 and
# is in the catalog the reports use).
. "$TOP_SRCDIR/tests/lib.sh"
yaml="$TOP_SRCDIR/../shared/atlas/ATLAS.yaml"
[ -f "$yaml" ] || { echo "ATLAS.yaml not available at $yaml"; exit 77; }
"$PY" -c 'import yaml' 2>/dev/null || { echo "python3-yaml missing"; exit 77; }
"$PY" "$TOP_SRCDIR/scripts/gen-atlas-catalog" "$yaml" >"$SANDBOX/atlas.xml" || { fail "generator failed"; finish; }
if cmp -s "$SANDBOX/atlas.xml" "$TOP_SRCDIR/rules/atlas.xml"; then
  pass "rules/atlas.xml is up to date with the ids the code cites"
else
  diff "$TOP_SRCDIR/rules/atlas.xml" "$SANDBOX/atlas.xml"
  fail "rules/atlas.xml is stale: run scripts/gen-atlas-catalog > rules/atlas.xml"
fi
grep -q 'version="5.6.0"' "$TOP_SRCDIR/rules/atlas.xml" && pass "catalog records ATLAS 5.6.0" || fail "catalog version"
finish
