#!/bin/sh
# The Dockerfile, without a Docker engine (none runs here): its instructions
# are read and checked (bookworm-slim stages, install-deps --build and
# --runtime, a user without privileges, WORKDIR /scan, modelgate as the
# entry point); the build stage's install commands after `make` are run as
# written against this build tree with a staging root in place of /staging;
# the staged tree is checked against the directories compiled into the
# binary; the staged binary, plugins and modelgate-ci are run the way the
# image runs them (as an unprivileged user when this runs as root); and every
# library they load must come from a package the runtime stage installs or
# from Debian's essential set.
# shellcheck source=tests/integrations/lib.sh
. "$TOP_SRCDIR/tests/integrations/lib.sh"
make_packages
DOCKERFILE="$TOP_SRCDIR/Dockerfile"
stage="$SANDBOX/stage"

# --- the Dockerfile's instructions ------------------------------------------------
if "$PY" - "$DOCKERFILE" "$TOP_SRCDIR" >"$SANDBOX/dockerfile.out" <<'EOF'
import json, os, re, sys
path, top = sys.argv[1], sys.argv[2]
lines, cur = [], ""
for raw in open(path):
    line = raw.rstrip("\n")
    if not cur and (not line.strip() or line.lstrip().startswith("#")):
        continue
    if line.endswith("\\"):
        cur += line[:-1] + " "
        continue
    lines.append(cur + line)
    cur = ""
stages, bad = [], []
for line in lines:
    word, _, rest = line.strip().partition(" ")
    word = word.upper()
    if word == "FROM":
        stages.append({"from": rest.split()[0], "name": rest.split()[2] if " AS " in rest.upper() else None, "ins": []})
    else:
        stages[-1]["ins"].append((word, rest.strip()))
if len(stages) != 2:
    bad.append(f"expected a build and a runtime stage, found {len(stages)}")
for s in stages:
    if s["from"] != "debian:bookworm-slim":
        bad.append(f"stage from {s['from']}, not debian:bookworm-slim")
build, runtime = stages[0], stages[-1]
runs = lambda s: " && ".join(r for w, r in s["ins"] if w == "RUN")
if "scripts/install-deps --build" not in runs(build):
    bad.append("the build stage does not install with scripts/install-deps --build")
if "install-deps --runtime" not in runs(runtime):
    bad.append("the runtime stage does not install with install-deps --runtime")
for w, r in build["ins"] + runtime["ins"]:
    if w == "COPY" and not r.startswith("--from"):
        for src in r.split()[:-1]:
            if src != "." and not os.path.exists(os.path.join(top, src)):
                bad.append(f"COPY source {src} is not in the repository")
users = [r for w, r in runtime["ins"] if w == "USER"]
if not users or users[-1] in ("root", "0"):
    bad.append("the image runs as root")
if [r for w, r in runtime["ins"] if w == "WORKDIR"][-1:] != ["/scan"]:
    bad.append("WORKDIR is not /scan")
entry = [r for w, r in runtime["ins"] if w == "ENTRYPOINT"]
if not entry or json.loads(entry[-1])[0] != "modelgate":
    bad.append("the entry point is not modelgate (exec form)")
copied = [r.split()[1] for w, r in runtime["ins"] if w == "COPY" and r.startswith(f"--from={build['name']}")]
install = [c.strip() for c in runs(build).split("&&")]
start = next((i for i, c in enumerate(install) if c.startswith("make install")), None)
if start is None:
    bad.append("the build stage has no make install")
else:
    dest = re.search(r"DESTDIR=(\S+)", install[start]).group(1)
    if not copied or not copied[0].startswith(dest + "/"):
        bad.append(f"the runtime stage copies {copied} instead of the DESTDIR {dest}")
    # The commands to run here, DESTDIR and all, one a line.
    print(dest)
    for c in install[start:]:
        print(c)
for b in bad:
    print("FAIL:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
then
  pass "the Dockerfile: two bookworm-slim stages, install-deps --build/--runtime, USER, WORKDIR /scan, ENTRYPOINT modelgate"
else
  fail "Dockerfile checks"
  finish
fi
grep -qx '\.git' "$TOP_SRCDIR/.dockerignore" && grep -qx 'config.status' "$TOP_SRCDIR/.dockerignore" &&
  grep -qx 'build\*/' "$TOP_SRCDIR/.dockerignore" &&
  pass ".dockerignore keeps .git, build trees and an in-tree configure out of the context" ||
  fail ".dockerignore lets .git, build*/ or config.status in"

# --- the package lists ----------------------------------------------------------------
build_pkgs=$("$TOP_SRCDIR/scripts/install-deps" --build --print)
runtime_pkgs=$("$TOP_SRCDIR/scripts/install-deps" --runtime --print)
# One apt-cache call: it loads the package cache each time.
# shellcheck disable=SC2086 # one package a word
known=$(apt-cache show --no-all-versions $build_pkgs $runtime_pkgs 2>/dev/null | sed -n 's/^Package: //p')
for p in $build_pkgs $runtime_pkgs; do
  printf '%s\n' "$known" | grep -qx "$p" || fail "install-deps names $p, which apt does not know"
done
# configure.ac names the Debian package for each library it requires.
for p in $(sed -n 's/^MG_REQUIRE(\[[A-Z_]*\], \[[^]]*\], \[\([^]]*\)\])$/\1/p' "$TOP_SRCDIR/configure.ac") \
  protobuf-c-compiler; do
  printf '%s\n' "$build_pkgs" | grep -qx "$p" || fail "configure.ac requires $p; install-deps --build lacks it"
done
pass "install-deps --build has every package configure.ac requires; every name is a Debian package"

# --- the build stage's install commands, here -----------------------------------------
dest=$(sed -n 1p "$SANDBOX/dockerfile.out")
sed 1d "$SANDBOX/dockerfile.out" >"$SANDBOX/install-cmds"
while IFS= read -r cmd; do
  cmd=$(printf '%s\n' "$cmd" | sed "s|$dest|$stage|g")
  (cd "$TOP_BUILDDIR" && unset MAKEFLAGS MFLAGS MAKELEVEL && sh -c "$cmd") >>"$SANDBOX/install.log" 2>&1 ||
    { cat "$SANDBOX/install.log"; fail "Dockerfile step failed here: $cmd"; finish; }
done <"$SANDBOX/install-cmds"
pass "the build stage's $(wc -l <"$SANDBOX/install-cmds") install commands run here against $stage"

# --- the staged tree against what the binary looks for --------------------------------
bin=$(find "$stage" -path '*/bin/modelgate' -type f)
[ -n "$bin" ] || { fail "no bin/modelgate in the staged tree"; finish; }
prefix=${bin%/bin/modelgate}
prefix=${prefix#"$stage"}
dirs=$(tr -c '[:print:]' '\n' <"$bin" | grep -E "^$prefix/.*/modelgate/(plugins|rules|reports)\$" | sort -u)
[ "$(printf '%s\n' "$dirs" | grep -c .)" -eq 3 ] || fail "expected 3 compiled-in data directories under $prefix: $dirs"
for d in $dirs; do
  [ -n "$(ls -A "$stage$d" 2>/dev/null)" ] || fail "the binary looks in $d, which the staged tree leaves empty"
done
plugindir=$(printf '%s\n' "$dirs" | grep '/plugins$')
rulesdir=$(printf '%s\n' "$dirs" | grep '/rules$')
reportsdir=$(printf '%s\n' "$dirs" | grep '/reports$')
for p in $("$MODELGATE" plugins 2>/dev/null | awk '/^  [^ ]/ && / ABI [0-9]/ {print $1}'); do
  [ -f "$stage$plugindir/$p.so" ] || fail "plugin $p is built but not staged in $plugindir"
done
[ -f "$stage$rulesdir/checklist.xml" ] && [ -f "$stage$rulesdir/policy.xml" ] &&
  [ -f "$stage$reportsdir/html.xsl" ] || fail "rules or report stylesheets missing from the staged tree"
[ ! -e "$stage$prefix/include" ] && [ -z "$(find "$stage" -name '*.la')" ] ||
  fail "headers or libtool archives left in the image tree"
link=$(readlink "$stage$prefix/bin/modelgate-ci")
[ "$link" = "$prefix/share/modelgate/integrations/modelgate-ci" ] && [ -x "$stage$link" ] &&
  [ -f "$stage$prefix/share/modelgate/integrations/summary.xsl" ] ||
  fail "bin/modelgate-ci should link to $prefix/share/modelgate/integrations/modelgate-ci: '$link'"
pass "the staged tree holds the binary, every plugin, the rules, stylesheets and modelgate-ci where the binary looks"

# --- run as the image runs -------------------------------------------------------------------
# The image's paths are the staged ones without $stage: the *_DIR variables
# move the binary's compiled-in directories by exactly that.
scan="$SANDBOX/scan"
mkdir -p "$scan/tmp"
cp -r "$SANDBOX/in/bad" "$scan/"
as_user=""
# (Not where /dev/null has been replaced by a root-only file, as on a shared
# machine this once was: an unprivileged shell cannot run there at all.)
if [ "$(id -u)" -eq 0 ] && [ -c /dev/null ]; then
  chown -R 10001:10001 "$scan"
  chmod o+x "$SANDBOX"
  as_user="setpriv --reuid=10001 --regid=10001 --clear-groups"
fi
# shellcheck disable=SC2034 # status, out, err: read by expect_* (tests/lib.sh)
image_run() {
  # shellcheck disable=SC2086 # $as_user is a command prefix or nothing
  (cd "$scan" && env -u MODELGATE TMPDIR="$scan/tmp" MODELGATE_PLUGIN_DIR="$stage$plugindir" \
    MODELGATE_RULES_DIR="$stage$rulesdir" MODELGATE_REPORTS_DIR="$stage$reportsdir" $as_user "$@") \
    >"$SANDBOX/stdout" 2>"$SANDBOX/stderr"
  status=$?
  out=$(cat "$SANDBOX/stdout")
  err=$(cat "$SANDBOX/stderr")
}
image_run "$bin" plugins
expect_status 0 "modelgate plugins in the image" && pass "every staged plugin loads${as_user:+ as uid 10001}"
image_run "$bin" scan bad --json r.json --html r.html --sarif r.sarif
expect_status 1 "scan in the image" &&
  [ "$(json_get "$scan/r.json" "[p['status'] for p in d['plugins'] if p['name']=='pickle-code'][0]")" = ok ] &&
  [ -s "$scan/r.html" ] && pass "the staged binary scans in /scan and writes its reports${as_user:+ as uid 10001}"
image_run "$stage$link" --modelgate "$bin" --out reports bad
expect_status 1 "modelgate-ci in the image" && expect_out "^modelgate: FAIL \(exit 1\) for bad: .*Worst findings" \
  "modelgate-ci in the image" && pass "the installed modelgate-ci finds its summary stylesheet${as_user:+ as uid 10001}"

# --- the libraries the runtime stage must provide ----------------------------------------
# shellcheck disable=SC2086 # one package a word
if "$PY" - "$bin" "$stage$plugindir" "${MG_SANITIZERS:-no}" $runtime_pkgs <<'EOF'
import glob, os, re, subprocess, sys
binary, plugindir, sanitizers, runtime = sys.argv[1], sys.argv[2], sys.argv[3], set(sys.argv[4:])
def q(*a):
    return subprocess.run(a, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
# What debian:bookworm-slim has anyway: the essential packages and what they depend on.
deps, essential = {}, []
for line in q("dpkg-query", "-W", "-f", "${Package}\t${Essential}\t${Pre-Depends}, ${Depends}\n").stdout.splitlines():
    name, ess, d = line.split("\t")
    deps[name] = [re.split(r"[ :(]", alt.split("|")[0].strip())[0] for alt in d.split(",") if alt.strip()]
    if ess == "yes":
        essential.append(name)
base, todo = set(), list(essential)
while todo:
    p = todo.pop()
    if p not in base:
        base.add(p)
        todo += deps.get(p, [])
def candidates(path):
    # dpkg knows a library by one of its names: as loaded, resolved (an
    # alternative), with or without /usr (merged /usr).
    for p in (path, os.path.realpath(path)):
        yield p
        yield p[4:] if p.startswith("/usr/") else "/usr" + p
needs = []  # (file, soname, path)
for f in [binary] + sorted(glob.glob(os.path.join(plugindir, "*.so"))):
    where = dict(re.findall(r"^\s*(\S+) => (\S+)", q("ldd", f).stdout, re.M))
    for soname in re.findall(r"\(NEEDED\).*\[(.*)\]", q("readelf", "-d", f).stdout):
        if sanitizers == "yes" and re.match(r"lib(asan|ubsan)\.so", soname):
            continue  # the image is never built with sanitizers
        if not soname.startswith("ld-linux"):
            needs.append((f, soname, where.get(soname, "")))
paths = sorted({c for _, _, p in needs if p for c in candidates(p)})
owner = {}
for line in q("dpkg", "-S", *paths).stdout.splitlines():
    pkgs, _, path = line.partition(": ")
    owner[path] = pkgs.split(",")[0].split(":")[0].strip()
missing = []
for f, soname, path in needs:
    pkg = next((owner[c] for c in candidates(path) if c in owner), None) if path else None
    if not (pkg and (pkg in runtime or pkg in base)):
        missing.append(f"{os.path.basename(f)} needs {soname} ({pkg or 'no package found'})")
for m in missing:
    print("FAIL: runtime stage lacks:", m, file=sys.stderr)
sys.exit(1 if missing else 0)
EOF
then
  pass "install-deps --runtime provides every library the staged binary and plugins load"
else
  fail "runtime libraries"
fi
finish
