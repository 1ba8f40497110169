"""Shared fixtures: two towns, one persona per role, and helpers to move cases along.

Personas (as in healthchecks' owner/member/outsider): each role of the bureau, an officer and a
supervisor of town A, and an officer of town B who must never see town A's cases.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from rest_framework.test import APIClient

from cases import services
from cases.models import Case, State
from cases.workdays import calendar_cache
from directory.models import Role, Town
from tests.factories import CaseFactory, MembershipFactory, TownFactory, UserFactory
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, start_fake_twilio
from tests.resilience.stack import PrivateRedis

BUREAU_ROLES = [
    Role.INTAKE,
    Role.DISPATCHER,
    Role.BUREAU_SUPERVISOR,
    Role.REWARD_APPROVER,
    Role.FINANCE,
    Role.ADMINISTRATOR,
]
PERSONAS = [
    "intake",
    "dispatcher",
    "bureau_supervisor",
    "reward_approver",
    "finance",
    "administrator",
    "officer",
    "town_supervisor",
    "outsider",
]


@pytest.fixture(autouse=True, scope="session")
def _keep_test_connection() -> None:
    """In-process WSGI calls (schemathesis) must not close the test transaction's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)


@pytest.fixture(autouse=True)
def _fresh_calendar() -> None:
    """Tests edit the holiday table inside transactions that roll back; start each from the table."""
    calendar_cache.forget()


@pytest.fixture(autouse=True)
def _task_loggers_restored() -> Iterator[None]:
    """``db_worker`` run in-process sets the task loggers' level by its verbosity (0: CRITICAL) and
    never resets it: later tests would lose the task log lines they assert on."""
    loggers = [logging.getLogger(name) for name in ("django_tasks", "django_tasks_db")]
    levels = [logger.level for logger in loggers]
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


@pytest.fixture
def town_a(db: Any) -> Town:
    return TownFactory(code="town-a", name="甲镇", name_en="Town A", sms_keywords=["甲镇", "TA"], ivr_digit=1)


@pytest.fixture
def town_b(db: Any) -> Town:
    return TownFactory(code="town-b", name="乙镇", name_en="Town B", sms_keywords=["乙镇", "TB"], ivr_digit=2)


@pytest.fixture
def users(town_a: Town, town_b: Town) -> dict[str, Any]:
    """One user per persona, keyed by persona name."""
    people: dict[str, Any] = {}
    for role in BUREAU_ROLES:
        people[role.value] = MembershipFactory(user=UserFactory(username=role.value), role=role, town=None).user
    people["officer"] = MembershipFactory(
        user=UserFactory(username="officer"), role=Role.TOWN_OFFICER, town=town_a
    ).user
    people["town_supervisor"] = MembershipFactory(
        user=UserFactory(username="town_supervisor"), role=Role.TOWN_SUPERVISOR, town=town_a
    ).user
    people["outsider"] = MembershipFactory(
        user=UserFactory(username="outsider"), role=Role.TOWN_OFFICER, town=town_b
    ).user
    return people


@pytest.fixture
def api_as(users: dict[str, Any]) -> Callable[[str | None], APIClient]:
    """``api_as("officer")`` → an API client logged in as that persona; ``api_as(None)`` → anonymous."""

    def make(persona: str | None) -> APIClient:
        client = APIClient()
        if persona is not None:
            client.force_authenticate(users[persona])
        return client

    return make


@pytest.fixture
def case_in(users: dict[str, Any], town_a: Town) -> Callable[[str], Case]:
    """``case_in("investigating")`` → a case of town A moved there through the real services."""

    def make(state: str) -> Case:
        case = CaseFactory()
        steps: list[tuple[str, Callable[[Case], Any]]] = [
            (State.ACCEPTED, lambda c: services.case_accept(case=c, by=users["dispatcher"])),
            (State.ASSIGNED, lambda c: services.case_assign(case=c, town=town_a, by=users["dispatcher"])),
            (State.INVESTIGATING, lambda c: services.case_start(case=c, by=users["officer"])),
            (
                State.IN_REVIEW,
                lambda c: (
                    services.case_findings_record(
                        case=c, by=users["officer"], substantiated=True, hazard_level="ordinary"
                    ),
                    services.case_submit(case=Case.objects.get(pk=c.pk), by=users["officer"]),
                ),
            ),
            (State.CLOSED, lambda c: services.case_close(case=c, by=users["town_supervisor"])),
        ]
        terminal: dict[str, Callable[[Case], Any]] = {
            State.REJECTED: lambda c: services.case_reject(case=c, by=users["dispatcher"], reason="不属实"),
            State.REFERRED: lambda c: services.case_refer(
                case=c, by=users["dispatcher"], agency="市场监管局", reason="不属本局职责"
            ),
            State.MERGED: lambda c: services.case_merge(case=c, into=CaseFactory(), by=users["dispatcher"]),
        }
        if state in terminal:
            terminal[state](case)
            return Case.objects.get(pk=case.pk)
        for _target, step in steps:
            if case.state == state:
                break
            step(case)
            case = Case.objects.get(pk=case.pk)
        assert case.state == state
        return case

    return make


@pytest.fixture
def fake_twilio(settings: Any) -> Any:
    """A fake Twilio API on loopback, with the settings of a real account pointing at it."""
    fake = start_fake_twilio()
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_API_BASE = fake.base_url
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture(scope="session")
def redis_location() -> Iterator[str]:
    """A Redis for tests that need the cache the web processes and the workers share: the suite's own
    (``REDIS_URL``), else a private redis-server for the session."""
    if django_settings.REDIS_URL:
        yield django_settings.REDIS_URL
        return
    private = PrivateRedis()
    private.start()
    try:
        yield private.url
    finally:
        private.stop()
