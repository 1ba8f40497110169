"""What the outside world sends the hotline, as plain HTTP and websockets: Twilio, reporters, officers.

Shared by the fault tests and bench/load.py, so both speak to the service exactly as its users do.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from typing import Any

import requests
import websockets
from PIL import Image

from tests.fakes.twilio_api import AUTH_TOKEN
from tests.resilience.stack import signed_post

RECEIPT = re.compile(r"(?<!\d)(\d{4}[ \-]?\d{4}[ \-]?\d{4}[ \-]?\d{4})(?!\d)")


def receipt_in(text: str) -> str | None:
    """The 16 receipt digits quoted in a reply, or None."""
    match = RECEIPT.search(text)
    return re.sub(r"\D", "", match.group(1)) if match else None


def small_photo(seed: int) -> bytes:
    """A real 32×32 JPEG, different for every seed."""
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (seed % 256, (seed // 256) % 256, 90)).save(out, format="JPEG")
    return out.getvalue()


@dataclass
class Hotline:
    base: str
    session: requests.Session

    @classmethod
    def at(cls, base: str) -> Hotline:
        return cls(base, requests.Session())

    def sms(self, *, sid: str, sender: str, body: str, timeout: float = 30) -> requests.Response:
        form = {"MessageSid": sid, "AccountSid": "AC", "From": sender, "To": "+861069000000", "Body": body}
        return signed_post(self.base, "/hotline/twilio/sms/", form, auth_token=AUTH_TOKEN, timeout=timeout)

    def voicemail(
        self, *, call_sid: str, caller: str, recording_url: str, town: int | None = None
    ) -> requests.Response:
        form = {
            "CallSid": call_sid,
            "AccountSid": "AC",
            "From": caller,
            "To": "+861069000000",
            "RecordingUrl": recording_url,
            "RecordingSid": "RE" + call_sid[2:],
            "RecordingDuration": "12",
        }
        query = {"town": str(town)} if town is not None else {}
        return signed_post(self.base, "/hotline/twilio/voice/recorded/", form, auth_token=AUTH_TOKEN, **query)

    def report(
        self, *, description: str, password: str, photos: tuple[bytes, ...] = (), timeout: float = 30
    ) -> requests.Response:
        files = [("files", (f"photo-{i}.jpg", photo, "image/jpeg")) for i, photo in enumerate(photos)]
        data = {"description": description, "password": password, "category": "other"}
        return self.session.post(f"{self.base}/api/v1/reports/", data=data, files=files or None, timeout=timeout)

    def lookup(self, *, receipt: str, password: str) -> requests.Response:
        return self.session.post(
            f"{self.base}/api/v1/reports/lookup/", json={"receipt": receipt, "password": password}, timeout=30
        )

    def staff(self, token: str, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Token {token}"}
        return self.session.request(method, f"{self.base}{path}", headers=headers, timeout=30, **kwargs)

    def ticket(self, token: str) -> str:
        response = self.staff(token, "POST", "/api/v1/live/ticket/", json={})
        response.raise_for_status()
        return str(response.json()["ticket"])


async def live_socket(ws_url: str, ticket: str, origin: str) -> Any:
    """A websocket on /ws/live/ past its hello frame."""
    socket = await websockets.connect(f"{ws_url}?ticket={ticket}", origin=origin)  # type: ignore[arg-type]
    hello = json.loads(await socket.recv())
    assert hello["type"] == "hello", hello
    return socket


async def subscribe(socket: Any, **request: Any) -> list[dict[str, Any]]:
    """Subscribe and return the replayed events (those after ``last_event_id``), up to the ``subscribed`` frame."""
    await socket.send(json.dumps({"type": "subscribe", **request}))
    replayed: list[dict[str, Any]] = []
    while True:
        frame = json.loads(await socket.recv())
        if frame["type"] == "subscribed":
            return replayed
        if frame["type"] == "event":
            replayed.append(frame)
        elif frame["type"] == "error":
            raise AssertionError(frame)
