"""``manage.py hotline_simulate sms|call``: post correctly signed Twilio webhooks to a running server.

    manage.py hotline_simulate sms --from +8613800000000 --body "仓库消防通道堵塞"
    manage.py hotline_simulate call --digits 1 2 --recording tests/data/voicemail.wav

It signs with the token the server checks (the sandbox token without an account) and plays
Twilio's part: follows ``<Gather>`` and ``<Redirect>``, and for ``<Record>`` serves the recording
on loopback, where the sandboxed server downloads it like it would from Twilio.
"""

from __future__ import annotations

import http.server
import secrets
import threading
import urllib.parse
import urllib.request
import wave
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from twilio.request_validator import RequestValidator

from config.twilio import auth_token

ACCOUNT = "AC" + "0" * 32


class LoopbackFiles:
    """Serves a few files on 127.0.0.1 until stopped; remembers which were fetched."""

    def __init__(self, files: dict[str, tuple[bytes, str]]) -> None:
        self.files = files
        self.fetched = threading.Event()
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                body, content_type = owner.files.get(self.path, (b"", ""))
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", content_type or "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                owner.fetched.set()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Command(BaseCommand):
    help = "Post signed Twilio webhooks (SMS or a call) to a running hotline server."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["sms", "call"])
        parser.add_argument(
            "--url", default=settings.PUBLIC_BASE_URL or "http://127.0.0.1:8000", help="Base URL of the running server."
        )
        parser.add_argument("--from", dest="sender", default="+8613800000000")
        parser.add_argument("--to", default=settings.TWILIO_SMS_NUMBER)
        parser.add_argument("--body", default="", help="SMS text.")
        parser.add_argument("--media", nargs="*", default=[], help="Files sent as MMS media.")
        parser.add_argument("--digits", nargs="*", default=[], help="Keys pressed, one per menu.")
        parser.add_argument("--recording", default="", help="WAV file left as the voicemail.")
        parser.add_argument("--transcript", default="", help="Also post this as Twilio's transcription.")
        parser.add_argument("--wait", type=float, default=30.0, help="Seconds to wait for media downloads.")

    def handle(self, *args: Any, **options: Any) -> None:
        self.base = options["url"].rstrip("/")
        self.validator = RequestValidator(auth_token())
        if options["kind"] == "sms":
            self.sms(options)
        else:
            self.call(options)

    def post(self, path: str, params: dict[str, str]) -> str:
        url = path if path.startswith("http") else self.base + path
        if not url.startswith(("http://", "https://")):
            raise CommandError(f"Not an http URL: {url}")
        body = urllib.parse.urlencode(params).encode()
        signature = self.validator.compute_signature(url, params)
        request = urllib.request.Request(url, data=body, headers={"X-Twilio-Signature": signature})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - checked above
                return str(response.read().decode())
        except urllib.error.HTTPError as error:
            raise CommandError(f"{url} answered HTTP {error.code}: {error.read().decode()[:300]}") from None

    def show(self, twiml: str) -> ElementTree.Element:
        root = ElementTree.fromstring(twiml)  # noqa: S314 - the server we are testing, on our own machine
        for element in root.iter():
            if element.tag in {"Say", "Message"} and element.text:
                self.stdout.write(f"[{element.tag}] {element.text}")
        return root

    def sms(self, options: dict[str, Any]) -> None:
        files = {
            f"/media/{i}{Path(p).suffix}": (Path(p).read_bytes(), "application/octet-stream")
            for i, p in enumerate(options["media"])
        }
        loopback = LoopbackFiles(files) if files else None
        params = {
            "MessageSid": "SM" + secrets.token_hex(16),
            "AccountSid": ACCOUNT,
            "From": options["sender"],
            "To": options["to"],
            "Body": options["body"],
            "NumMedia": str(len(files)),
        }
        for i, path in enumerate(files):
            params[f"MediaUrl{i}"] = loopback.url(path) if loopback else ""
            params[f"MediaContentType{i}"] = files[path][1]
        params["SmsSid"] = params["MessageSid"]
        try:
            self.show(self.post("/hotline/twilio/sms/", params))
            if loopback and not loopback.fetched.wait(options["wait"]):
                self.stderr.write("The server did not fetch the media (is its task worker running?).")
        finally:
            if loopback:
                loopback.stop()

    def call(self, options: dict[str, Any]) -> None:
        call = {
            "CallSid": "CA" + secrets.token_hex(16),
            "AccountSid": ACCOUNT,
            "From": options["sender"],
            "To": settings.TWILIO_VOICE_NUMBER,
            "CallStatus": "in-progress",
        }
        digits = list(options["digits"])
        root = self.show(self.post("/hotline/twilio/voice/", call))
        for _step in range(20):  # an IVR answer leads to at most a handful of steps; never loop forever
            gather, record, redirect = root.find("Gather"), root.find("Record"), root.find("Redirect")
            if gather is not None and digits:
                root = self.show(self.post(gather.get("action", ""), {**call, "Digits": digits.pop(0)}))
            elif record is not None and options["recording"]:
                self.record(call, record, options)
                return
            elif redirect is not None and redirect.text and not record:
                root = self.show(self.post(redirect.text, call))
            else:
                return

    def record(self, call: dict[str, str], record: ElementTree.Element, options: dict[str, Any]) -> None:
        path = Path(options["recording"])
        with wave.open(str(path), "rb") as audio:
            seconds = max(1, round(audio.getnframes() / audio.getframerate()))
        recording_sid = "RE" + secrets.token_hex(16)
        loopback = LoopbackFiles({f"/Recordings/{recording_sid}": (path.read_bytes(), "audio/wav")})
        try:
            self.show(
                self.post(
                    record.get("action", ""),
                    {
                        **call,
                        "RecordingUrl": loopback.url(f"/Recordings/{recording_sid}"),
                        "RecordingSid": recording_sid,
                        "RecordingDuration": str(seconds),
                    },
                )
            )
            if options["transcript"]:
                self.post(
                    record.get("transcribeCallback", "/hotline/twilio/voice/transcription/"),
                    {
                        "CallSid": call["CallSid"],
                        "AccountSid": ACCOUNT,
                        "RecordingSid": recording_sid,
                        "TranscriptionText": options["transcript"],
                        "TranscriptionStatus": "completed",
                    },
                )
            if not loopback.fetched.wait(options["wait"]):
                self.stderr.write("The server did not fetch the recording (is its task worker running?).")
        finally:
            loopback.stop()
