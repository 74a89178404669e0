#!/usr/bin/env python3
"""SQLite FTS5 (porter stemmer, bm25) as the peer in the relevance
benchmarks (bench/peers.rs).

Reads a JSON file {"sections": [{"key", "title", "headings", "body"}],
"queries": [query], "any": bool}, indexes the sections in an in-memory FTS5
table (tokenizer "porter unicode61" unless "tokenize" names another, such
as "unicode61" or "trigram"), runs every query (its words ANDed, as FTS5 does by default, or ORed
with "any": a question typed as a person asks it rarely has all its words
in the answer) and prints the keys of each one's ten best sections,
[[key]], as JSON on stdout."""

import json
import sqlite3
import sys


def main():
    data = json.load(open(sys.argv[1], encoding="utf-8"))
    tokenize = data.get("tokenize", "porter unicode61")
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE s USING fts5(key UNINDEXED, title, headings, body,"
        f" tokenize = '{tokenize}')"
    )
    db.executemany(
        "INSERT INTO s VALUES (?, ?, ?, ?)",
        [(x["key"], x["title"], x["headings"], x["body"]) for x in data["sections"]],
    )
    join = " OR " if data.get("any") else " "
    out = []
    for query in data["queries"]:
        match = join.join('"' + w.replace('"', '""') + '"' for w in query.split())
        rows = db.execute(
            "SELECT key FROM s WHERE s MATCH ? ORDER BY bm25(s, 0, 1.5, 2.5, 1.0) LIMIT 10",
            (match,),
        ).fetchall()
        out.append([r[0] for r in rows])
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
