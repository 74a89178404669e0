#!/usr/bin/env bash
# Runs fuzz targets, SECONDS each (default 1800), JOBS at a time (default
# 2), on the corpora fuzz/seeds.sh made; each target's libFuzzer log and
# any crash land in fuzz/logs/TARGET.log and fuzz/artifacts/TARGET/.
#
#   [JOBS=N] fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-1800}
shift || true
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=(html markdown text query http)
[[ -d corpus ]] || ./seeds.sh
cargo +nightly fuzz build -O
mkdir -p logs
run() {
    # A hang is an input that takes over 10 s; memory past 2 GB is a crash.
    cargo +nightly fuzz run -O "$1" "corpus/$1" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 >"logs/$1.log" 2>&1 || true
    echo "$1: $(grep -E '^#[0-9]+ +DONE|^Done' "logs/$1.log" | tr '\n' ' ')"
    ls "artifacts/$1" 2>/dev/null | sed "s/^/$1 found: /"
}
jobs=${JOBS:-2}
for ((i = 0; i < ${#targets[@]}; i += jobs)); do
    for target in "${targets[@]:i:jobs}"; do
        run "$target" &
    done
    wait
done
