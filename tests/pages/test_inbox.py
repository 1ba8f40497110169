"""The town inbox: own towns only, by deadline, filters, and the rows fragment for live refresh."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders

from cases.models import Case
from tests.factories import EnterpriseFactory
from tests.pages.conftest import messages_of  # noqa: F401  (shared helper)


def refs(response: Any) -> list[str]:
    return [case.reference for case in response.context["page"]]


def test_officer_sees_own_town_sorted_by_deadline(page_as: Any, case_in: Any) -> None:
    later, sooner = case_in("assigned"), case_in("investigating")
    Case.objects.filter(pk=later.pk).update(due_date=sooner.due_date + timedelta(days=5))
    assert refs(page_as("officer").get("/inbox/")) == [sooner.reference, later.reference]
    assert refs(page_as("officer").get("/inbox/?sort=-due")) == [later.reference, sooner.reference]
    assert refs(page_as("outsider").get("/inbox/")) == []


def test_filters_by_state_and_enterprise(page_as: Any, case_in: Any) -> None:
    assigned, investigating = case_in("assigned"), case_in("investigating")
    enterprise = EnterpriseFactory(town=assigned.town)
    Case.objects.filter(pk=investigating.pk).update(enterprise=enterprise)
    client = page_as("officer")
    assert refs(client.get("/inbox/?state=assigned")) == [assigned.reference]
    assert refs(client.get(f"/inbox/?enterprise={enterprise.pk}")) == [investigating.reference]


def test_a_tampered_filter_is_refused_with_a_message(page_as: Any, case_in: Any) -> None:
    case_in("assigned")
    response = page_as("officer").get("/inbox/?state=received")
    assert response.status_code == 200
    assert response.context["filter_errors"]
    assert 'role="alert"' in response.content.decode()


def test_another_towns_enterprise_is_not_a_filter_choice(page_as: Any, case_in: Any, town_b: Any) -> None:
    case_in("assigned")
    foreign = EnterpriseFactory(town=town_b)
    response = page_as("officer").get(f"/inbox/?enterprise={foreign.pk}")
    assert "enterprise" in response.context["filter_errors"]


def test_htmx_gets_only_the_rows(page_as: Any, case_in: Any) -> None:
    case = case_in("assigned")
    response = page_as("officer").get("/inbox/", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert case.reference in body and "<html" not in body


def test_inbox_page_loads_the_live_client_and_local_htmx(page_as: Any, db: Any) -> None:
    body = page_as("officer").get("/inbox/").content.decode()
    assert "/static/cases/live.js" in body and "/static/cases/htmx-2.0.11.min.js" in body
    assert "https://" not in body  # nothing from a CDN


def test_pages_stay_under_300_kb_of_js_and_css(page_as: Any, case_in: Any) -> None:
    case = case_in("investigating")
    for persona, path in [
        ("officer", "/inbox/"),
        ("officer", f"/cases/{case.reference}/"),
        ("dispatcher", "/desk/"),
        ("bureau_supervisor", "/dashboard/"),
        (None, "/report/"),  # the reporter's pages, opened on slow phones
        (None, "/report/status/"),
        (None, "/report/claim/"),
    ]:
        body = page_as(persona).get(path).content.decode()
        assets = re.findall(r'(?:src|href)="/static/([^"]+\.(?:js|css))"', body)
        assert assets, path
        inline = sum(len(part.encode()) for part in re.findall(r"<(?:style|script)[^>]*>(.*?)</", body, re.S))
        size = inline + sum(Path(finders.find(asset)).stat().st_size for asset in assets)
        assert size < 300 * 1024, (path, size)


def test_pages_go_forward_and_back_without_counting_every_case(page_as: Any, case_in: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr("cases.views.inbox.PAGE_SIZE", 2)
    made = sorted((case_in("assigned") for _ in range(3)), key=lambda case: (case.due_date, case.pk))
    client = page_as("officer")
    first = client.get("/inbox/")
    assert refs(first) == [case.reference for case in made[:2]]
    assert 'page=2">' in first.content.decode() and 'page=0"' not in first.content.decode()
    last = client.get("/inbox/?page=2")
    assert refs(last) == [made[2].reference]
    assert 'page=1">' in last.content.decode() and 'page=3"' not in last.content.decode()
    assert refs(client.get("/inbox/?page=x")) == refs(client.get("/inbox/?page=-1")) == refs(first)


def test_the_enterprise_filter_offers_the_towns_enterprises_by_name(page_as: Any, case_in: Any, town_b: Any) -> None:
    case = case_in("assigned")
    own, foreign = (
        EnterpriseFactory(town=case.town, name="甲镇五金厂"),
        EnterpriseFactory(town=town_b, name="乙镇化工厂"),
    )
    body = page_as("officer").get("/inbox/").content.decode()
    assert f'<option value="{own.pk}">甲镇五金厂</option>' in body
    assert foreign.name not in body


def test_the_inbox_reads_a_fixed_number_of_queries(
    page_as: Any, case_in: Any, django_assert_max_num_queries: Any
) -> None:
    """Session, user, second factor, roles, enterprises, one page of cases, the session's new expiry."""
    client = page_as("officer")
    for _ in range(3):
        case_in("assigned")
    with django_assert_max_num_queries(9):
        assert len(refs(client.get("/inbox/"))) == 3


def test_a_long_report_shows_its_first_seventy_characters(page_as: Any, case_in: Any) -> None:
    case = case_in("assigned")
    Case.objects.filter(pk=case.pk).update(description="仓" * 69 + "库有油漆" + "堆" * 20_000)
    body = page_as("officer").get("/inbox/").content.decode()
    (shown,) = re.findall(r"<td>(仓+[^<]*)</td>", body)
    assert shown.startswith("仓" * 60) and len(shown) <= 70 and "堆" not in shown
