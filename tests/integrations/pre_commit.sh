#!/bin/sh
# The pre-commit hook as a user meets it: a temporary git repository whose
# .pre-commit-config.yaml names this repository's hook (cloned by pre-commit
# from a git copy of .pre-commit-hooks.yaml and integrations/), `pre-commit
# install`, then `git commit`: a staged pickle that runs code blocks the
# commit, files the hook's `files:` pattern does not match are not scanned,
# the scan options in `args:` (ended by `--`) reach modelgate, and once the
# pickle is unstaged the commit goes through. Then the hook script directly,
# without `--`.
# shellcheck source=tests/integrations/lib.sh
. "$TOP_SRCDIR/tests/integrations/lib.sh"
command -v git >/dev/null || { fail "git is not installed (scripts/install-deps)"; finish; }
command -v pre-commit >/dev/null || { fail "pre-commit is not installed (scripts/install-deps)"; finish; }
make_packages
export PRE_COMMIT_HOME="$SANDBOX/pre-commit-home" HOME="$SANDBOX/home"
mkdir -p "$HOME"
git config --global user.name "modelgate test"
git config --global user.email "test@modelgate.invalid"
git config --global init.defaultBranch main
git config --global protocol.file.allow always

# The hook repository: what pre-commit reads of this one.
hooks="$SANDBOX/hook-repo"
mkdir -p "$hooks"
cp "$TOP_SRCDIR/.pre-commit-hooks.yaml" "$hooks/"
cp -r "$TOP_SRCDIR/integrations" "$hooks/integrations"
(cd "$hooks" && git init -q && git add -A && git commit -qm hooks) || { fail "making the hook repository"; finish; }
rev=$(git -C "$hooks" rev-parse HEAD)

repo="$SANDBOX/project"
mkdir -p "$repo/models"
cd "$repo" || exit 99
git init -q
cat >.pre-commit-config.yaml <<EOF
repos:
  - repo: $hooks
    rev: $rev
    hooks:
      - id: modelgate
        args: [--rules, $TEST_RULES, --]
EOF
cp "$SANDBOX/in/clean/model.onnx" models/classifier.onnx
cp "$SANDBOX/in/weights.pkl" models/weights.pkl
echo "not a model" >models/NOTES.txt
git add .pre-commit-config.yaml models
pre-commit install >"$SANDBOX/install.log" 2>&1 || { cat "$SANDBOX/install.log"; fail "pre-commit install"; finish; }

git commit -qm "add a model" >"$SANDBOX/commit.log" 2>&1
status=$?
log=$(cat "$SANDBOX/commit.log")
if [ "$status" -ne 0 ] && ! git rev-parse -q --verify HEAD >/dev/null; then
  pass "the commit with a code-running pickle is blocked"
else
  fail "the commit went through (exit $status): $log"
fi
printf '%s\n' "$log" | grep -q '^modelgate: FAIL (exit 1) for [^:]*weights[^:]*: .*posix\.system' &&
  pass "the hook's output names the pickle and its import" || fail "hook output lacks the pickle's verdict: $log"
printf '%s\n' "$log" | grep -q '^modelgate: PASS (exit 0) for [^:]*classifier' &&
  pass "the staged ONNX model was scanned and passed under --rules from args" ||
  fail "hook output lacks the model's verdict: $log"
case $log in *NOTES.txt*) fail "a file outside the hook's files: pattern was scanned" ;; esac
[ -s .git/modelgate-reports/models_weights.pkl/modelgate.html ] &&
  pass "the blocked file's reports are kept in .git/modelgate-reports/" ||
  fail "no reports in .git/modelgate-reports/models_weights.pkl"

git rm -q --cached models/weights.pkl
git commit -qm "add a model" >"$SANDBOX/commit.log" 2>&1
status=$?
[ "$status" -eq 0 ] && git rev-parse -q --verify HEAD >/dev/null &&
  pass "without the pickle the commit goes through" || fail "commit without the pickle: $(cat "$SANDBOX/commit.log")"

# The hook script as pre-commit calls it when `args:` is empty: every
# argument is a file; the worst status wins, a failing gate over an error.
hook="$TOP_SRCDIR/integrations/pre-commit-hook"
sh "$hook" "$SANDBOX/in/broken.tar.gz" "$SANDBOX/in/weights.pkl" >"$SANDBOX/hook.log" 2>&1
status=$?
[ "$status" -eq 1 ] && grep -q "commit blocked (exit 1)" "$SANDBOX/hook.log" &&
  pass "a failing gate (1) outranks an incomplete scan (2)" || fail "hook exit $status: $(cat "$SANDBOX/hook.log")"
sh "$hook" "$SANDBOX/in/broken.tar.gz" >"$SANDBOX/hook.log" 2>&1
status=$?
[ "$status" -eq 2 ] && grep -q "truncated gzip\|not a readable archive" "$SANDBOX/hook.log" &&
  pass "an unreadable file blocks the commit with modelgate's reason (exit 2)" ||
  fail "hook exit $status: $(cat "$SANDBOX/hook.log")"
finish
