#!/usr/bin/env bash
# Load on `quire serve` over loopback with wrk: 64 connections for 10 s, top
# 10 with snippets (GET /search as the page asks it), on the shipped corpus
# and on linux-doc-6.1 (bench/corpora.sh fetches it):
#   - 24 fixed queries in turn, with the server's answer cache (the default)
#     and without it (--cache 0);
#   - random two-word queries from 400 words of the corpus (160,000 pairs:
#     the cache seldom helps);
#   - the fixed queries while `quire index --rebuild` rewrites the index.
# Prints requests/s, latency percentiles and errors. Needs wrk (Debian:
# apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
bench/corpora.sh > /dev/null
cargo build --release --quiet
quire=$PWD/target/release/quire
html=$(find bench/cache/corpora/linux-doc-6.1 -type d -name html -print -quit)
work=$PWD/bench/cache/load
mkdir -p "$work"
connections=${CONNECTIONS:-64}
duration=${DURATION:-10s}

"$quire" index corpus --index "$work/seed" --rebuild --quiet
"$quire" index "$html" --glob '*.html' --index "$work/linux" --rebuild --quiet

# Queries rotate per request; the same 20 fixed queries as compare.sh.
cat > "$work/queries.lua" <<'LUA'
local queries = {
  "pci_register_driver probe", "memory barrier", "device tree overlay", "kobject release",
  "spin lock irq", "dma mapping coherent", "cgroup memory limit", "ftrace function graph",
  "page cache writeback", "interrupt handler", "usb gadget configfs", "netdev watchdog timeout",
  "kernel parameters", "rcu read lock", "block layer queue", "power management suspend",
  "firmware loading", "workqueue flush", "scheduler deadline", "filesystem mount options",
  "hemifacial spasm", "facial nerve", "electromyography", "microvascular decompression",
}
local i = 0
request = function()
  i = i + 1
  local q = queries[(i % #queries) + 1]:gsub(" ", "+")
  return wrk.format("GET", "/search?limit=10&q=" .. q)
end
LUA

# Random pairs of words that occur in 20 to 2,000 sections of linux-doc.
"$quire" export --index "$work/linux" | python3 -c '
import json, random, re, sys
df = {}
for line in sys.stdin:
    for w in set(re.findall(r"[a-z]{5,12}", json.loads(line)["text"].lower())):
        df[w] = df.get(w, 0) + 1
words = sorted(w for w, n in df.items() if 20 <= n <= 2000)
random.seed(7)
picked = random.sample(words, 400)
print("local words = {" + ", ".join(json.dumps(w) for w in picked) + "}")
# Each wrk thread draws its own sequence: with one seed for all, the
# threads would send the same queries and the answer cache would serve half.
print("local threads = 0")
print("function setup(thread) threads = threads + 1; thread:set(\"id\", threads) end")
print("function init(args) math.randomseed(7919 * id) end")
print("request = function()")
print("  local q = words[math.random(#words)] .. \"+\" .. words[math.random(#words)]")
print("  return wrk.format(\"GET\", \"/search?limit=10&q=\" .. q)")
print("end")
' > "$work/random.lua"

serve() { # index-dir port [serve options]
  "$quire" serve --index "$1" --addr "127.0.0.1:$2" "${@:3}" 2> "$work/serve-$2.log" &
  echo $! > "$work/serve-$2.pid"
  for _ in $(seq 50); do
    grep -q "serving" "$work/serve-$2.log" 2>/dev/null && return
    sleep 0.1
  done
  echo "the server did not start" >&2
  exit 1
}
stop() { kill "$(cat "$work/serve-$1.pid")"; wait "$(cat "$work/serve-$1.pid")" 2>/dev/null || true; }

run() { # title port [script]
  echo "== $1"
  wrk --threads 2 --connections "$connections" --duration "$duration" --latency \
    --script "${3:-$work/queries.lua}" "http://127.0.0.1:$2" | tee "$work/last.txt" \
    | grep -E "Requests/sec|Latency  |50%|90%|99%|requests in|Non-2xx|Socket errors"
}

serve "$work/seed" 7711
run "shipped corpus (5 sections)" 7711
stop 7711

serve "$work/linux" 7713 --cache 0
run "linux-doc-6.1 (24,404 sections), no cache" 7713
stop 7713

serve "$work/linux" 7712
run "linux-doc-6.1 (24,404 sections)" 7712
run "linux-doc-6.1, random two-word queries" 7712 "$work/random.lua"
( sleep 1; "$quire" index "$html" --glob '*.html' --index "$work/linux" --rebuild --quiet ) &
indexer=$!
run "linux-doc-6.1 while quire index --rebuild runs" 7712
wait $indexer
stop 7712
