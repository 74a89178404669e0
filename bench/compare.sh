#!/usr/bin/env bash
# quire against its peers on linux-doc-6.1's HTML (bench/corpora.sh fetches
# it), over the very same sections:
#   - tantivy-cli 0.24 indexing them as NDJSON with en_stem, one thread
#     (installed into bench/cache/tools on first use);
#   - SQLite FTS5 with the porter tokenizer.
# Indexing: 5 rounds, the three run one after another in each round; wall,
# CPU and peak RSS (/usr/bin/time), medians and ratios. quire's time
# includes reading and parsing the HTML; the peers read ready-made sections.
# Search: 20 fixed queries, whole processes, with hyperfine.
# Needs hyperfine and sqlite3 (Debian: apt-get install hyperfine sqlite3).
set -euo pipefail
cd "$(dirname "$0")/.."
bench/corpora.sh > /dev/null
cargo build --release --quiet
quire=$PWD/target/release/quire
tools=$PWD/bench/cache/tools
[ -x "$tools/bin/tantivy" ] || cargo install tantivy-cli --version 0.24.0 --root "$tools"
tantivy=$tools/bin/tantivy
html=$(find bench/cache/corpora/linux-doc-6.1 -type d -name html -print -quit)
work=bench/cache/compare
rm -rf "$work" && mkdir -p "$work"

echo "== exporting the sections quire makes, for the peers"
find "$html" -name '*.html' -not -path '*/_sources/*' -print0 | sort -z \
  | xargs -0 "$quire" split --json > "$work/split.json"
python3 bench/fts5_sql.py "$work/split.json" "$work/sections.ndjson" > "$work/load.sql"
cp bench/tantivy-meta.json "$work/meta.json"
echo "$(wc -l < "$work/sections.ndjson") sections, $(du -m "$work/sections.ndjson" | cut -f1) MB of NDJSON"

echo "== indexing, 5 rounds"
: > "$work/index.tsv"
timed() { # name command...
  /usr/bin/time -f "$1\t%e\t%U\t%S\t%M" -a -o "$work/index.tsv" "${@:2}" > /dev/null 2>&1
}
for round in 1 2 3 4 5; do
  rm -rf "$work/q" && timed quire "$quire" index "$html" --glob '*.html' --index "$work/q" --quiet
  rm -rf "$work/t" && mkdir "$work/t" && cp "$work/meta.json" "$work/t/"
  timed tantivy-cli sh -c "'$tantivy' index -i '$work/t' --num_threads 1 < '$work/sections.ndjson'"
  rm -f "$work/f.db" && timed fts5 sh -c "sqlite3 '$work/f.db' < '$work/load.sql'"
  echo "round $round done"
done

echo "== search, whole process, 20 queries"
queries="pci_register_driver probe,memory barrier,device tree overlay,kobject release,spin lock irq,\
dma mapping coherent,cgroup memory limit,ftrace function graph,page cache writeback,interrupt handler,\
usb gadget configfs,netdev watchdog timeout,kernel parameters,rcu read lock,block layer queue,\
power management suspend,firmware loading,workqueue flush,scheduler deadline,filesystem mount options"
hyperfine -N --warmup 2 --runs 10 --export-json "$work/search-quire.json" -L q "$queries" \
  "$quire search --index $work/q --color never {q}" > /dev/null
hyperfine -N --warmup 2 --runs 10 --export-json "$work/search-tantivy.json" -L q "$queries" \
  "$tantivy search -i $work/t -q '{q}'" > /dev/null
hyperfine -N --warmup 2 --runs 10 --export-json "$work/search-fts5.json" -L q "$queries" \
  "sqlite3 $work/f.db \"SELECT label, snippet(sections, 2, '[', ']', '…', 25) FROM sections WHERE sections MATCH '{q}' ORDER BY bm25(sections, 1.5, 2.5, 1.0) LIMIT 10\"" > /dev/null

python3 - "$work" <<'PY'
import json, statistics, sys
work = sys.argv[1]
rows = {}
for line in open(f"{work}/index.tsv"):
    name, wall, user, sys_, rss = line.split("\t")
    rows.setdefault(name, []).append((float(wall), float(user) + float(sys_), int(rss) / 1024))
med = {n: [statistics.median(x[i] for x in r) for i in range(3)] for n, r in rows.items()}
print("\n| indexing linux-doc (median of 5) | wall s | CPU s | peak RSS MB | quire wall / peer wall |")
print("|---|---|---|---|---|")
for name in ("quire", "tantivy-cli", "fts5"):
    wall, cpu, rss = med[name]
    ratio = med["quire"][0] / wall
    print(f"| {name} | {wall:.2f} | {cpu:.2f} | {rss:.0f} | {ratio:.2f} |")
print("\n| search, whole process, 20 queries | median of per-query medians | slowest query median |")
print("|---|---|---|")
for name in ("quire", "tantivy", "fts5"):
    results = json.load(open(f"{work}/search-{name}.json"))["results"]
    medians = [r["median"] * 1000 for r in results]
    print(f"| {name} | {statistics.median(medians):.2f} ms | {max(medians):.2f} ms |")
PY
