"""Idle and slow connections beside live traffic: does the server keep answering?

    .venv/bin/python bench/load/idle_sockets.py --url http://127.0.0.1:8000 [--idle 64] [--slow 16] [--seconds 20]

Against a running server (README command 1, or `clientela serve --workers 4`), it opens
`--idle` TCP connections that send nothing, `--slow` connections that send a request's
header one byte per second (slowloris) and `--kept` connections that finish one request and
then sit idle on keep-alive; meanwhile one client asks for /api/v1/health and the sign-in page
in a loop. It prints, for the live client, the answers by status and the p50/p95/max
latency, the time to the first answer after the sockets were opened, and for the idle
sockets how long the server kept them open (its header-read / keep-alive timeout).
Bounded: it stops after `--seconds`, and every socket is closed on exit.
"""

from __future__ import annotations

import argparse
import http.client
import socket
import statistics
import threading
import time
import urllib.parse
from collections import Counter


def _open(host: str, port: int) -> socket.socket:
    sock = socket.create_connection((host, port), timeout=5)
    sock.settimeout(None)
    return sock


def _watch_close(sock: socket.socket, opened: float, closed_after: list[float], stop: threading.Event) -> None:
    """Wait until the server closes `sock` (recv returns b"" or fails); note how long it held it."""
    sock.settimeout(0.5)
    while not stop.is_set():
        try:
            data = sock.recv(4096)
        except TimeoutError:
            continue
        except OSError:
            data = b""
        if not data:
            closed_after.append(time.monotonic() - opened)
            return
        # An answer to a partial request (e.g. 408): keep reading until the close.


def _slowloris(host: str, port: int, stop: threading.Event, closed_after: list[float]) -> None:
    opened = time.monotonic()
    try:
        sock = _open(host, port)
    except OSError:
        return
    header = f"GET /api/v1/health HTTP/1.1\r\nHost: {host}\r\nX-Slow: " + "a" * 4000
    try:
        for char in header:
            if stop.is_set():
                return
            sock.sendall(char.encode())
            if stop.wait(1.0):
                return
    except OSError:
        closed_after.append(time.monotonic() - opened)
    finally:
        sock.close()


def _kept_alive(host: str, port: int) -> tuple[socket.socket, float]:
    sock = _open(host, port)
    sock.sendall(f"GET /api/v1/health HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    sock.settimeout(5)
    sock.recv(4096)  # the answer; the connection stays open (keep-alive)
    return sock, time.monotonic()


def live_client(host: str, port: int, stop: threading.Event, results: list[tuple[float, float, int]]) -> None:
    paths = ["/api/v1/health", "/accounts/login/"]
    turn = 0
    while not stop.is_set():
        path = paths[turn % len(paths)]
        turn += 1
        started = time.monotonic()
        try:
            conn = http.client.HTTPConnection(host, port, timeout=10)
            conn.request("GET", path)
            status = conn.getresponse().status
            conn.close()
        except OSError:
            status = 0  # no answer within 10 s, refused or reset
        results.append((started, time.monotonic() - started, status))
        stop.wait(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--idle", type=int, default=64, help="connections that send nothing")
    parser.add_argument("--slow", type=int, default=16, help="connections that send a header byte per second")
    parser.add_argument("--kept", type=int, default=16, help="keep-alive connections left idle after one request")
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    url = urllib.parse.urlsplit(args.url)
    host, port = url.hostname or "127.0.0.1", url.port or 80

    stop = threading.Event()
    idle_closed: list[float] = []
    slow_closed: list[float] = []
    kept_closed: list[float] = []
    threads: list[threading.Thread] = []
    sockets: list[socket.socket] = []
    for _ in range(args.kept):
        try:
            sock, done = _kept_alive(host, port)
        except OSError:
            continue
        sockets.append(sock)
        threads.append(threading.Thread(target=_watch_close, args=(sock, done, kept_closed, stop), daemon=True))
    for _ in range(args.idle):
        try:
            sock = _open(host, port)
        except OSError:
            continue
        sockets.append(sock)
        threads.append(
            threading.Thread(target=_watch_close, args=(sock, time.monotonic(), idle_closed, stop), daemon=True)
        )
    for _ in range(args.slow):
        threads.append(threading.Thread(target=_slowloris, args=(host, port, stop, slow_closed), daemon=True))
    results: list[tuple[float, float, int]] = []
    threads.append(threading.Thread(target=live_client, args=(host, port, stop, results), daemon=True))
    opened_at = time.monotonic()  # the idle and kept-alive sockets are open; the slow ones open now
    for thread in threads:
        thread.start()
    time.sleep(args.seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=12)
    for sock in sockets:
        sock.close()

    statuses = Counter(status for _s, _l, status in results)
    answered = [latency for _s, latency, status in results if status]
    first = next((s + latency - opened_at for s, latency, status in results if status), None)
    sockets_opened = f"{args.idle} idle, {args.slow} slow, {args.kept} kept-alive sockets"
    print(f"server {host}:{port}: {sockets_opened} for {args.seconds:.0f} s")
    print(f"live client: {len(results)} requests, answers by status {dict(sorted(statuses.items()))}")
    if answered:
        ordered = sorted(answered)
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
        print(
            f"  latency p50 {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
            f"max {ordered[-1] * 1000:.1f} ms; first answer {first:.2f} s after the sockets opened"
        )
    else:
        print("  no answer at all: the server is frozen")
    for name, closed, total in (("idle", idle_closed, args.idle), ("slow", slow_closed, args.slow),
                                ("kept-alive", kept_closed, args.kept)):  # fmt: skip
        if closed:
            after = f"after {min(closed):.1f}-{max(closed):.1f} s"
            print(f"{name} sockets closed by the server: {len(closed)}/{total}, {after}")
        else:
            print(f"{name} sockets closed by the server: 0/{total} within {args.seconds:.0f} s")


if __name__ == "__main__":
    main()
