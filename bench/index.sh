#!/usr/bin/env bash
# Indexing benchmarks on the real corpora (bench/corpora.sh fetches them):
# a full index of linux-doc-6.1's HTML and of nodejs-doc's Markdown, a
# re-run with nothing changed, and a re-run with one file changed. Needs
# hyperfine (Debian: apt-get install hyperfine). Medians are printed at the
# end; hyperfine's JSON is kept in bench/cache/index/.
set -euo pipefail
cd "$(dirname "$0")/.."
bench/corpora.sh > /dev/null
cargo build --release --quiet
quire=$PWD/target/release/quire
corpora=bench/cache/corpora
html=$(find "$corpora/linux-doc-6.1" -type d -name html -print -quit)
md=$corpora/nodejs-md
work=bench/cache/index
rm -rf "$work" && mkdir -p "$work"

linux="$quire index $html --glob *.html --index $work/linux --quiet"
node="$quire index $md --index $work/node --quiet"

echo "== full index (5 runs each)"
hyperfine --warmup 1 --runs 5 --export-json "$work/full.json" \
  --prepare "rm -rf $work/linux $work/node" -n linux-doc "$linux" -n nodejs-doc "$node"

echo "== peak memory and text throughput, one full run each"
rm -rf "$work/linux" "$work/node"
/usr/bin/time -f "linux-doc: %e s wall, %U s user, %S s sys, %M KB peak RSS" \
  "$quire" index "$html" --glob '*.html' --index "$work/linux" --verbose 2>&1 | grep -E "MiB of text|KB peak|articles"
/usr/bin/time -f "nodejs-doc: %e s wall, %U s user, %S s sys, %M KB peak RSS" \
  "$quire" index "$md" --index "$work/node" --verbose 2>&1 | grep -E "MiB of text|KB peak|articles"

echo "== re-run, nothing changed (10 runs)"
hyperfine --warmup 2 --runs 10 --export-json "$work/unchanged.json" -n unchanged "$linux"

echo "== re-run, one file changed (10 runs)"
file=$html/PCI/pci.html
cp "$file" "$work/pci.html.orig"
trap 'cp "$work/pci.html.orig" "$file"' EXIT
hyperfine --warmup 1 --runs 10 --export-json "$work/one-changed.json" \
  --prepare "echo '<p>edit '\$(date +%N)'</p>' >> $file" -n one-changed "$linux"

python3 - "$work" <<'PY'
import json, sys
for name in ("full", "unchanged", "one-changed"):
    for r in json.load(open(f"{sys.argv[1]}/{name}.json"))["results"]:
        print(f"{r['command']:>12}: median {r['median']:.3f} s (min {r['min']:.3f}, max {r['max']:.3f})")
PY
