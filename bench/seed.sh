#!/usr/bin/env bash
# Whole-process timings on the shipped corpus: quire against SQLite FTS5
# (porter stemmer, bm25, snippet) over the same sections, in one session.
# Needs hyperfine and sqlite3 (Debian: apt-get install hyperfine sqlite3).
# Prints hyperfine's tables; medians are in bench/cache/seed/*.json.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
quire=$PWD/target/release/quire
work=bench/cache/seed
rm -rf "$work" && mkdir -p "$work"

"$quire" split --json corpus/*.txt > "$work/sections.json"
python3 bench/fts5_sql.py "$work/sections.json" > "$work/load.sql"
"$quire" index corpus --index "$work/index" --quiet
sqlite3 "$work/fts.db" < "$work/load.sql"

echo "== search, whole process, top 10 with snippets"
sql="SELECT label, bm25(sections, 1.5, 2.5, 1.0), snippet(sections, 2, '[', ']', '…', 25)
     FROM sections WHERE sections MATCH 'hemifacial spasm' ORDER BY 2 LIMIT 10"
hyperfine -N --warmup 10 --runs 200 --export-json "$work/search.json" \
  -n quire "$quire search --index $work/index --color never hemifacial spasm" \
  -n fts5 "sqlite3 $work/fts.db \"$sql\""

echo "== index from scratch, whole process"
hyperfine --warmup 3 --runs 50 --export-json "$work/index.json" \
  --prepare "rm -rf $work/index2 $work/fts2.db" \
  -n quire "$quire index corpus --index $work/index2 --quiet" \
  -n fts5 "sqlite3 $work/fts2.db < $work/load.sql"

python3 - "$work" <<'PY'
import json, sys
for name in ("search", "index"):
    runs = {r["command"]: r["median"] * 1000 for r in json.load(open(f"{sys.argv[1]}/{name}.json"))["results"]}
    print(f"{name}: quire median {runs['quire']:.2f} ms, fts5 median {runs['fts5']:.2f} ms, "
          f"quire/fts5 = {runs['quire'] / runs['fts5']:.2f}")
PY
