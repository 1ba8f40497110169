"""The OpenAPI schema drf-spectacular generates is valid, complete and served to staff."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_the_schema_validates_without_a_single_warning() -> None:
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    paths = yaml.safe_load(out.getvalue())["paths"]
    for path in [
        "/api/v1/cases/",
        "/api/v1/cases/{reference}/accept/",
        "/api/v1/reports/",
        "/api/v1/rewards/",
        "/api/v1/live/ticket/",
        "/api/v1/enterprises/",
    ]:
        assert path in paths


def test_staff_read_the_schema_and_the_docs_page_loads_without_a_cdn(api_as: Callable[[str | None], APIClient]) -> None:
    client = api_as("dispatcher")
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn." not in docs.content and b"unpkg" not in docs.content
