#!/usr/bin/env python3
"""Turn `quire split --json` output (one or more JSON arrays, one after the
other) into the inputs of the peers quire is measured against, over the same
sections:

    fts5_sql.py SPLIT.json > load.sql              # SQLite FTS5 (porter)
    fts5_sql.py SPLIT.json SECTIONS.ndjson > load.sql   # and tantivy-cli NDJSON
"""

import json
import sys


def quote(text):
    return "'" + text.replace("'", "''") + "'"


def articles(text):
    decoder = json.JSONDecoder()
    at = 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at >= len(text):
            return
        value, at = decoder.raw_decode(text, at)
        yield from value


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    ndjson = open(sys.argv[2], "w", encoding="utf-8") if len(sys.argv) > 2 else None
    out = sys.stdout
    out.write("CREATE VIRTUAL TABLE sections USING fts5("
              "title, headings, body, label UNINDEXED, anchor UNINDEXED, "
              "tokenize = 'porter unicode61');\nBEGIN;\n")
    for article in articles(text):
        for s in article["sections"]:
            headings = " ".join(s["path"])
            values = [article["title"], headings, s["text"], s["label"], s["anchor"]]
            out.write("INSERT INTO sections VALUES (%s);\n" % ", ".join(map(quote, values)))
            if ndjson:
                key = article["source"] + "#" + s["anchor"]
                row = {"key": key, "title": article["title"], "headings": headings, "body": s["text"]}
                ndjson.write(json.dumps(row, ensure_ascii=False) + "\n")
    out.write("COMMIT;\n")


if __name__ == "__main__":
    main()
