#!/usr/bin/env python3
"""SQLite FTS5 (porter stemmer, bm25) as the peer in bench/relevance.rs.

Reads a JSON file {"sections": [{"key", "title", "headings", "body"}],
"query_sets": {name: [{"key", "query"}]}}, indexes the sections in an
in-memory FTS5 table, runs every query (its words ANDed, as FTS5 does by
default) and prints {name: [rank or null]} as JSON on stdout."""

import json
import sqlite3
import sys


def main():
    data = json.load(open(sys.argv[1], encoding="utf-8"))
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE VIRTUAL TABLE s USING fts5(key UNINDEXED, title, headings, body,"
        " tokenize = 'porter unicode61')"
    )
    db.executemany(
        "INSERT INTO s VALUES (?, ?, ?, ?)",
        [(x["key"], x["title"], x["headings"], x["body"]) for x in data["sections"]],
    )
    out = {}
    for name, queries in data["query_sets"].items():
        ranks = []
        for q in queries:
            match = " ".join('"' + w.replace('"', '""') + '"' for w in q["query"].split())
            rows = db.execute(
                "SELECT key FROM s WHERE s MATCH ? ORDER BY bm25(s, 0, 1.5, 2.5, 1.0) LIMIT 10",
                (match,),
            ).fetchall()
            keys = [r[0] for r in rows]
            ranks.append(keys.index(q["key"]) + 1 if q["key"] in keys else None)
        out[name] = ranks
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
