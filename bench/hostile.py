#!/usr/bin/env python3
"""A hostile request mix against `quire serve`, with its memory watched.

Runs, all at once, for SECONDS (default 30):
  - 2,000 slow clients, each sending 15 KiB of headers and then a byte
    every 3 s (cut off by the header timeout, then back);
  - 300 clients that ask for the largest answers (100 hits, 10 snippets of
    1,000 characters, 8 requests pipelined) and never read them;
  - 20 clients paging through /articles 1,000 at a time;
  - 20 clients sending 500 KB headers, 200 headers, malformed request lines;
  - one client searching as a user would, whose latencies are reported.
and samples the server's VmRSS (and its anonymous part) every 0.2 s.

    python3 bench/hostile.py target/release/quire INDEX [SECONDS] [-- SERVE-ARGS...]

SLOW, NON_READERS, PAGERS and GARBAGE set how many clients of each kind.
"""

import asyncio
import os
import random
import re
import resource
import subprocess
import sys
import time

QUERIES = [
    "memory barrier", "device tree overlay", "spin lock irq", "dma mapping",
    "page cache writeback", "interrupt handler", "rcu read lock",
    "power management suspend", "workqueue flush", "kernel parameters",
]


def status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon"):
                fields[key] = int(value.split()[0]) * 1024
    return fields


async def slow_head(host, port, stop):
    pad = b"X-Pad: " + b"a" * 15_000 + b"\r\n"
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(b"GET /search?q=memory HTTP/1.1\r\nHost: x\r\n" + pad)
            await writer.drain()
            while not stop.is_set():
                await asyncio.sleep(3)
                writer.write(b"Y")
                await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            await asyncio.sleep(0.5)


async def non_reader(host, port, stop):
    request = (
        b"GET /search?q=the+and+of&limit=100&snippets=10&snippet_chars=1000 HTTP/1.1\r\n"
        b"Host: x\r\n\r\n"
    ) * 8
    while not stop.is_set():
        try:
            reader, writer = await asyncio.open_connection(host, port, limit=1 << 16)
            writer.transport.pause_reading()
            writer.write(request)
            await writer.drain()
            await asyncio.sleep(20)
            writer.close()
        except OSError:
            await asyncio.sleep(0.5)


async def exchange(host, port, data):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(data)
    await writer.drain()
    writer.write_eof()
    answer = await reader.read()
    writer.close()
    return answer


async def pager(host, port, stop):
    while not stop.is_set():
        try:
            offset = random.randrange(0, 4000)
            await exchange(
                host, port,
                f"GET /articles?limit=1000&offset={offset} HTTP/1.1\r\nHost: x\r\n"
                "Connection: close\r\n\r\n".encode(),
            )
        except OSError:
            await asyncio.sleep(0.1)


async def garbage(host, port, stop, refused):
    cases = [
        b"GET / HTTP/1.1\r\nX-Big: " + b"b" * 500_000 + b"\r\n\r\n",
        b"GET / HTTP/1.1\r\n" + b"X-A: b\r\n" * 200 + b"\r\n",
        b"GARBAGE\r\n\r\n",
        b"GET /search?q=" + b"a" * 100_000 + b" HTTP/1.1\r\n\r\n",
    ]
    while not stop.is_set():
        try:
            answer = await exchange(host, port, random.choice(cases))
            refused[answer.split(b" ", 2)[1] if b" " in answer else b"none"] = (
                refused.get(answer.split(b" ", 2)[1] if b" " in answer else b"none", 0) + 1
            )
        except OSError:
            await asyncio.sleep(0.1)


async def user(host, port, stop, latencies, errors):
    reader, writer = await asyncio.open_connection(host, port)
    while not stop.is_set():
        q = random.choice(QUERIES).replace(" ", "+")
        started = time.perf_counter()
        try:
            writer.write(f"GET /search?limit=10&q={q} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"content-length: (\d+)", head, re.I).group(1))
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if not head.startswith(b"HTTP/1.1 200"):
                errors.append(head.split(b"\r\n")[0])
        except (OSError, asyncio.IncompleteReadError, AttributeError):
            errors.append(b"connection")
            reader, writer = await asyncio.open_connection(host, port)
        await asyncio.sleep(0.01)


async def watch(pid, stop, samples):
    while not stop.is_set():
        samples.append(status(pid))
        await asyncio.sleep(0.2)


async def main():
    quire, index = sys.argv[1], sys.argv[2]
    rest = sys.argv[3:]
    seconds = 30
    if rest and rest[0] != "--":
        seconds = int(rest.pop(0))
    extra = rest[1:] if rest and rest[0] == "--" else []
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    server = subprocess.Popen(
        [quire, "serve", "--index", index, "--addr", "127.0.0.1:0", *extra],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
    )
    line = server.stderr.readline().decode()
    host, port = re.search(r"http://([\d.]+):(\d+)/", line).groups()
    port = int(port)
    base = status(server.pid)
    stop = asyncio.Event()
    latencies, errors, samples, refused = [], [], [], {}
    tasks = [asyncio.create_task(watch(server.pid, stop, samples))]
    count = lambda name, default: int(os.environ.get(name, default))
    tasks += [asyncio.create_task(slow_head(host, port, stop)) for _ in range(count("SLOW", 2000))]
    tasks += [asyncio.create_task(non_reader(host, port, stop)) for _ in range(count("NON_READERS", 300))]
    tasks += [asyncio.create_task(pager(host, port, stop)) for _ in range(count("PAGERS", 20))]
    tasks += [
        asyncio.create_task(garbage(host, port, stop, refused)) for _ in range(count("GARBAGE", 20))
    ]
    tasks += [asyncio.create_task(user(host, port, stop, latencies, errors))]
    await asyncio.sleep(seconds)
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    server.terminate()
    server.wait()
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    peak_rss = max(s["VmRSS"] for s in samples)
    peak_anon = max(s.get("RssAnon", 0) for s in samples)
    mib = 1024 * 1024
    print(f"server at start: VmRSS {base['VmRSS'] / mib:.0f} MiB")
    print(f"under the mix:   VmRSS peak {peak_rss / mib:.0f} MiB (anonymous {peak_anon / mib:.0f} MiB)")
    print(
        f"user searches: {len(latencies)}, p50 {pct(0.5):.1f} ms, p99 {pct(0.99):.1f} ms, "
        f"max {latencies[-1] * 1000:.1f} ms, errors {len(errors)} {sorted(set(errors))[:3]}"
    )
    print(f"refusals: {dict(sorted(refused.items()))}")


asyncio.run(main())
