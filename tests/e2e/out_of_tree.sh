#!/bin/sh
# A third party can write a plugin: `make install` into a staging root, build
# examples/plugin against the staged headers and modelgate.pc only, and run it
# with the staged binary, rules and stylesheets.
. "$TOP_SRCDIR/tests/lib.sh"

command -v pkg-config >/dev/null || { echo "pkg-config missing"; exit 77; }
stage="$SANDBOX/stage"
make -s -C "$TOP_BUILDDIR" install DESTDIR="$stage" >"$SANDBOX/install.log" 2>&1 ||
  { cat "$SANDBOX/install.log"; fail "make install into a staging root"; finish; }
prefix=$(sed -n 's/^prefix=//p' "$TOP_BUILDDIR/modelgate.pc")
libdir=$(PKG_CONFIG_PATH="$TOP_BUILDDIR" pkg-config --variable=libdir modelgate)
root="$stage$prefix"
for f in bin/modelgate include/modelgate/plugin.h include/modelgate/modelgate.h \
  include/modelgate/error.h include/modelgate/version.h share/man/man1/modelgate.1 \
  share/modelgate/rules/checklist.xml share/modelgate/rules/atlas.xml share/modelgate/rules/policy.rng; do
  [ -f "$root/$f" ] || fail "make install did not install $f"
done
[ -f "$stage$libdir/pkgconfig/modelgate.pc" ] || fail "make install did not install modelgate.pc"
pass "make install stages the binary, headers, man page, rules and modelgate.pc"

# Build the example exactly as a third party would, from a copy elsewhere.
cp -r "$TOP_SRCDIR/examples/plugin" "$SANDBOX/plugin"
export PKG_CONFIG_PATH="$stage$libdir/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$stage"
cflags=$(pkg-config --cflags modelgate)
case "$cflags" in
*"$stage"*) pass "pkg-config --cflags modelgate points into the installed tree ($cflags)" ;;
*) fail "pkg-config cflags: $cflags" ;;
esac
make -s -C "$SANDBOX/plugin" CC="${CC:-cc}" CFLAGS="-O2 -Wall -Wextra -Werror" >"$SANDBOX/build.log" 2>&1 ||
  { cat "$SANDBOX/build.log"; fail "building the out-of-tree plugin"; finish; }
[ -n "$(pkg-config --variable=plugindir modelgate)" ] && pass "modelgate.pc names the plugin directory" ||
  fail "plugindir variable"

export MODELGATE_RULES_DIR="$root/share/modelgate/rules"
export MODELGATE_REPORTS_DIR="$root/share/modelgate/reports"
MODELGATE="$root/bin/modelgate"
run_mg plugins --plugins "$SANDBOX/plugin"
expect_status 0 "listing" && expect_out "hello-detector +1.0 +ABI 1\.[0-9]+ +needs model,reference" "listing" &&
  pass "the installed modelgate loads the out-of-tree plugin"
expect_out "options +min_accuracy=0.5 +\(a number in \[0, 1\]\)" "option table" &&
  pass "its option table is listed"

# Run it on a real fixture package.
"$PY" "$TOP_SRCDIR/tests/fixtures/assemble.py" "$SANDBOX/in" --fixture clean-cnn >/dev/null
rc=$?
[ $rc -eq 77 ] && { echo "Fashion-MNIST not installed: skipping the scan part"; finish; }
[ $rc -eq 0 ] || { fail "assembling the fixture"; finish; }
use_test_policy
run_mg scan "$SANDBOX/in/clean-cnn" --plugins "$SANDBOX/plugin" --json o.json -q
expect_status 0 "scan with the out-of-tree plugin" || finish
acc=$(json_get o.json "[p['evidence']['accuracy'] for p in d['plugins'] if p['name']=='hello-detector'][0]")
want=$(json_get "$SANDBOX/in/clean-cnn.truth.json" "d['clean_accuracy_reference']")
"$PY" -c "import sys; a,w=float(sys.argv[1]),float(sys.argv[2]); sys.exit(0 if abs(a-w) < 0.002 else 1)" "$acc" "$want" &&
  pass "out-of-tree plugin computed reference accuracy $acc (fixture records $want)" ||
  fail "accuracy $acc vs recorded $want"
finish
