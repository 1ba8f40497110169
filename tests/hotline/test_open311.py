"""/open311/v2/ — a GeoReport v2 client lists services, files a request and reads it back (JSON and XML)."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

import pytest
from django.test import Client

from cases import services
from cases.models import Case, Channel
from directory.models import Town
from hotline.services.open311 import open311_client_create

BASE = "/open311/v2"


def parse_xml(body: bytes) -> ElementTree.Element:
    return ElementTree.fromstring(body)  # noqa: S314 - our own server's answer in a test, not untrusted input


@pytest.fixture
def api_key(db: Any) -> str:
    return open311_client_create(name="City 311 app")[1]


def file_request(client: Client, api_key: str, fmt: str = "json", **overrides: str) -> Any:
    form = {
        "api_key": api_key,
        "service_code": "fire_safety",
        "lat": "23.036500",
        "long": "113.145800",
        "address_string": "桂城南海大道1号",
        "description": "商场消防通道堵塞",
        "first_name": "三",
        "last_name": "张",
        "phone": "13800001234",
        **overrides,
    }
    return client.post(f"{BASE}/requests.{fmt}", form)


@pytest.mark.django_db
def test_services_are_listed_in_json_and_xml(client: Client) -> None:
    services_json = client.get(f"{BASE}/services.json").json()
    assert {"service_code": "fire_safety", "metadata": False, "type": "realtime"}.items() <= next(
        s for s in services_json if s["service_code"] == "fire_safety"
    ).items()

    root = parse_xml(client.get(f"{BASE}/services.xml").content)
    assert root.tag == "services"
    assert "fire_safety" in [s.findtext("service_code") for s in root.findall("service")]
    assert client.get(f"{BASE}/services/fire_safety.json").json() == {"service_code": "fire_safety", "attributes": []}
    assert client.get(f"{BASE}/services/ufo.json").status_code == 404


@pytest.mark.django_db
def test_a_client_files_a_request_and_reads_it_back(client: Client, api_key: str) -> None:
    created = file_request(client, api_key).json()

    assert len(created) == 1
    request_id = created[0]["service_request_id"]
    assert "回执" in created[0]["service_notice"]
    case = Case.objects.get(reference=request_id)
    assert case.channel == Channel.OPEN311 and case.category == "fire_safety"
    assert case.reporter.name == "张 三" and case.reporter.phone == "+8613800001234"

    read = client.get(f"{BASE}/requests/{request_id}.json", {"api_key": api_key}).json()[0]
    assert read["status"] == "open" and read["service_code"] == "fire_safety"
    assert read["description"] == "商场消防通道堵塞" and read["lat"] == "23.036500"
    assert read["agency_responsible"] == "区应急管理局"

    listed = client.get(f"{BASE}/requests.json", {"api_key": api_key, "status": "open"}).json()
    assert [r["service_request_id"] for r in listed] == [request_id]


@pytest.mark.django_db
def test_xml_clients_get_xml_and_closed_requests_show_status_notes(
    client: Client, api_key: str, users: dict[str, Any], town_a: Town
) -> None:
    root = parse_xml(file_request(client, api_key, fmt="xml").content)
    request_id = root.find("request").findtext("service_request_id")  # type: ignore[union-attr]
    case = Case.objects.get(reference=request_id)
    services.case_accept(case=case, by=users["dispatcher"])
    services.case_assign(case=Case.objects.get(pk=case.pk), town=town_a, by=users["dispatcher"])
    services.case_start(case=Case.objects.get(pk=case.pk), by=users["officer"])
    services.case_findings_record(
        case=Case.objects.get(pk=case.pk),
        by=users["officer"],
        substantiated=True,
        hazard_level="ordinary",
        result_for_reporter="已责令清理通道",
    )
    services.case_submit(case=Case.objects.get(pk=case.pk), by=users["officer"])
    services.case_close(case=Case.objects.get(pk=case.pk), by=users["town_supervisor"])

    detail = parse_xml(client.get(f"{BASE}/requests/{request_id}.xml", {"api_key": api_key}).content)
    request = detail.find("request")
    assert detail.tag == "service_requests" and request is not None
    assert request.findtext("status") == "closed"
    assert request.findtext("status_notes") == "已责令清理通道"
    assert request.findtext("agency_responsible") == "甲镇"


@pytest.mark.django_db
def test_requests_need_a_valid_api_key_and_show_only_the_clients_own(client: Client, api_key: str) -> None:
    no_key = file_request(client, "")
    assert no_key.status_code == 403 and no_key.json()[0]["code"] == 403
    assert not Case.objects.exists()

    request_id = file_request(client, api_key).json()[0]["service_request_id"]
    other_key = open311_client_create(name="Another app")[1]
    assert client.get(f"{BASE}/requests/{request_id}.json", {"api_key": other_key}).status_code == 404
    assert client.get(f"{BASE}/requests.json", {"api_key": other_key}).json() == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"service_code": "ufo"}, "service_code"), ({"description": ""}, "description"), ({"lat": "north"}, "lat")],
)
def test_bad_requests_get_a_georeport_error_naming_the_field(
    client: Client, api_key: str, overrides: dict[str, str], field: str
) -> None:
    response = file_request(client, api_key, fmt="xml", **overrides)
    root = parse_xml(response.content)
    assert response.status_code == 400 and root.tag == "errors"
    assert field in (root.find("error").findtext("description") or "")  # type: ignore[union-attr]
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_listing_shows_public_notes_in_a_constant_number_of_queries(
    client: Client, api_key: str, users: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    ids = [file_request(client, api_key, description=f"第{n}处隐患").json()[0]["service_request_id"] for n in range(5)]
    case = Case.objects.get(reference=ids[0])
    services.case_note_add(case=case, by=users["dispatcher"], text="已派员核查", public=True)
    services.case_note_add(case=case, by=users["dispatcher"], text="内部：举报人情绪激动", public=False)

    with django_assert_max_num_queries(3):
        listed = client.get(f"{BASE}/requests.json", {"api_key": api_key}).json()

    notes = {row["service_request_id"]: row["status_notes"] for row in listed}
    assert len(notes) == 5 and notes[ids[0]] == "已派员核查" and notes[ids[1]] == ""
