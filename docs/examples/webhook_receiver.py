"""A webhook receiver for Trellis deliveries: verifies each one with the standardwebhooks library
and prints the event; needs only the Python standard library and `pip install standardwebhooks`.

    python docs/examples/webhook_receiver.py --port 9000 --secret whsec_...

Answers 204 to a delivery it verified (Trellis then records it as delivered), 401 to one whose
signature or timestamp does not verify (Trellis retries it, which is right if the secret was
just rotated here but not yet there). A delivery seen before (same webhook-id: a retry after a
lost answer, or a backfill's copy) is answered 204 and not acted on again.
"""

from __future__ import annotations

import argparse
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook, WebhookVerificationError


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--secret", required=True, help="the subscription's whsec_ secret")
    args = parser.parse_args()
    webhook = Webhook(args.secret)
    seen: set[str] = set()  # in production: a table with a unique key, in your change's transaction

    class Receiver(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            try:
                event = webhook.verify(body, {name.lower(): value for name, value in self.headers.items()})
            except WebhookVerificationError as error:
                self.answer(401, str(error))
                return
            webhook_id = self.headers["webhook-id"]  # the CloudEvent id
            if webhook_id not in seen:
                seen.add(webhook_id)
                data = json.dumps(event["data"], sort_keys=True)
                print(
                    f"{event['type']} {event['subject']} #{int(event['sequence'])} {webhook_id} {data}",
                    flush=True,
                )
            self.answer(204, "")

        def answer(self, status: int, text: str) -> None:
            self.send_response(status)
            self.send_header("content-length", str(len(text)))
            self.end_headers()
            self.wfile.write(text.encode())

        def log_message(self, *_: object) -> None:
            pass

    print(f"listening on http://127.0.0.1:{args.port}/", flush=True)
    ThreadingHTTPServer(("127.0.0.1", args.port), Receiver).serve_forever()


if __name__ == "__main__":
    main()
