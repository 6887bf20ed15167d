#!/bin/sh
# rules/atlas.xml is generated from MITRE's ATLAS.yaml: regenerating it must
# give the committed file (every id the code cites exists in ATLAS 5.6.0 and
# is in the catalog the reports use).
. "$TOP_SRCDIR/tests/lib.sh"
yaml="$TOP_SRCDIR/rules/source/ATLAS.yaml"
shared="$TOP_SRCDIR/../shared/atlas/ATLAS.yaml"
if [ -f "$shared" ]; then
  cmp -s "$shared" "$yaml" && pass "vendored ATLAS.yaml is the shared 5.6.0 copy" || fail "vendored ATLAS.yaml differs from $shared"
fi
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
