"""A real SMS gateway for the tests: an HTTP server on a free local port, in a thread, that keeps
every request it gets and answers from a script (`answers`), then `200 {"id": "gw-<n>"}`."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def form(self) -> dict[str, str]:
        return {name: values[0] for name, values in parse_qs(self.body.decode()).items()}


@dataclass
class Gateway:
    url: str
    received: list[Received] = field(default_factory=list)
    answers: list[tuple[int, bytes]] = field(default_factory=list)  # (status, body), used in turn
    count: int = 0


def _handler(gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            gateway.received.append(Received(self.path, dict(self.headers.items()), body))
            gateway.count += 1
            status, answer = (
                gateway.answers.pop(0) if gateway.answers else (200, json.dumps({"id": f"gw-{gateway.count}"}).encode())
            )
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if answer.startswith(b"{") else "text/plain")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    return Handler


def serve(settings: Any) -> Iterator[Gateway]:
    """The gateway, running, and the settings pointing at it (Basic credentials, a sender name),
    for a fixture to yield from."""
    gateway = Gateway(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(gateway))
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}/send"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CLIENTELA_SMS_GATEWAY_URL = gateway.url
    settings.CLIENTELA_SMS_GATEWAY_USER, settings.CLIENTELA_SMS_GATEWAY_PASSWORD = "clientela", "s3cret"
    settings.CLIENTELA_SMS_GATEWAY_TOKEN = ""
    settings.CLIENTELA_SMS_SENDER = "Clientela"
    settings.CLIENTELA_SMS_GATEWAY_FORMAT = "json"
    settings.CLIENTELA_SMS_GATEWAY_TIMEOUT = 5
    yield gateway
    server.shutdown()
    server.server_close()
