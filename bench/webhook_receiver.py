"""A webhook receiver in a process of its own, for the integrations benchmark.

    python -m bench.webhook_receiver <port> <secret> <arrivals.jsonl> [--fail N] [--gone]

Verifies every delivery's signature with the standardwebhooks library, answers 204 (or 500 for
the first N requests, then 410 with --gone), and appends one JSON line per accepted delivery:
webhook-id, subject, sequence, the data's milestone_id, and the wall-clock arrival time.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("secret")
    parser.add_argument("out")
    parser.add_argument("--fail", type=int, default=0)
    parser.add_argument("--gone", action="store_true")
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    verifier = Webhook(args.secret)
    lock = threading.Lock()
    out = open(args.out, "a", buffering=1)  # noqa: SIM115 - for the process's life
    counter = {"requests": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            arrived = time.time()
            with lock:
                counter["requests"] += 1
                number = counter["requests"]
            try:
                event = verifier.verify(body, {k.lower(): v for k, v in self.headers.items()})
                status = 204
            except WebhookVerificationError:
                event, status = None, 401
            if event is not None and number <= args.fail:
                status = 500
            elif event is not None and args.gone and args.fail:
                status = 410
            if args.delay:
                time.sleep(args.delay)
            if status == 204 and event is not None:
                line = {
                    "id": self.headers["webhook-id"],
                    "subject": event.get("subject"),
                    "sequence": int(event.get("sequence", 0)),
                    "milestone": event.get("data", {}).get("milestone_id"),
                    "arrived": arrived,
                }
                with lock:
                    out.write(json.dumps(line) + "\n")
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
