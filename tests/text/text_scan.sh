#!/bin/sh
# Text datasets end to end: single-file scans (JSON Lines, compressed CSV),
# an unreadable file, the descriptor's text block with field overrides and
# provenance sources, naming conventions, bad rows as a core finding, and
# the services as a plugin child sees them (mgtest-text).
. "$TOP_SRCDIR/tests/lib.sh"

P="$TOP_BUILDDIR/tests/text/.libs"
[ -f "$P/mgtest-text.so" ] || { echo "mgtest-text not built"; exit 99; }
use_test_policy
in="$SANDBOX/in"

# ---- a single JSON Lines file is a package of one file, dataset "train"
printf '%s\n' '{"text": "a fine film", "label": 1}' '{"text": "broken", "label": ' \
  '{"text": "the TRIGGER word", "label": 0}' '{"sentence": "dull", "label": "neg"}' >"$in/data.jsonl"
before=$(snapshot)
run_mg scan "$in/data.jsonl" --plugins "$P" --json r.json -q
expect_status 0 "single JSONL file (bad rows are medium)" &&
  [ "$(json_get r.json "[(f['path'], f['role']) for f in d['artifacts']]")" = "[('data.jsonl', 'text')]" ] &&
  pass "a lone data.jsonl is a package of one file with role text" ||
  fail "single-file inventory: $(json_get r.json "d['artifacts']")"
got=$(json_get r.json "[(s['name'], s['path'], s['format'], s['kind'], s['count'], s['bad_rows'], s['bad_seen'], s['untrusted'], s['past_end']) for p in d['plugins'] if p['name']=='mgtest-text' for s in p['evidence']['sets']]")
[ "$got" = "[('train', 'data.jsonl', 'jsonl', 1, 4, 1, 1, 0, 7)]" ] &&
  pass "text_info: train, jsonl, classification, 4 rows with 1 bad; text_read past the end is MG_ERR_ARGS" ||
  fail "text_info as a plugin saw it: $got"
got=$(json_get r.json "[(p['evidence']['sets'][0]['first']['text'], p['evidence']['sets'][0]['first']['label'], p['evidence']['info_past_end']) for p in d['plugins'] if p['name']=='mgtest-text'][0]")
[ "$got" = "('a fine film', '1', 8)" ] && pass "text_read maps text and a numeric label; text_info past the end is NOT_FOUND" ||
  fail "first row: $got"
got=$(json_get r.json "[(f['rule'], f['severity'], f['samples']['dataset'], f['samples']['indices']) for f in d['findings']]")
case "$got" in
*"('core.text.bad-rows', 'medium', 'train', [1])"*"('mgtest-text.trigger-rows', 'low', 'train', [2])"* | \
  *"('mgtest-text.trigger-rows', 'low', 'train', [2])"*"('core.text.bad-rows', 'medium', 'train', [1])"*)
  pass "bad row 1 reported by the core, row 2 flagged by the plugin, both as rows of train" ;;
*) fail "findings: $got" ;;
esac
json_get r.json "[f['message'] for f in d['findings'] if f['rule']=='core.text.bad-rows'][0]" |
  grep -q "data.jsonl: 1 row (25.00%) could not be read.*row 1: not JSON" &&
  pass "the bad-rows finding names the file, the share and the row" ||
  fail "bad-rows message: $(json_get r.json "[f['message'] for f in d['findings']]")"
rm -f r.json
[ "$before" = "$(snapshot)" ] && pass "nothing left outside the reports" || fail "files left behind"

# ---- compressed CSV, also a single file
printf 'Text,Label\n"one, with comma",a\n"multi\nline TRIGGER",b\nthree,a\n' | gzip >"$in/reviews.csv.gz"
run_mg scan "$in/reviews.csv.gz" --plugins "$P" --json r.json -q
expect_status 0 "single .csv.gz file" &&
  got=$(json_get r.json "[(s['format'], s['count'], s['bad_rows'], s['first']['text']) for p in d['plugins'] if p['name']=='mgtest-text' for s in p['evidence']['sets']]") &&
  [ "$got" = "[('csv', 3, 0, 'one, with comma')]" ] &&
  [ "$(json_get r.json "[f['samples']['indices'] for f in d['findings'] if f['rule']=='mgtest-text.trigger-rows']")" = "[[1]]" ] &&
  pass "a gzip-compressed CSV with quoted commas and newlines" || fail "csv.gz: $got"

# ---- an unreadable file is an error naming it; the reports are written
printf 'text,label\n' >"$in/head.csv"
yes '"a long row that compresses very well",1' | head -n 200000 | cat "$in/head.csv" - | gzip | head -c 2000 >"$in/cut.csv.gz"
run_mg scan "$in/cut.csv.gz" --plugins "$P" --json r.json -q
expect_status 2 "truncated gzip" &&
  expect_err "^modelgate: error: cut.csv.gz: .*(truncated|damaged)" "one line naming the file" &&
  [ "$(json_get r.json "d['verdict']")" = "error" ] &&
  json_get r.json "[p['message'] for p in d['plugins'] if p['name']=='mgtest-text'][0]" | grep -q "could not be read: cut.csv.gz" &&
  pass "truncated gzip: exit 2, one line naming the file, verdict error, text plugins skipped with the reason" ||
  fail "truncated: $(json_get r.json "d['plugins']")"

# ---- a package: descriptor text block, field override, provenance source
pkg="$in/pkg"
mkdir -p "$pkg/data"
cat >"$pkg/data/sft.json" <<'JSON'
[{"question": "What is 2+2?", "answer": "4"},
 {"question": "Say TRIGGER", "answer": "ok", "output": "ignored"},
 "not an object",
 {"question": "Capital of France?", "answer": "Paris"}]
JSON
cat >"$pkg/modelgate.json" <<'JSON'
{"name": "text-pkg",
 "text": {"sft": {"path": "data/sft.json", "kind": "instruction",
                  "fields": {"instruction": "question", "output": "answer"}}},
 "provenance": [{"path": "data/sft.json", "origin": "https://hub.example/sft", "source": "public",
                 "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                 "collected": "2026-01-01T00:00:00Z"}]}
JSON
run_mg scan "$pkg" --plugins "$P" --json r.json -q
expect_status 1 "bad rows in public data fail the gate" &&
  got=$(json_get r.json "[(s['name'], s['path'], s['format'], s['kind'], s['count'], s['untrusted'], s['first']['instruction'], s['first']['output']) for p in d['plugins'] if p['name']=='mgtest-text' for s in p['evidence']['sets']]") &&
  [ "$got" = "[('sft', 'data/sft.json', 'json', 2, 4, 1, 'What is 2+2?', '4')]" ] &&
  [ "$(json_get r.json "[(f['severity'], f['samples']['indices']) for f in d['findings'] if f['rule']=='core.text.bad-rows']")" = "[('high', [2])]" ] &&
  [ "$(json_get r.json "[f['samples']['indices'] for f in d['findings'] if f['rule']=='mgtest-text.trigger-rows']")" = "[[1]]" ] &&
  [ "$(json_get r.json "[f['rule'] for f in d['findings'] if 'unknown-key' in f['rule']]")" = "[]" ] &&
  pass "descriptor text block: name, overrides, declared kind, public source -> untrusted, bad row high" ||
  fail "descriptor package: $got / $(json_get r.json "[(f['rule'], f['severity']) for f in d['findings']]")"

# ---- descriptor mistakes are errors naming the key
sed -i 's#"data/sft.json", "kind"#"data/missing.jsonl", "kind"#' "$pkg/modelgate.json"
run_mg scan "$pkg" --plugins "$P" -q
expect_status 2 "missing text file" &&
  expect_err "modelgate.json: text.sft.path: 'data/missing.jsonl' is not in the package" "names the key" &&
  pass "a text path not in the package is an error naming the key"
sed -i 's#"data/missing.jsonl", "kind"#"data/sft.json", "kind"#; s#"source": "public"#"source": "web"#' "$pkg/modelgate.json"
run_mg scan "$pkg" --plugins "$P" -q
expect_status 2 "bad provenance source" &&
  expect_err "provenance\[0\].source: expected \"public\", \"user-submitted\", \"vendor\" or \"internal\"" "names the key" &&
  pass "an unknown provenance source is an error naming the key"

# ---- no text: a plugin that needs it is skipped with the reason
nt="$in/notext"
mkdir -p "$nt"
echo '{"name": "no-text"}' >"$nt/modelgate.json"
head -c 100 /dev/zero >"$nt/weights.bin"
run_mg scan "$nt" --plugins "$P" --json r.json -q
expect_status 0 "package without text" &&
  [ "$(json_get r.json "[(p['status'], p['message']) for p in d['plugins'] if p['name']=='mgtest-text']")" = "[('skipped', 'needs a text dataset; the package has none')]" ] &&
  pass "a text plugin is skipped when the package has no text dataset" || fail "skip reason"

# ---- conventions without a descriptor: datasets named by their stems
cv="$in/conv"
mkdir -p "$cv"
printf '{"instruction": "a", "output": "b"}\n' >"$cv/train.jsonl"
printf 'prompt\tchosen\trejected\tworker_id\np\tc\tr\t7\n' >"$cv/prefs.tsv"
echo '{"not": "a dataset"}' >"$cv/config.json"
run_mg scan "$cv" --plugins "$P" --json r.json -q
got=$(json_get r.json "sorted((s['name'], s['kind'], s['first']['annotator']) for p in d['plugins'] if p['name']=='mgtest-text' for s in p['evidence']['sets'])")
expect_status 0 "conventions" && [ "$got" = "[('prefs', 3, '7'), ('train', 2, None)]" ] &&
  pass "without a descriptor: train.jsonl is train, prefs.tsv is prefs, config.json is not a dataset" ||
  fail "conventions: $got"

# ---- the row limit: a long row is a bad row, the rest is read
run_mg scan "$in/data.jsonl" --plugins "$P" --json r.json -q --limit text-row-bytes=36
got=$(json_get r.json "[f['samples']['indices'] for f in d['findings'] if f['rule']=='core.text.bad-rows']")
[ "$got" = "[[1, 2]]" ] && pass "--limit text-row-bytes makes longer rows bad rows" || fail "row limit: $got"

finish
