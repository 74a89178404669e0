#!/usr/bin/env python3
"""Do hits' links land on their section, in a real browser?

Indexes a folder of HTML pages with `--base-url file://COPY/`, where COPY
is a copy of the folder with a probe script added to each page, exports
the sections with their links, and opens a sample of the links in headless
Chromium. The probe, run a second after the page loads, says whether an
element that reads as the section's heading is on screen. Links of three
kinds are sampled: to an anchor of the page (`#id`), by the heading's
words (`#:~:text=`, for sections whose page has no id for them), and, for
those same sections, the page alone (what such a link was before text
fragments), as the baseline.

    bench/links.py FOLDER [--sample N] [--quire target/release/quire]

Prints one line per kind: links opened, links that landed, the share.
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

PROBE = """<script>
setTimeout(function () {
  var want = new URLSearchParams(location.search).get("h") || "";
  var norm = function (s) { return s.replace(/\\s+/g, " ").trim().toLowerCase(); };
  want = norm(want);
  var landed = false;
  var all = document.body ? document.body.getElementsByTagName("*") : [];
  for (var i = 0; i < all.length && !landed; i++) {
    var text = norm(all[i].textContent || "");
    if (text.length > want.length + 40 || text.indexOf(want) < 0) continue;
    var r = all[i].getBoundingClientRect();
    if (r.height > 0 && r.bottom > 0 && r.top < innerHeight) landed = true;
  }
  document.documentElement.setAttribute("data-landed", landed ? "yes" : "no");
}, 1000);
</script>"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--sample", type=int, default=100)
    parser.add_argument("--quire", default="target/release/quire")
    parser.add_argument("--browser", default="chromium")
    parser.add_argument(
        "--kinds",
        default="anchor,words,page",
        help="which links to open: anchor, words, page (comma-separated)",
    )
    args = parser.parse_args()
    quire = os.path.abspath(args.quire)
    random.seed(7)
    work = tempfile.mkdtemp(prefix="quire-links-")
    try:
        copy = os.path.join(work, "site")
        shutil.copytree(args.folder, copy, symlinks=False)
        for root, _, files in os.walk(copy):
            for name in files:
                if name.endswith((".html", ".htm")):
                    path = os.path.join(root, name)
                    with open(path, "rb") as f:
                        page = f.read()
                    with open(path, "wb") as f:
                        f.write(page + PROBE.encode())
        index = os.path.join(work, "index")
        base = "file://" + urllib.parse.quote(copy) + "/"
        subprocess.run(
            [quire, "index", "--quiet", "--index", index, copy, "--base-url", base],
            check=True,
        )
        export = subprocess.run(
            [quire, "export", "--index", index],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        sections = [json.loads(line) for line in export.splitlines()]
        anchored = [s for s in sections if s["anchor_in_page"] and s["headings"]]
        by_words = [s for s in sections if ":~:text=" in s.get("url", "")]
        print(
            f"{len(sections)} sections: {len(anchored)} with an anchor in their page, "
            f"{len(by_words)} linked by their heading's words"
        )
        kinds = [
            ("anchor", "#anchor", anchored, lambda s: s["url"]),
            ("words", "#:~:text=", by_words, lambda s: s["url"]),
            ("page", "page only (before)", by_words, lambda s: s["url"].split("#", 1)[0]),
        ]
        wanted = args.kinds.split(",")
        kinds = [(n, k, u) for short, n, k, u in kinds if short in wanted]
        picked = {id(k): random.sample(k, min(args.sample, len(k))) for _, k, _ in kinds}
        profile = os.path.join(work, "profile")
        for name, kind, url_of in kinds:
            sample = picked[id(kind)]
            landed = 0
            misses = []
            for s in sample:
                url = url_of(s)
                page, _, fragment = url.partition("#")
                probe = page + "?h=" + urllib.parse.quote(s["headings"][-1])
                if fragment:
                    probe += "#" + fragment
                if opened(args.browser, probe, profile):
                    landed += 1
                elif len(misses) < 5:
                    misses.append(f"{s['article_id']}  {s['headings'][-1]}")
            share = 100.0 * landed / max(len(sample), 1)
            print(f"{name:>20}: {landed} of {len(sample)} landed ({share:.1f}%)")
            for miss in misses:
                print(f"{'':>22}missed: {miss}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def opened(browser, url, profile):
    """Whether the probe in the page at `url` found its heading on screen."""
    try:
        dom = subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--no-first-run",
                f"--user-data-dir={profile}",
                "--window-size=1280,800",
                "--virtual-time-budget=4000",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout
    except subprocess.TimeoutExpired:
        return False
    return 'data-landed="yes"' in dom


if __name__ == "__main__":
    sys.exit(main())
