"""Proposals (automatic on closing, by hand with a reason) and maker-checker approval."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, CaseEvent
from cases.services import reporter_create
from directory.models import Role
from rewards import services
from rewards.handlers import on_case_event
from rewards.models import EntryKind, LedgerEntry, Reward, RewardPolicy, RewardState
from tests.factories import MembershipFactory, UserFactory
from tests.rewards import flows


def reward_events(case: Case) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case=case, kind="reward").order_by("id"))


@pytest.mark.django_db
def test_closing_a_substantiated_case_proposes_its_reward_with_the_working(report: Any) -> None:
    rep = report(hazard_level="major", fine_amount=Decimal("48000"))
    reward = rep.reward
    assert (reward.state, reward.amount, reward.proposed_by) == (RewardState.PROPOSED, Decimal("7200.00"), None)
    assert reward.working == "15 % × 罚款 ¥48,000 = ¥7,200"  # in the bureau's language, zh-hans
    assert reward.town == rep.case.town and reward.policy.version == 1
    [event] = reward_events(rep.case)
    assert (event.name, event.public, event.changes["amount"]) == ("proposed", False, "7200.00")


@pytest.mark.django_db
def test_the_proposal_is_made_once_however_often_the_close_event_arrives(report: Any) -> None:
    rep = report()
    close = CaseEvent.objects.get(case=rep.case, kind="transition", name="close")
    on_case_event(close)
    on_case_event(close)
    assert Reward.objects.filter(case=rep.case).count() == 1


@pytest.mark.django_db
def test_unsubstantiated_and_still_open_cases_earn_nothing(report: Any) -> None:
    assert not Reward.objects.filter(case=report(substantiated=False).case).exists()
    assert not Reward.objects.filter(case=report(state="investigating").case).exists()


@pytest.mark.django_db
def test_missed_proposals_are_caught_up(report: Any, users: Any, capsys: Any) -> None:
    rep = report(state="investigating")
    case_services.case_submit(case=rep.case, by=users["officer"])
    case_services.case_close(case=Case.objects.get(pk=rep.case.pk), by=users["town_supervisor"])  # no handler ran
    assert not Reward.objects.filter(case=rep.case).exists()
    call_command("propose_missing_rewards")
    assert "proposed 1 reward(s)" in capsys.readouterr().out
    assert rep.reward.amount == Decimal("500.00")
    call_command("propose_missing_rewards")
    assert Reward.objects.filter(case=rep.case).count() == 1


@pytest.mark.django_db
def test_a_case_is_judged_by_the_policy_in_force_when_it_was_accepted(report: Any, users: Any) -> None:
    accepted_under_v1 = report(state="investigating")
    RewardPolicy.objects.create(
        version=2, effective_from=timezone.now() + timedelta(seconds=1), ordinary_amount=Decimal("800")
    )
    later = timezone.now() + timedelta(seconds=2)
    case_services.case_submit(case=accepted_under_v1.case, by=users["officer"])
    services.reward_propose_for_case(
        case=case_services.case_close(case=Case.objects.get(pk=accepted_under_v1.case.pk), by=users["town_supervisor"])
    )
    assert (accepted_under_v1.reward.policy.version, accepted_under_v1.reward.amount) == (1, Decimal("500.00"))

    with time_machine.travel(later, tick=True):
        accepted_under_v2 = report(reporter=reporter_create(name="王五", phone="13900002222"))
    assert (accepted_under_v2.reward.policy.version, accepted_under_v2.reward.amount) == (2, Decimal("800.00"))


@pytest.mark.django_db
def test_a_policy_version_that_judged_a_reward_cannot_be_edited(report: Any, national_policy: Any) -> None:
    report()
    national_policy.ordinary_amount = Decimal("900")
    with pytest.raises(Exception, match="add a new version"):
        national_policy.save()


@pytest.fixture
def approver_2(users: Any) -> Any:
    return MembershipFactory(user=UserFactory(username="approver2"), role=Role.REWARD_APPROVER, town=None).user


@pytest.mark.django_db
def test_the_proposer_never_approves_their_own_proposal(report: Any, api_as: Any, users: Any) -> None:
    MembershipFactory(user=users["bureau_supervisor"], role=Role.REWARD_APPROVER, town=None)
    rep = report()
    client = api_as("bureau_supervisor")
    proposed = client.post(
        "/api/v1/rewards/propose/",
        {"case": rep.case.reference, "amount": "900", "reason": "提供了关键证据"},
        format="json",
    )
    assert proposed.status_code == 201
    response = client.post(f"/api/v1/rewards/{rep.reward.pk}/approve/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "maker_checker"
    assert rep.reward.state == RewardState.PROPOSED
    assert api_as("reward_approver").post(f"/api/v1/rewards/{rep.reward.pk}/approve/").status_code == 200


@pytest.mark.django_db
def test_large_amounts_need_a_second_different_approver(report: Any, api_as: Any, users: Any, approver_2: Any) -> None:
    rep = report(hazard_level="major", fine_amount=Decimal("400000"))  # 15 % = ¥60,000 > ¥50,000
    reward = rep.reward
    assert reward.needs_second_approval
    first = api_as("reward_approver")
    assert first.post(f"/api/v1/rewards/{reward.pk}/approve/").json()["state"] == "proposed"
    again = first.post(f"/api/v1/rewards/{reward.pk}/approve/")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "second_approver_needed"
    assert not LedgerEntry.objects.filter(reward=reward).exists()

    second = api_as(None)
    second.force_authenticate(approver_2)
    body = second.post(f"/api/v1/rewards/{reward.pk}/approve/").json()
    assert (body["state"], body["first_approved_by"], body["second_approved_by"]) == (
        "approved",
        "reward_approver",
        "approver2",
    )
    [accrual] = LedgerEntry.objects.filter(reward=reward)
    assert (accrual.kind, accrual.amount) == (EntryKind.ACCRUAL, Decimal("60000.00"))


@pytest.mark.django_db
def test_a_double_click_on_approve_books_once(report: Any, api_as: Any) -> None:
    reward = report().reward
    client = api_as("reward_approver")
    assert client.post(f"/api/v1/rewards/{reward.pk}/approve/").status_code == 200
    again = client.post(f"/api/v1/rewards/{reward.pk}/approve/")
    assert again.status_code == 409
    assert again.json()["error"]["message"]
    assert LedgerEntry.objects.filter(reward=reward, kind=EntryKind.ACCRUAL).count() == 1


@pytest.mark.django_db
def test_a_manual_proposal_replaces_a_waiting_one_and_resets_approvals(
    report: Any, users: Any, api_as: Any, approver_2: Any
) -> None:
    rep = report(hazard_level="major", fine_amount=Decimal("400000"))
    services.reward_approve(reward=rep.reward, by=users["reward_approver"])  # first of two
    response = api_as("dispatcher").post(
        "/api/v1/rewards/propose/",
        {"case": rep.case.reference, "amount": "20000", "reason": "按区里补充规定"},
        format="json",
    )
    assert response.status_code == 201
    reward = rep.reward
    assert (reward.amount, reward.calculated_amount, reward.first_approved_by) == (
        Decimal("20000.00"),
        Decimal("60000.00"),
        None,
    )
    assert reward.proposed_by == users["dispatcher"] and not reward.needs_second_approval
    flows.approved(reward, users)
    late = api_as("dispatcher").post(
        "/api/v1/rewards/propose/", {"case": rep.case.reference, "amount": "100", "reason": "改"}, format="json"
    )
    assert late.status_code == 409


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "field"), [("-5", "amount"), ("0", "amount"), ("300000.01", "amount"), ("99999999999", "amount")]
)
def test_absurd_manual_amounts_are_refused_naming_the_field(amount: str, field: str, report: Any, api_as: Any) -> None:
    rep = report()
    response = api_as("dispatcher").post(
        "/api/v1/rewards/propose/", {"case": rep.case.reference, "amount": amount, "reason": "x"}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert rep.reward.amount == Decimal("500.00")


@pytest.mark.django_db
def test_rejecting_needs_a_reason_and_moves_no_money(report: Any, api_as: Any) -> None:
    reward = report().reward
    client = api_as("reward_approver")
    refused = client.post(f"/api/v1/rewards/{reward.pk}/reject/", {"reason": ""}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()["error"]["fields"]
    assert (
        client.post(
            f"/api/v1/rewards/{reward.pk}/reject/", {"reason": "企业安全员，负有报告义务"}, format="json"
        ).json()["state"]
        == "rejected"
    )
    assert not LedgerEntry.objects.exists()


@pytest.mark.django_db
def test_the_offer_tells_the_reporter_the_amount_and_the_claim_deadline(report: Any, users: Any) -> None:
    rep = report()
    reward = flows.offered(rep.reward, users)
    event = reward_events(rep.case)[-1]
    assert (event.name, event.public) == ("offered", True)
    assert event.changes["amount"] == "500.00"
    assert event.changes["claim_by"] == (timezone.localdate() + timedelta(days=60)).isoformat()
    assert event.changes["reporter"] == rep.case.reporter_id
    assert reward.claim_by == timezone.localdate() + timedelta(days=60)


@pytest.mark.django_db
def test_administrators_add_policy_versions_that_take_effect_now_or_later(api_as: Any) -> None:
    soon = (timezone.now() + timedelta(days=1)).isoformat()
    body = {"effective_from": soon, "ordinary_amount": "600", "claim_window_days": 90}
    assert api_as("reward_approver").post("/api/v1/rewards/policies/", body, format="json").status_code == 403
    created = api_as("administrator").post("/api/v1/rewards/policies/", body, format="json")
    assert created.status_code == 201, created.json()
    assert (created.json()["version"], created.json()["ordinary_amount"]) == (2, "600.00")
    past = body | {"effective_from": (timezone.now() - timedelta(days=1)).isoformat()}
    refused = api_as("administrator").post("/api/v1/rewards/policies/", past, format="json")
    assert refused.status_code == 400 and "effective_from" in refused.json()["error"]["fields"]
    malformed = api_as("administrator").post(
        "/api/v1/rewards/policies/", body | {"exclusions": {"a": 1}}, format="json"
    )
    assert malformed.status_code == 400 and "exclusions" in malformed.json()["error"]["fields"]
    assert [p["version"] for p in api_as("finance").get("/api/v1/rewards/policies/").json()] == [2, 1]


@pytest.mark.django_db
def test_an_absurd_fine_proposes_nothing_and_says_which_field_to_correct(report: Any, api_as: Any) -> None:
    rep = report(hazard_level="major", fine_amount=Decimal("500000000"))
    assert not Reward.objects.filter(case=rep.case).exists()
    client = api_as("bureau_supervisor")
    preview = client.get(f"/api/v1/rewards/calculate/{rep.case.reference}/", HTTP_ACCEPT_LANGUAGE="en")
    assert preview.status_code == 400
    assert "fine_amount" in preview.json()["error"]["fields"]
    assert "not plausible" in preview.json()["error"]["message"]
    proposed = client.post(
        "/api/v1/rewards/propose/", {"case": rep.case.reference, "amount": "5000", "reason": "x"}, format="json"
    )
    assert proposed.status_code == 400 and "fine_amount" in proposed.json()["error"]["fields"]
    assert not Reward.objects.filter(case=rep.case).exists()


@pytest.mark.django_db
def test_the_calculation_preview_shows_the_working(report: Any, api_as: Any) -> None:
    rep = report(hazard_level="major", fine_amount=Decimal("48000"))
    body = (
        api_as("dispatcher").get(f"/api/v1/rewards/calculate/{rep.case.reference}/", HTTP_ACCEPT_LANGUAGE="en").json()
    )
    assert body == {
        "policy": 1,
        "basis": "major_hazard",
        "amount": "7200.00",
        "working": "15 % × ¥48,000 fine = ¥7,200",
    }
    assert api_as("finance").get(f"/api/v1/rewards/calculate/{rep.case.reference}/").status_code == 403


@pytest.mark.django_db
def test_the_reward_list_costs_the_same_queries_for_one_or_many(
    report: Any, users: Any, api_as: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(4):
        rep = report(hazard_level="major")
        flows.claimed(rep.reward, rep.receipt, users)
    client = api_as("finance")
    with django_assert_max_num_queries(6):
        assert len(client.get("/api/v1/rewards/").json()["results"]) == 4
