#!/usr/bin/env python3
"""Turn `quire split --json` output into an SQL script that loads the same
sections into an SQLite FTS5 table (porter stemmer), the peer quire is
measured against. Usage: fts5_sql.py SECTIONS.json > load.sql"""

import json
import sys


def quote(text):
    return "'" + text.replace("'", "''") + "'"


def main():
    articles = json.load(open(sys.argv[1], encoding="utf-8"))
    out = sys.stdout
    out.write("CREATE VIRTUAL TABLE sections USING fts5("
              "title, headings, body, label UNINDEXED, anchor UNINDEXED, "
              "tokenize = 'porter unicode61');\nBEGIN;\n")
    for article in articles:
        for s in article["sections"]:
            values = [article["title"], " ".join(s["path"]), s["text"], s["label"], s["anchor"]]
            out.write("INSERT INTO sections VALUES (%s);\n" % ", ".join(map(quote, values)))
    out.write("COMMIT;\n")


if __name__ == "__main__":
    main()
