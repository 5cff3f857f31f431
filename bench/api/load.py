"""A small HTTP/1.1 load generator: N keep-alive clients on asyncio, loopback only,
bounded by time and by request count. Used by run.py; no third-party client needed."""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

MAX_REQUESTS_PER_PHASE = 200_000


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    elapsed: float = 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    @property
    def mean(self) -> float:
        return statistics.fmean(self.latencies) if self.latencies else float("nan")


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    chunked = False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.lower() == "content-length":
            length = int(value.strip())
        elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            body += await reader.readexactly(size + 2)
            if size == 0:
                break
        return status, body
    return status, await reader.readexactly(length)


async def _client(url: str, headers: dict[str, str], deadline: float, result: Result, budget: list[int]) -> None:
    parts = urlsplit(url)
    assert parts.hostname in {"127.0.0.1", "localhost", "::1"}, "load goes to loopback only"
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    request = (
        f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: keep-alive\r\n"
        + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        + "\r\n"
    ).encode()
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        while time.perf_counter() < deadline and budget[0] > 0:
            budget[0] -= 1
            started = time.perf_counter()
            writer.write(request)
            status, _body = await _read_response(reader)
            result.latencies.append(time.perf_counter() - started)
            result.statuses[status] = result.statuses.get(status, 0) + 1
    finally:
        writer.close()


async def _phase(name: str, url: str, headers: dict[str, str], clients: int, seconds: float) -> Result:
    result = Result(name)
    budget = [MAX_REQUESTS_PER_PHASE]
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(_client(url, headers, deadline, result, budget) for _ in range(clients)))
    result.elapsed = time.perf_counter() - started
    return result


def run_phase(name: str, url: str, headers: dict[str, str], *, clients: int, seconds: float) -> Result:
    return asyncio.run(_phase(name, url, headers, clients, seconds))
