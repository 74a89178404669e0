#!/usr/bin/env bash
# Downloads and unpacks the real corpora used for benchmarks and manual
# testing into bench/cache/ (not committed): Debian's nodejs-doc (Markdown),
# linux-doc-6.1 (Sphinx HTML), debian-faq (DocBook HTML, one page per
# chapter of questions), the Debian Reference in eight languages and the
# Debian FAQ in Russian (DocBook HTML, for bench/languages.rs). With `large`, also the 1 GB set
# of documentation HTML the scaling benchmark indexes (bench/scale.sh):
# rust-doc, openjdk-17-doc, python3.11-doc and postgresql-doc-15, beside
# linux-doc-6.1. Needs apt-get and dpkg-deb (Debian).
#
#   bench/corpora.sh            # prints the corpus folders when done
#   bench/corpora.sh large      # the same, and the 1 GB set
set -euo pipefail
cd "$(dirname "$0")"
cache=$PWD/cache/corpora
mkdir -p "$cache/debs"

fetch() { # package
  if ! ls "$cache/debs/$1"_*.deb >/dev/null 2>&1; then
    (cd "$cache/debs" && apt-get download "$1" >/dev/null) || {
      echo "corpora.sh: 'apt-get download $1' failed; run 'apt-get update' first" >&2
      exit 1
    }
  fi
  if [ ! -d "$cache/$1" ]; then
    dpkg-deb -x "$cache/debs/$1"_*.deb "$cache/$1.tmp" && mv "$cache/$1.tmp" "$cache/$1"
  fi
}

fetch nodejs-doc
fetch linux-doc-6.1
fetch debian-faq
fetch debian-faq-ru
for lang in en de fr es pt it zh-cn ja; do
  fetch "debian-reference-$lang"
done
large=(rust-doc openjdk-17-doc python3.11-doc postgresql-doc-15)
if [ "${1:-}" = large ]; then
  for package in "${large[@]}"; do
    fetch "$package"
  done
fi

# nodejs-doc ships its Markdown gzipped: unpack it into a folder of .md files.
node_api=$(find "$cache/nodejs-doc" -type d -path '*doc/nodejs/api' -print -quit)
node_md=$cache/nodejs-md
mkdir -p "$node_md"
for f in "$node_api"/*.md.gz; do
  out=$node_md/$(basename "$f" .gz)
  [ -f "$out" ] || gunzip -c "$f" > "$out"
done
linux_html=$(find "$cache/linux-doc-6.1" -type d -name html -print -quit)
linux_html=${linux_html:-$cache/linux-doc-6.1}
debian_faq=$(find "$cache/debian-faq" -type d -name FAQ -print -quit)
debian_faq=${debian_faq:-$cache/debian-faq}
echo "nodejs-doc (Markdown): $node_md"
echo "linux-doc-6.1 (HTML):  $linux_html"
echo "debian-faq (HTML):     $debian_faq"
echo "debian-reference (HTML, one folder per language):"
for lang in en de fr es pt it zh-cn ja; do
  echo "  $lang=$cache/debian-reference-$lang/usr/share/debian-reference"
done
echo "debian-faq-ru (HTML, Russian; the Debian Reference has no Russian copy):"
echo "  ru=$cache/debian-faq-ru/usr/share/doc/debian/FAQ/ru"
if [ "${1:-}" = large ]; then
  echo "the 1 GB set (HTML, beside linux-doc-6.1):"
  for package in "${large[@]}"; do
    echo "  $cache/$package"
  done
fi
