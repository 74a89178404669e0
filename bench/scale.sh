#!/usr/bin/env bash
# Scaling: quire and tantivy-cli 0.24 indexing the very same sections at
# about 1×, 5× and 13× linux-doc-6.1 (by sections) (bench/corpora.sh large fetches the
# 1 GB set), one table per size with ratios from one run:
#   - indexing: wall, CPU, peak RSS (/usr/bin/time), index size, median of
#     ROUNDS rounds (default 3), quire and tantivy-cli one after the other
#     in each round; quire's time includes reading and parsing the HTML,
#     tantivy-cli reads ready-made sections as NDJSON with en_stem on one
#     thread (as bench/compare.sh);
#   - one file changed in the index: `quire index` again after touching
#     and changing one page (median of 3);
#   - search: whole `quire search` processes, 20 fixed queries (hyperfine,
#     median of per-query medians), and in-process top-10 with snippets,
#     p50 and p99 over 200 queries (benches/latency.rs on the same index).
# Needs hyperfine and sqlite3's companions as bench/compare.sh.
#
#   bench/scale.sh              # all three sizes
#   bench/scale.sh 1x 13x       # some
set -euo pipefail
cd "$(dirname "$0")/.."
bench/corpora.sh large > /dev/null
cargo build --release --quiet
quire=$PWD/target/release/quire
tools=$PWD/bench/cache/tools
[ -x "$tools/bin/tantivy" ] || cargo install tantivy-cli --version 0.24.0 --root "$tools"
tantivy=$tools/bin/tantivy
c=bench/cache/corpora
linux=$(find "$c/linux-doc-6.1" -type d -name html -print -quit)
rounds=${ROUNDS:-3}

# The folders of each size.
folders() { # size
  case $1 in
    1x) echo "$linux" ;;
    5x) echo "$linux $c/openjdk-17-doc $c/python3.11-doc $c/postgresql-doc-15" ;;
    13x) echo "$linux $c/openjdk-17-doc $c/python3.11-doc $c/postgresql-doc-15 $c/rust-doc" ;;
    *) echo "scale.sh: no size $1 (1x, 5x, 13x)" >&2; exit 2 ;;
  esac
}

queries="pci_register_driver probe,memory barrier,device tree overlay,kobject release,spin lock irq,\
dma mapping coherent,cgroup memory limit,ftrace function graph,page cache writeback,interrupt handler,\
usb gadget configfs,netdev watchdog timeout,kernel parameters,rcu read lock,block layer queue,\
power management suspend,firmware loading,workqueue flush,scheduler deadline,filesystem mount options"

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1x 5x 13x)
for size in "${sizes[@]}"; do
  read -r -a dirs <<< "$(folders "$size")"
  work=bench/cache/scale/$size
  rm -rf "$work" && mkdir -p "$work"
  echo "== $size: exporting the sections quire makes, for tantivy-cli" >&2
  find "${dirs[@]}" -name '*.html' -not -path '*/_sources/*' -print0 | sort -z \
    | xargs -0 "$quire" split --json > "$work/split.json"
  python3 bench/fts5_sql.py "$work/split.json" "$work/sections.ndjson" > /dev/null
  rm "$work/split.json"
  cp bench/tantivy-meta.json "$work/meta.json"
  : > "$work/index.tsv"
  timed() { # name command...
    /usr/bin/time -f "$1\t%e\t%U\t%S\t%M" -a -o "$work/index.tsv" "${@:2}" > /dev/null 2>&1
  }
  for round in $(seq "$rounds"); do
    echo "== $size: indexing, round $round of $rounds" >&2
    rm -rf "$work/q" && timed quire "$quire" index "${dirs[@]}" --glob '*.html' --index "$work/q" --quiet
    rm -rf "$work/t" && mkdir "$work/t" && cp "$work/meta.json" "$work/t/"
    timed tantivy-cli sh -c "'$tantivy' index -i '$work/t' --num_threads 1 < '$work/sections.ndjson'"
  done
  du -sm "$work/q" | cut -f1 > "$work/q.size"
  du -sm "$work/t" | cut -f1 > "$work/t.size"
  wc -l < "$work/sections.ndjson" > "$work/sections"
  rm "$work/sections.ndjson"

  echo "== $size: one file changed" >&2
  page=$(find "$linux" -name 'index.html' -print -quit)
  cp "$page" "$work/page.orig"
  for round in 1 2 3; do
    printf '<p>changed %s</p>\n' "$round" >> "$page"
    timed changed "$quire" index "${dirs[@]}" --glob '*.html' --index "$work/q" --quiet
  done
  cp "$work/page.orig" "$page" && touch -r "$work/page.orig" "$page"
  "$quire" index "${dirs[@]}" --glob '*.html' --index "$work/q" --quiet

  echo "== $size: search, whole process" >&2
  hyperfine -N --warmup 2 --runs 10 --export-json "$work/search.json" -L q "$queries" \
    "$quire search --index $work/q --color never {q}" > /dev/null
  echo "== $size: search, in process" >&2
  corpus=$(IFS=:; echo "${dirs[*]}")
  QUIRE_BENCH_INDEX=$work/q QUIRE_BENCH_CORPUS=$corpus \
    cargo bench --quiet --bench latency -- --noplot 2>/dev/null | grep -E 'p50' > "$work/latency.txt" || true
done

python3 - "${sizes[@]}" <<'PY'
import json, statistics, sys
print("\n| size | sections | | wall s | CPU s | peak RSS MB | index MB | quire / tantivy-cli speed |")
print("|---|---|---|---|---|---|---|---|")
for size in sys.argv[1:]:
    work = f"bench/cache/scale/{size}"
    rows = {}
    for line in open(f"{work}/index.tsv"):
        name, wall, user, sys_, rss = line.split("\t")
        rows.setdefault(name, []).append((float(wall), float(user) + float(sys_), int(rss) / 1024))
    med = {n: [statistics.median(x[i] for x in r) for i in range(3)] for n, r in rows.items()}
    sections = open(f"{work}/sections").read().strip()
    sizes = {"quire": open(f"{work}/q.size").read().strip(), "tantivy-cli": open(f"{work}/t.size").read().strip()}
    for name in ("quire", "tantivy-cli"):
        wall, cpu, rss = med[name]
        speed = med["tantivy-cli"][0] / med["quire"][0]
        print(f"| {size} | {sections} | {name} | {wall:.2f} | {cpu:.2f} | {rss:.0f} | {sizes[name]} | {speed:.2f}× |")
print("\n| size | one file changed, s | whole `search`, median of 20 | slowest | in-process top-10 |")
print("|---|---|---|---|---|")
for size in sys.argv[1:]:
    work = f"bench/cache/scale/{size}"
    changed = [float(l.split("\t")[1]) for l in open(f"{work}/index.tsv") if l.startswith("changed")]
    results = json.load(open(f"{work}/search.json"))["results"]
    medians = [r["median"] * 1000 for r in results]
    latency = open(f"{work}/latency.txt").read().strip().replace("\n", "; ")
    print(f"| {size} | {statistics.median(changed):.2f} | {statistics.median(medians):.2f} ms | {max(medians):.2f} ms | {latency} |")
PY
