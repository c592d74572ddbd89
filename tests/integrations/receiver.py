"""A real HTTP receiver for webhook tests: it verifies every delivery's signature with the
``standardwebhooks`` library, records what arrived, and answers what the test scripts."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    webhook_id: str
    timestamp: str
    signature: str
    body: bytes
    content_type: str
    arrived: float  # time.monotonic()
    verified_with: list[str]

    @property
    def event(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


@dataclass
class Receiver:
    """``answer(n)`` gives the status for the n-th request (from 1); ``delay`` seconds before it."""

    secrets: list[str]
    answer: Callable[[int], int] = lambda n: 204
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # why a request failed verification
    requests: int = 0
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def accepted(self) -> list[Received]:
        """What the receiver answered 2xx to, in arrival order."""
        with self.lock:
            return [r for r in self.received if r.verified_with]

    def first_arrivals(self) -> list[Received]:
        seen: set[str] = set()
        unique = []
        for delivery in self.accepted():
            if delivery.webhook_id not in seen:
                seen.add(delivery.webhook_id)
                unique.append(delivery)
        return unique


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a production receiver would

        def log_message(self, *_: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            if len(body) < length:  # the sender died mid-request: nothing was delivered
                self.close_connection = True
                return
            headers = {name.lower(): value for name, value in self.headers.items()}
            with receiver.lock:
                receiver.requests += 1
                number = receiver.requests
            verified = []
            for secret in receiver.secrets:
                try:
                    Webhook(secret).verify(body, headers)
                    verified.append(secret)
                except WebhookVerificationError as error:
                    receiver.refused.append(str(error))
            if receiver.delay:
                time.sleep(receiver.delay)
            status = receiver.answer(number) if verified else 401
            if 200 <= status < 300:
                with receiver.lock:
                    receiver.received.append(
                        Received(
                            headers.get("webhook-id", ""),
                            headers.get("webhook-timestamp", ""),
                            headers.get("webhook-signature", ""),
                            body,
                            headers.get("content-type", ""),
                            time.monotonic(),
                            verified,
                        )
                    )
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

    return Handler


@contextmanager
def receiving(receiver: Receiver) -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, name=f"receiver:{receiver.port}", daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
