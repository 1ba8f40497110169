"""A small fake of Twilio's REST API on loopback, for the real ``twilio`` client to talk HTTP to.

It records every request, answers message and call creation like Twilio does, serves media
(recordings, MMS images) registered by the test, checks the account's basic auth, and can be told
to fail (HTTP 500) or stall (time-out) for the next N requests.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "fake-twilio-auth-token"


@dataclass
class Recorded:
    method: str
    path: str
    form: dict[str, list[str]]


@dataclass
class FakeTwilio:
    server: ThreadingHTTPServer
    requests: list[Recorded] = field(default_factory=list)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)  # "500" or "stall", consumed one per request
    stall_seconds: float = 15.0
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def serve_media(self, path: str, body: bytes, content_type: str) -> str:
        """Serve ``body`` at ``path``; returns the https URL as Twilio would put it in a webhook."""
        self.media[path] = (body, content_type)
        return f"https://api.twilio.com{path}"

    def fail_next(self, count: int = 1, how: str = "500") -> None:
        with self.lock:
            self.failures.extend([how] * count)

    def sent_messages(self) -> list[dict[str, str]]:
        return [
            {key: values[0] for key, values in r.form.items()}
            for r in self.requests
            if r.method == "POST" and r.path.endswith("/Messages.json")
        ]

    def next_sid(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):032x}"


def _handler(fake: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    expected_auth = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            self._reply(status, json.dumps(payload).encode())

        def _fault(self) -> bool:
            with fake.lock:
                how = fake.failures.pop(0) if fake.failures else None
            if how == "stall":
                time.sleep(fake.stall_seconds)
                return True
            if how == "500":
                self._json(500, {"code": 20500, "message": "Internal Server Error", "status": 500})
                return True
            return False

        def _record(self, form: dict[str, list[str]]) -> None:
            with fake.lock:
                fake.requests.append(Recorded(self.command, self.path.split("?")[0], form))

        def do_GET(self) -> None:
            self._record({})
            if self.headers.get("Authorization") != expected_auth:
                self._json(401, {"code": 20003, "message": "Authenticate", "status": 401})
                return
            if self._fault():
                return
            path = self.path.split("?")[0]
            if path in fake.media:
                body, content_type = fake.media[path]
                self._reply(200, body, content_type)
            else:
                self._json(404, {"code": 20404, "message": "Not found", "status": 404})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
            self._record(form)
            if self.headers.get("Authorization") != expected_auth:
                self._json(401, {"code": 20003, "message": "Authenticate", "status": 401})
                return
            if self._fault():
                return
            path = self.path.split("?")[0]
            if path.endswith("/Messages.json"):
                sid = fake.next_sid("SM")
                self._json(
                    201,
                    {
                        "sid": sid,
                        "status": "queued",
                        "to": form.get("To", [""])[0],
                        "from": form.get("From", [""])[0],
                        "body": form.get("Body", [""])[0],
                        "account_sid": ACCOUNT_SID,
                        "num_segments": "1",
                        "direction": "outbound-api",
                    },
                )
            elif path.endswith("/Calls.json"):
                self._json(
                    201,
                    {
                        "sid": fake.next_sid("CA"),
                        "status": "queued",
                        "to": form.get("To", [""])[0],
                        "from": form.get("From", [""])[0],
                        "account_sid": ACCOUNT_SID,
                    },
                )
            else:
                self._json(404, {"code": 20404, "message": "Not found", "status": 404})

    return Handler


def start_fake_twilio() -> FakeTwilio:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    fake = FakeTwilio(server=server)
    server.RequestHandlerClass = _handler(fake)
    threading.Thread(target=server.serve_forever, daemon=True, name="fake-twilio").start()
    return fake
