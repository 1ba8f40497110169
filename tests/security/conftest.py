"""A small real world for the security tests: town A's closed case with a receipt, its reward and a
photo, plus an API token per persona, so every URL resolves with ids that exist."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.authtoken.models import Token

from cases.models import Attachment, Case
from directory.models import Enterprise
from hotline.services.media import attachment_store, check_file
from rewards.models import Reward
from tests.factories import CaseFactory, EnterpriseFactory
from tests.hotline.conftest import jpeg_with_gps
from tests.rewards import conftest as reward_fixtures
from tests.rewards.conftest import Report
from tests.rewards.helpers import PASSWORD

# the reward tests' fixtures: a report closed through the services, and the seeded policy it is paid under
report = reward_fixtures.report
national_policy = reward_fixtures.national_policy


@dataclass(frozen=True)
class World:
    case: Case
    receipt: str
    password: str
    reward: Reward
    attachment: Attachment
    enterprise: Enterprise
    other: Case  # a second case, to merge into
    tokens: dict[str, str]


@pytest.fixture
def world(report: Callable[..., Report], users: dict[str, Any], settings: Any, tmp_path: Any) -> World:
    settings.MEDIA_ROOT = str(tmp_path)
    closed = report()
    photo = jpeg_with_gps()
    attachment = attachment_store(
        case=closed.case, content=photo, kind=check_file("photo.jpg", photo), source=Attachment.Source.REPORTER
    )
    tokens = {persona: Token.objects.create(user=user).key for persona, user in users.items()}
    return World(
        case=closed.case,
        receipt=closed.receipt,
        password=PASSWORD,
        reward=closed.reward,
        attachment=attachment,
        enterprise=EnterpriseFactory(town=closed.case.town),
        other=CaseFactory(),
        tokens=tokens,
    )
