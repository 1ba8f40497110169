"""Exclusions checked by the service, not by the approver's memory: staff of the bureau and its towns,
the enterprise's safety manager, and matters already known and being handled."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.utils import translation
from rest_framework.test import APIClient

from cases import services as cases_services
from cases.models import Case, Reporter
from config.errors import Conflict
from directory.models import Enterprise, StaffIdentity
from rewards import services
from rewards.models import EntryKind, LedgerEntry, Reward, RewardClaim, RewardState
from rewards.selectors import ledger_totals
from tests.factories import EnterpriseFactory, UserFactory
from tests.pages.conftest import messages_of, verified_client
from tests.rewards import flows
from tests.rewards.helpers import claim_body, valid_id_number

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
REPORTER_ID = valid_id_number()
OTHER_ID = valid_id_number("11010519491231002")


def rules_of(reward: Reward) -> list[str]:
    return [flag["rule"] for flag in Reward.objects.get(pk=reward.pk).flags]


def at(enterprise: Enterprise) -> Any:
    """``on_accepted`` hook of the ``report`` fixture: the case names this enterprise (on the row and
    on the object the fixture goes on saving)."""

    def name_enterprise(case: Case) -> None:
        case.enterprise = enterprise
        Case.objects.filter(pk=case.pk).update(enterprise=enterprise)

    return name_enterprise


def reporter(*, phone: str = "13812341234", id_number: str = REPORTER_ID) -> Reporter:
    return cases_services.reporter_create(name="张三", phone=phone, id_number=id_number)


def approve_refusal(reward: Reward, users: Any) -> Conflict:
    with translation.override("en"), pytest.raises(Conflict) as refused:
        services.reward_approve(reward=reward, by=users["reward_approver"])
    return refused.value


# --- bureau and town staff ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_report_by_a_town_officer_is_flagged_and_cannot_be_approved(report: Any, users: Any) -> None:
    # Registered with separators and the country code; the report came from the bare mobile number.
    StaffIdentity.objects.create(user=users["officer"], phone="+86 138-1234-1234")
    reward = report(reporter=reporter()).reward
    assert rules_of(reward) == ["bureau_staff"]
    refusal = approve_refusal(reward, users)
    assert refusal.code == "not_eligible"
    assert "on the staff of the bureau or a town, who have a duty to report" in refusal.message
    assert Reward.objects.get(pk=reward.pk).state == RewardState.PROPOSED
    assert not LedgerEntry.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("former", ["inactive", "no_role"])
def test_people_who_no_longer_hold_a_staff_role_are_not_excluded(report: Any, users: Any, former: str) -> None:
    user = UserFactory(is_active=former != "inactive")
    if former == "inactive":
        user.memberships.create(role="intake")
    StaffIdentity.objects.create(user=user, id_number=REPORTER_ID.lower())
    reward = report(reporter=reporter()).reward
    assert rules_of(reward) == []
    assert flows.approved(reward, users).state == RewardState.APPROVED


@pytest.mark.django_db
def test_the_detail_page_shows_the_reason_offers_no_approval_and_fills_in_the_rejection(
    report: Any, users: Any
) -> None:
    StaffIdentity.objects.create(user=users["dispatcher"], id_number=REPORTER_ID)
    reward = report(reporter=reporter()).reward
    approver = verified_client(users["reward_approver"])
    page = approver.get(f"/rewards/{reward.pk}/", **EN).content.decode()
    assert 'data-testid="reward-flags"' in page and "who have a duty to report" in page
    assert 'data-action="approve"' not in page and 'data-testid="not-eligible"' in page
    assert re.search(r'<textarea name="reason"[^>]*>\s*Not eligible: the reporter is on the staff', page)
    forged = approver.post(f"/rewards/{reward.pk}/approve/", follow=True, **EN)
    assert any("duty to report" in text for text in messages_of(forged))
    zh = approver.get(f"/rewards/{reward.pk}/").content.decode()
    assert "不予奖励" in zh


# --- the enterprise's safety manager ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_enterprises_safety_manager_is_flagged_by_id_number(report: Any, users: Any) -> None:
    spaced = f"{REPORTER_ID[:6]} {REPORTER_ID[6:14]} {REPORTER_ID[14:]}"
    enterprise = EnterpriseFactory(safety_manager_name="李四", safety_manager_id_number=spaced)
    reward = report(reporter=reporter(phone="13900001111"), on_accepted=at(enterprise)).reward
    assert rules_of(reward) == ["safety_manager"]
    assert "registered safety manager" in approve_refusal(reward, users).message


@pytest.mark.django_db
def test_the_safety_manager_of_another_enterprise_is_not_flagged(report: Any, users: Any) -> None:
    EnterpriseFactory(safety_manager_id_number=REPORTER_ID)
    reward = report(reporter=reporter(), on_accepted=at(EnterpriseFactory())).reward
    assert rules_of(reward) == []


@pytest.mark.django_db
def test_the_safety_manager_is_found_at_claim_time_and_the_offer_withdrawn(report: Any, users: Any) -> None:
    """A web reporter who gave no ID number shows it only when claiming; that is when the match is found."""
    enterprise = EnterpriseFactory(safety_manager_id_number=OTHER_ID)
    rep = report(reporter=reporter(id_number=""), on_accepted=at(enterprise))
    flows.offered(rep.reward, users)
    refused = APIClient().post(
        "/api/v1/reports/claim/", claim_body(rep.receipt, id_number=OTHER_ID), format="json", **EN
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_eligible"
    assert "duty to report" in refused.json()["error"]["message"]
    assert not RewardClaim.objects.exists() and Reward.objects.get(pk=rep.reward.pk).state == RewardState.OFFERED
    assert rules_of(rep.reward) == ["safety_manager"]

    services.reward_withdraw(reward=rep.reward, by=users["reward_approver"], reason="安全管理人员，有报告义务")
    withdrawn = Reward.objects.get(pk=rep.reward.pk)
    assert withdrawn.state == RewardState.REJECTED
    kinds = list(LedgerEntry.objects.filter(reward=withdrawn).values_list("kind", "amount"))
    assert [kind for kind, _ in kinds] == [EntryKind.ACCRUAL, EntryKind.RELEASE]
    assert ledger_totals()["used"] == 0


# --- matters already known and being handled --------------------------------------------------------


@pytest.mark.django_db
def test_a_matter_already_accepted_and_open_is_flagged_with_the_earlier_case(
    report: Any, users: Any, case_in: Any
) -> None:
    enterprise = EnterpriseFactory()
    earlier = case_in("investigating")
    Case.objects.filter(pk=earlier.pk).update(enterprise=enterprise, category="fire_safety")
    reward = report(on_accepted=at(enterprise)).reward
    assert Reward.objects.get(pk=reward.pk).flags == [{"rule": "already_known", "case": earlier.reference}]
    message = approve_refusal(reward, users).message
    assert f"case {earlier.reference} of the same enterprise and hazard type" in message


@pytest.mark.django_db
@pytest.mark.parametrize("earlier_state", ["received", "closed", "rejected"])
def test_cases_not_being_handled_when_the_report_came_do_not_count(
    report: Any, users: Any, case_in: Any, earlier_state: str
) -> None:
    enterprise = EnterpriseFactory()
    earlier = case_in(earlier_state)  # received: not accepted; closed / rejected: no longer handled
    Case.objects.filter(pk=earlier.pk).update(enterprise=enterprise, category="fire_safety")
    reward = report(on_accepted=at(enterprise)).reward
    assert rules_of(reward) == []


@pytest.mark.django_db
def test_an_open_case_of_another_hazard_type_does_not_count(report: Any, users: Any, case_in: Any) -> None:
    enterprise = EnterpriseFactory()
    earlier = case_in("investigating")
    Case.objects.filter(pk=earlier.pk).update(enterprise=enterprise, category="electrical")
    assert rules_of(report(on_accepted=at(enterprise)).reward) == []


@pytest.mark.django_db
def test_the_approval_checks_again_so_a_staff_record_added_after_the_proposal_still_stops_it(
    report: Any, users: Any
) -> None:
    reward = report(reporter=reporter()).reward
    assert rules_of(reward) == []
    StaffIdentity.objects.create(user=users["finance"], id_number=REPORTER_ID)
    assert approve_refusal(reward, users).code == "not_eligible"


@pytest.mark.django_db
def test_the_api_lists_the_flags_in_the_users_language(report: Any, users: Any, api_as: Any) -> None:
    StaffIdentity.objects.create(user=users["intake"], phone="13812341234")
    reward = report(reporter=reporter()).reward
    body = api_as("reward_approver").get(f"/api/v1/rewards/{reward.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert [flag["rule"] for flag in body["flags"]] == ["bureau_staff"]
    assert "duty to report" in body["flags"][0]["text"]
    refused = api_as("reward_approver").post(f"/api/v1/rewards/{reward.pk}/approve/", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_eligible"


@pytest.mark.django_db
def test_safety_managers_and_staff_identities_are_encrypted_at_rest(users: Any) -> None:
    EnterpriseFactory(
        safety_manager_name="李四", safety_manager_id_number=REPORTER_ID, safety_manager_phone="13812341234"
    )
    StaffIdentity.objects.create(user=users["officer"], id_number=OTHER_ID, phone="13900001111")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT safety_manager_name, safety_manager_id_number, safety_manager_phone,"
            " safety_manager_id_key, safety_manager_phone_key FROM directory_enterprise"
        )
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
        cursor.execute("SELECT id_number, phone, id_number_key, phone_key FROM directory_staffidentity")
        stored += " ".join(str(value) for row in cursor.fetchall() for value in row)
    for clear in ("李四", REPORTER_ID, OTHER_ID, "13812341234", "13900001111"):
        assert clear not in stored
