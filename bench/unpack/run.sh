#!/bin/sh
# Unpack+verify throughput on a generated package of at least 1 GiB, side by
# side with `openssl dgst -sha256` over the same bytes in the same run, and
# modelgate's peak RSS. Target: >= 0.8x openssl's rate, RSS < 64 MiB.
#
# usage: bench/unpack/run.sh [MODELGATE] [SIZE_MIB]   (default build tree, 1024)
set -eu
MG=${1:-$(cd "$(dirname "$0")/../.." && pwd)/modelgate}
SIZE_MIB=${2:-1024}
[ -x "$MG" ] || { echo "usage: $0 path/to/modelgate [size-MiB]" >&2; exit 2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mg-bench-unpack.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/pkg/data"

# 32 files of incompressible data (a real package's weights and datasets
# compress poorly), written once; the tar holds the same bytes.
files=32
per=$((SIZE_MIB / files))
i=0
while [ $i -lt $files ]; do
  openssl enc -aes-128-ctr -pass pass:mg$i -pbkdf2 -nosalt -in /dev/zero 2>/dev/null |
    head -c $((per * 1048576)) >"$WORK/pkg/data/shard-$i.bin"
  i=$((i + 1))
done
echo '{"name": "bench"}' >"$WORK/pkg/modelgate.json"
(cd "$WORK" && tar cf pkg.tar pkg)
(cd "$WORK/pkg" && sha256sum modelgate.json data/*.bin) >"$WORK/SHA256SUMS"
bytes=$(du -cb "$WORK"/pkg/data/*.bin | tail -1 | cut -f1)
sync

now() { date +%s.%N; }
# Warm the page cache for both tools alike, then time each twice, keep best.
cat "$WORK/pkg.tar" >/dev/null
best_ossl=999999
best_mg=999999
for round in 1 2; do
  t0=$(now)
  cat "$WORK"/pkg/data/*.bin | openssl dgst -sha256 >/dev/null
  t1=$(now)
  TMPDIR="$WORK" /usr/bin/time -f "%M" -o "$WORK/rss" "$MG" verify "$WORK/pkg.tar" \
    --registry "$WORK/SHA256SUMS" -q
  t2=$(now)
  ossl=$(echo "$t1 - $t0" | bc -l)
  mg=$(echo "$t2 - $t1" | bc -l)
  best_ossl=$(echo "if ($ossl < $best_ossl) $ossl else $best_ossl" | bc -l)
  best_mg=$(echo "if ($mg < $best_mg) $mg else $best_mg" | bc -l)
done
rss_kib=$(cat "$WORK/rss")
mib=$(echo "$bytes / 1048576" | bc -l)
printf 'payload            %8.0f MiB in %d files (tar, uncompressed)\n' "$mib" "$files"
printf 'openssl dgst       %8.0f MiB/s  (%.2f s)\n' "$(echo "$mib / $best_ossl" | bc -l)" "$best_ossl"
printf 'modelgate verify   %8.0f MiB/s  (%.2f s: unpack to workspace + SHA-256 + registry)\n' \
  "$(echo "$mib / $best_mg" | bc -l)" "$best_mg"
printf 'ratio              %8.2fx openssl (target >= 0.80)\n' "$(echo "$best_ossl / $best_mg" | bc -l)"
printf 'peak RSS           %8.1f MiB (target < 64)\n' "$(echo "$rss_kib / 1024" | bc -l)"
