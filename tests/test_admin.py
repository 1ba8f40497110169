"""The Django admin: directory and cases render, reporters stay masked, history stays untouched,
and transitions go through the services (roles, conditions, events)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import CalendarDay, Case, CaseEvent, EventKind, IdentityAccess, State
from directory.models import Enterprise, Membership, Role, Town
from tests.factories import EnterpriseFactory, UserFactory

pytestmark = pytest.mark.django_db

PHONE = "+8613812341234"  # the factories' reporter


@pytest.fixture
def superuser(users: dict[str, Any]) -> Any:
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_as(users: dict[str, Any], superuser: Any) -> Callable[[str], Client]:
    """``admin_as("dispatcher")``: that persona with admin access to cases; ``admin_as("root")``: the superuser."""

    def make(persona: str) -> Client:
        user = superuser if persona == "root" else users[persona]
        if persona != "root":
            user.is_staff = True
            user.save()
            user.user_permissions.add(*Permission.objects.filter(content_type__app_label="cases"))
        client = Client(headers={"accept-language": "en"})
        client.force_login(user)
        return client

    return make


@pytest.fixture
def ops_case(case_in: Callable[[str], Case], users: dict[str, Any]) -> Case:
    case = case_in(State.ASSIGNED)
    IdentityAccess.objects.create(
        user=users["finance"], reporter=case.reporter, case=case, purpose="payout", reason="payment"
    )
    return case


def test_every_admin_page_renders_for_a_superuser(admin_as: Callable[[str], Client], ops_case: Case) -> None:
    client = admin_as("root")
    EnterpriseFactory(town=ops_case.town)
    for model in [Town, Enterprise, Membership, Case, CaseEvent, IdentityAccess, CalendarDay]:
        meta = model._meta
        changelist = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        assert changelist.status_code == 200, meta.label
        instance = model.objects.first()
        assert instance is not None, meta.label
        change = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[instance.pk]))
        assert change.status_code == 200, meta.label
    for name in ["directory_village", "directory_park", "cases_reporter", "cases_calendaryear", "auth_user"]:
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200, name


def test_reporter_phone_appears_masked_never_in_clear(admin_as: Callable[[str], Client], ops_case: Case) -> None:
    client = admin_as("root")
    pages = [
        client.get(reverse("admin:cases_case_changelist")),
        client.get(reverse("admin:cases_case_change", args=[ops_case.pk])),
        client.get(reverse("admin:cases_reporter_changelist")),
        client.get(reverse("admin:cases_reporter_change", args=[ops_case.reporter_id])),
    ]
    for page in pages:
        html = page.content.decode()
        assert "138****1234" in html
        assert "13812341234" not in html
        assert "张三" not in html  # the reporter's name, masked as 张*


def test_reporters_are_found_by_full_phone_number(admin_as: Callable[[str], Client], ops_case: Case) -> None:
    client = admin_as("root")
    found = client.get(reverse("admin:cases_reporter_changelist"), {"q": "138 1234 1234"})
    assert "138****1234" in found.content.decode()
    missed = client.get(reverse("admin:cases_reporter_changelist"), {"q": "13900000000"})
    assert "138****1234" not in missed.content.decode()
    not_a_number = client.get(reverse("admin:cases_reporter_changelist"), {"q": "张三"})
    assert not_a_number.status_code == 200
    assert "is not a phone number" in not_a_number.content.decode()
    assert "138****1234" not in not_a_number.content.decode()


def test_events_cannot_be_added_changed_or_deleted(admin_as: Callable[[str], Client], ops_case: Case) -> None:
    client = admin_as("root")
    event = CaseEvent.objects.filter(case=ops_case).first()
    assert event is not None
    before = (event.reason, event.to_state)
    change_url = reverse("admin:cases_caseevent_change", args=[event.pk])

    assert client.post(change_url, {"reason": "rewritten", "to_state": "closed"}).status_code == 403
    assert client.post(reverse("admin:cases_caseevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:cases_caseevent_add")).status_code == 403
    bulk = client.post(
        reverse("admin:cases_caseevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "index": 0, "post": "yes"},
    )
    assert bulk.status_code in {200, 302}

    event = CaseEvent.objects.get(pk=event.pk)
    assert (event.reason, event.to_state) == before
    view = client.get(change_url).content.decode()
    assert 'name="_save"' not in view


def test_identity_accesses_are_read_only(admin_as: Callable[[str], Client], ops_case: Case) -> None:
    client = admin_as("root")
    access = IdentityAccess.objects.get(case=ops_case)
    url = reverse("admin:cases_identityaccess_delete", args=[access.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert IdentityAccess.objects.filter(pk=access.pk).exists()


def test_cases_cannot_be_edited_or_deleted_directly(admin_as: Callable[[str], Client], ops_case: Case) -> None:
    client = admin_as("root")
    page = client.get(reverse("admin:cases_case_change", args=[ops_case.pk])).content.decode()
    assert 'name="description"' not in page  # read-only: changes go through the services
    assert client.post(reverse("admin:cases_case_delete", args=[ops_case.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:cases_case_add")).status_code == 403


def test_an_action_performs_a_transition_and_writes_an_event(
    admin_as: Callable[[str], Client], case_in: Callable[[str], Case], users: dict[str, Any]
) -> None:
    case = case_in(State.RECEIVED)
    client = admin_as("dispatcher")

    response = client.post(
        reverse("admin:cases_case_changelist"),
        {"action": "transition_accept", "_selected_action": [case.pk], "index": 0, "apply": "1", "reason": "属实"},
        follow=True,
    )

    assert response.status_code == 200
    assert Case.objects.get(pk=case.pk).state == State.ACCEPTED
    event = CaseEvent.objects.filter(case=case, kind=EventKind.TRANSITION).get()
    assert (event.name, event.from_state, event.to_state, event.actor, event.reason) == (
        "accept",
        "received",
        "accepted",
        users["dispatcher"],
        "属实",
    )
    assert "done for" in response.content.decode()


def test_an_action_that_needs_input_asks_for_it_first(
    admin_as: Callable[[str], Client], case_in: Callable[[str], Case], town_a: Town
) -> None:
    case = case_in(State.ACCEPTED)
    client = admin_as("dispatcher")
    url = reverse("admin:cases_case_changelist")

    form = client.post(url, {"action": "transition_assign", "_selected_action": [case.pk], "index": 0})
    assert form.status_code == 200
    assert 'name="town"' in form.content.decode()
    assert Case.objects.get(pk=case.pk).state == State.ACCEPTED

    client.post(
        url,
        {
            "action": "transition_assign",
            "_selected_action": [case.pk],
            "index": 0,
            "apply": "1",
            "town": town_a.pk,
            "reason": "",
        },
    )
    assert Case.objects.get(pk=case.pk).state == State.ASSIGNED
    assert Case.objects.get(pk=case.pk).town == town_a


def test_refusals_show_as_messages_and_change_nothing(
    admin_as: Callable[[str], Client], case_in: Callable[[str], Case]
) -> None:
    accepted = case_in(State.ACCEPTED)
    investigating = case_in(State.INVESTIGATING)  # no findings recorded yet
    url = reverse("admin:cases_case_changelist")
    events_before = CaseEvent.objects.count()

    # Not possible from this state (409 in the API) …
    page = admin_as("dispatcher").post(
        url, {"action": "transition_accept", "_selected_action": [accepted.pk], "index": 0, "apply": "1"}, follow=True
    )
    assert f"{accepted.reference}: This action is not possible while the case is “Accepted”." in page.content.decode()
    # … and not without findings (409 naming the field).
    page = admin_as("officer").post(
        url, {"action": "transition_submit", "_selected_action": [investigating.pk], "index": 0}, follow=True
    )
    assert f"{investigating.reference}: The case is missing what this action needs. (findings: Record the findings" in (
        page.content.decode()
    )
    assert Case.objects.get(pk=accepted.pk).state == State.ACCEPTED
    assert Case.objects.get(pk=investigating.pk).state == State.INVESTIGATING
    assert CaseEvent.objects.count() == events_before


def test_the_action_menu_matches_the_role(admin_as: Callable[[str], Client], ops_case: Case) -> None:
    dispatcher = admin_as("dispatcher").get(reverse("admin:cases_case_changelist")).content.decode()
    officer = admin_as("officer").get(reverse("admin:cases_case_changelist")).content.decode()
    assert 'value="transition_accept"' in dispatcher
    assert 'value="transition_start"' not in dispatcher
    assert 'value="transition_start"' in officer
    assert 'value="transition_accept"' not in officer


def test_town_staff_see_only_their_towns_cases(
    admin_as: Callable[[str], Client], ops_case: Case, users: dict[str, Any]
) -> None:
    outsider = admin_as("outsider")
    listing = outsider.get(reverse("admin:cases_case_changelist")).content.decode()
    assert ops_case.reference not in listing
    detail = outsider.get(reverse("admin:cases_case_change", args=[ops_case.pk]))
    assert detail.status_code == 302  # "doesn't exist", as for any case outside the user's scope
    assert ops_case.reference in admin_as("officer").get(reverse("admin:cases_case_changelist")).content.decode()


def test_the_change_page_offers_the_moves_the_user_may_make(admin_as: Callable[[str], Client], ops_case: Case) -> None:
    page = admin_as("officer").get(reverse("admin:cases_case_change", args=[ops_case.pk])).content.decode()
    assert 'value="transition_start"' in page
    assert 'value="transition_return_to_bureau"' in page
    assert 'value="transition_close"' not in page


def test_only_administrators_edit_the_calendar(admin_as: Callable[[str], Client], users: dict[str, Any]) -> None:
    day = CalendarDay.objects.create(date="2030-10-01", is_workday=False, name="National Day")
    url = reverse("admin:cases_calendarday_change", args=[day.pk])
    edit = {"date": "2030-10-01", "is_workday": "on", "name": "moved"}

    assert admin_as("dispatcher").post(url, edit).status_code == 403
    assert CalendarDay.objects.get(pk=day.pk).is_workday is False

    administrator = users["administrator"]
    administrator.is_staff = True
    administrator.save()
    administrator.user_permissions.add(*Permission.objects.filter(codename__endswith="calendarday"))
    client = Client()
    client.force_login(administrator)
    assert client.post(url, edit).status_code == 302
    assert CalendarDay.objects.get(pk=day.pk).is_workday is True


def test_enterprise_credit_code_is_validated(admin_as: Callable[[str], Client], town_a: Town) -> None:
    client = admin_as("root")
    form = {
        "name": "测试化工厂",
        "address": "狮山镇",
        "town": town_a.pk,
        "industry": "hazardous_chemicals",
        "safety_grade": "c",
    }
    url = reverse("admin:directory_enterprise_add")

    wrong = client.post(url, {**form, "credit_code": "914403001922038217"})
    assert wrong.status_code == 200
    assert "check character" in wrong.content.decode()
    assert not Enterprise.objects.exists()

    right = client.post(url, {**form, "credit_code": "9144030071526726xg"})
    assert right.status_code == 302
    assert Enterprise.objects.get().credit_code == "9144030071526726XG"


def test_a_town_role_without_a_town_is_refused(admin_as: Callable[[str], Client], users: dict[str, Any]) -> None:
    client = admin_as("root")
    person = UserFactory(username="newcomer")
    response = client.post(
        reverse("admin:directory_membership_add"), {"user": person.pk, "role": Role.TOWN_OFFICER, "town": ""}
    )
    assert response.status_code == 200
    assert not Membership.objects.filter(user=person).exists()


def test_the_deadline_filter_lists_overdue_open_cases(
    admin_as: Callable[[str], Client], case_in: Callable[[str], Case]
) -> None:
    late = case_in(State.RECEIVED)
    on_time = case_in(State.RECEIVED)
    closed_late = case_in(State.REJECTED)
    Case.objects.filter(pk__in=[late.pk, closed_late.pk]).update(due_date="2020-01-06")
    Case.objects.filter(pk=on_time.pk).update(due_date="2099-01-05")

    page = admin_as("dispatcher").get(reverse("admin:cases_case_changelist"), {"overdue": "yes"}).content.decode()

    assert late.reference in page
    assert on_time.reference not in page
    assert closed_late.reference not in page


def test_the_case_list_does_not_query_per_row(
    admin_as: Callable[[str], Client], case_in: Callable[[str], Case]
) -> None:
    client = admin_as("dispatcher")
    url = reverse("admin:cases_case_changelist")

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    case_in(State.ASSIGNED)
    few = queries_for_list()
    for _ in range(4):
        case_in(State.ASSIGNED)
    assert queries_for_list() == few
