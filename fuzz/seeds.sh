#!/usr/bin/env bash
# Seeds each fuzz target's corpus (fuzz/corpus/TARGET, not committed) from
# the repository's own articles, and from the benchmark corpora when
# bench/corpora.sh has fetched them (real Sphinx HTML and Markdown reach
# far more of the readers than the fixtures alone).
set -euo pipefail
cd "$(dirname "$0")"
root=..
mkdir -p corpus/{text,markdown,html,query,http}
cp "$root"/corpus/*.txt "$root"/tests/fixtures/articles/*.txt corpus/text/
cp "$root"/tests/fixtures/formats/*.md corpus/markdown/
cp "$root"/tests/fixtures/formats/html/*.html corpus/html/
cache=$root/bench/cache/corpora
if [[ -d $cache ]]; then
    find "$cache" -name '*.html' -size -200k | sort | awk 'NR % 40 == 0' | head -80 |
        while read -r f; do cp "$f" "corpus/html/$(echo "$f" | md5sum | cut -c1-16).html"; done
    find "$cache" -name '*.md' -size -200k | sort | awk 'NR % 4 == 0' | head -40 |
        while read -r f; do cp "$f" "corpus/markdown/$(echo "$f" | md5sum | cut -c1-16).md"; done
fi
# Query seeds: three option bytes, then the query.
i=0
for q in 'hemifacial spasm' '"facial nerve" -botox' 'title:asthma OR body:gout' \
    'spasm* nerv~' 'headings:"Causes" vertigo' 'janetta' '-' '"" OR' 'a b c d e f'; do
    printf '\x07\x21\x0b%s' "$q" > "corpus/query/seed$((i++))"
done
# HTTP seeds: what clients send.
printf 'GET /search?q=spasm&limit=3 HTTP/1.1\r\nHost: x\r\n\r\n' > corpus/http/search
printf 'GET /articles?offset=1&limit=2 HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\n\r\n' > corpus/http/pipelined
printf 'POST /search HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc' > corpus/http/post
printf 'HEAD / HTTP/1.0\r\n\r\n' > corpus/http/head
printf 'GET /search?q=%%E6%%97%%A5&snippets=2&exact=true HTTP/1.1\r\nConnection: close\r\n\r\n' > corpus/http/utf8
