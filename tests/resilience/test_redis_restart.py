"""(a) Redis stops and comes back during intake: reports and transitions go on, live clients catch up.

Redis only carries events fast (the channel layer) and holds the rate-limit counters; the event
table in PostgreSQL is the truth. So while Redis is down a text still opens a case and an officer
can still accept it, and a socket that reconnects afterwards with the last event id it saw is
replayed everything it missed.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from tests.resilience.client import Hotline, live_socket, receipt_in, subscribe
from tests.resilience.stack import PrivateRedis, Stack, case_with_text, wait_until

_sids = itertools.count(1)


def report_by_sms(hotline: Hotline, database_url: str, marker: str) -> str:
    """Text a report carrying ``marker``; the reference of the case it became."""
    number = next(_sids)
    reply = hotline.sms(sid=f"SMredis{number:026d}", sender=f"+86139{number:08d}", body=f"脚手架没有护栏 {marker}")
    assert reply.status_code == 200, reply.text
    assert receipt_in(reply.text), reply.text
    return str(wait_until(lambda: case_with_text(database_url, marker), seconds=30, what=f"the case of {marker}"))


def accept(hotline: Hotline, stack: Stack, reference: str) -> None:
    response = hotline.staff(stack.tokens["dispatcher"], "POST", f"/api/v1/cases/{reference}/accept/", json={})
    assert response.status_code == 200, response.text


def test_intake_and_transitions_go_on_and_a_reconnecting_client_gets_what_it_missed(
    stack: Stack, hotline: Hotline, private_redis: PrivateRedis, database_url: str
) -> None:
    watcher = stack.tokens["bureau-supervisor"]

    async def scenario() -> None:
        socket = await live_socket(stack.ws, await asyncio.to_thread(hotline.ticket, watcher), hotline.base)
        await subscribe(socket, stream="bureau")
        before = await asyncio.to_thread(report_by_sms, hotline, database_url, "redis-before")
        await asyncio.to_thread(accept, hotline, stack, before)
        last_seen = await frame_of(socket, before, "accept")

        private_redis.stop()
        try:
            during = [
                await asyncio.to_thread(report_by_sms, hotline, database_url, f"redis-down-{n}") for n in range(3)
            ]
            for reference in during:
                await asyncio.to_thread(accept, hotline, stack, reference)
        finally:
            private_redis.start()
        await socket.close()

        ticket = await asyncio.to_thread(hotline.ticket, watcher)
        again = await live_socket(stack.ws, ticket, hotline.base)
        replayed = await subscribe(again, stream="bureau", last_event_id=last_seen)
        await again.close()
        accepted = {frame["case"] for frame in replayed if frame.get("name") == "accept"}
        assert set(during) <= accepted, replayed
        assert all(frame["id"] > last_seen and frame.get("replay") for frame in replayed)

        # Live again without a restart: the next acceptance arrives as it happens.
        fresh = await live_socket(stack.ws, await asyncio.to_thread(hotline.ticket, watcher), hotline.base)
        await subscribe(fresh, stream="bureau")
        after = await asyncio.to_thread(report_by_sms, hotline, database_url, "redis-after")
        await asyncio.to_thread(accept, hotline, stack, after)
        await frame_of(fresh, after, "accept")
        await fresh.close()

    asyncio.run(scenario())
    assert all(process.alive() for process in stack.processes.values())


async def frame_of(socket: Any, reference: str, name: str, timeout: float = 20) -> int:
    """Wait for the live event ``name`` of case ``reference``; its id."""

    async def read() -> int:
        while True:
            frame = json.loads(await socket.recv())
            if frame.get("case") == reference and frame.get("name") == name:
                return int(frame["id"])

    return await asyncio.wait_for(read(), timeout)
