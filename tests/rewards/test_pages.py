"""Reward pages: the reporter's claim form (/report/claim/, linked from /report/status/) and the
bureau's /rewards/ and /rewards/<id>/, for every persona (the figures are on the dashboard:
test_dashboard_figures.py)."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import services as cases_services
from cases.models import IdentityAccess
from directory.models import Role
from rewards import services
from rewards.models import EntryKind, LedgerEntry, Reward, RewardClaim, RewardState
from tests.factories import MembershipFactory, UserFactory
from tests.pages.conftest import messages_of, verified_client
from tests.rewards import flows
from tests.rewards.helpers import PASSWORD, claim_body, valid_card, valid_id_number

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
READERS = {"dispatcher", "bureau_supervisor", "reward_approver", "finance", "administrator"}
PERSONAS = [*sorted(READERS), "intake", "officer", "town_supervisor", "outsider"]


def page_text(response: Any) -> str:
    return response.content.decode()


def fresh(reward: Reward) -> Reward:
    return Reward.objects.get(pk=reward.pk)


# --- the reporter's side -------------------------------------------------------------------------


@pytest.fixture
def offered(report: Any, users: Any) -> Any:
    rep = report()
    flows.offered(rep.reward, users)
    return rep


@pytest.mark.django_db
def test_the_status_page_shows_the_offer_and_links_to_the_claim_form(offered: Any) -> None:
    page = page_text(Client().post("/report/status/", {"receipt": offered.receipt, "password": PASSWORD}, **EN))
    claim_by = fresh(offered.reward).claim_by
    assert "Amount: ¥500.00" in page
    assert f"Claim it by {claim_by:%Y-%m-%d}." in page
    assert 'href="/report/claim/"' in page


@pytest.mark.django_db
def test_the_opened_report_keeps_showing_the_offer_in_the_same_browser(offered: Any) -> None:
    client = Client()
    client.post("/report/status/", {"receipt": offered.receipt, "password": PASSWORD})
    assert 'href="/report/claim/"' in page_text(client.get("/report/status/"))


@pytest.mark.django_db
def test_a_merged_duplicates_receipt_never_shows_the_survivors_reward(report: Any, users: Any) -> None:
    duplicate: dict[str, str] = {}

    def merge_a_duplicate(survivor: Any) -> None:
        reporter = cases_services.reporter_create(name="李四", phone="13912345678")
        new = cases_services.case_create(
            channel="web", reporter=reporter, description="同一处消防通道", category="fire_safety", password="dup-pw-1"
        )
        cases_services.case_merge(case=new.case, into=survivor, by=users["dispatcher"])
        duplicate["receipt"] = new.receipt

    rep = report(on_accepted=merge_a_duplicate)
    flows.offered(rep.reward, users)
    page = page_text(Client().post("/report/status/", {"receipt": duplicate["receipt"], "password": "dup-pw-1"}))
    assert 'id="state"' in page  # the report opened (the survivor's status)
    assert "¥500.00" not in page and "/report/claim/" not in page


@pytest.mark.django_db
def test_a_report_whose_reward_is_not_yet_offered_shows_no_amount_and_no_claim_link(report: Any) -> None:
    rep = report()
    page = page_text(Client().post("/report/status/", {"receipt": rep.receipt, "password": PASSWORD}, **EN))
    assert "The bureau is deciding on a reward for your report." in page
    assert "¥" not in page and "/report/claim/" not in page


@pytest.mark.django_db
def test_the_reporter_claims_on_the_page_and_then_sees_it_waiting_for_payment(offered: Any) -> None:
    client = Client()
    response = client.post("/report/claim/", claim_body(offered.receipt), **EN)
    assert response.status_code == 200
    assert "Claimed, waiting for payment." in page_text(response)
    assert response["Cache-Control"] == "no-store"
    assert fresh(offered.reward).state == RewardState.CLAIMED
    stored = RewardClaim.objects.get(reward=offered.reward)
    assert (stored.name, stored.id_number, stored.account) == ("张三", valid_id_number(), valid_card())
    status = client.post("/report/status/", {"receipt": offered.receipt, "password": PASSWORD}, **EN)
    assert "Claimed, waiting for payment." in page_text(status)


@pytest.mark.django_db
def test_the_claim_page_speaks_chinese_by_default(offered: Any) -> None:
    form = page_text(Client().get("/report/claim/"))
    assert "领取奖励" in form
    done = page_text(Client().post("/report/claim/", claim_body(offered.receipt)))
    assert "已领取，等待支付" in done


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("wrong", "field_error"),
    [
        ({"password": "not-my-password"}, "No reward to claim matches this receipt and password."),
        ({"receipt": "1234 5678 9012 3456"}, "No reward to claim matches this receipt and password."),
        ({"id_number": "44060519900307"}, "An ID number has 17 digits followed by a digit or X."),
        ({"id_number": valid_id_number("11010119800101001")}, "Enter your own ID number."),
        ({"account": "62220202"}, "A bank account or card number has 10 to 30 digits."),
        ({"method": "alipay", "account": "not-a-phone"}, "Enter the mobile number or e-mail of the account."),
        ({"bank_name": ""}, "Name the bank of this account."),
        ({"name": ""}, "This field is required."),
    ],
)
def test_bad_claims_say_what_is_wrong_and_store_nothing(offered: Any, wrong: Any, field_error: str) -> None:
    response = Client().post("/report/claim/", claim_body(offered.receipt, **wrong), **EN)
    assert response.status_code == 400
    assert field_error in page_text(response)
    assert fresh(offered.reward).state == RewardState.OFFERED
    assert not RewardClaim.objects.exists()


@pytest.mark.django_db
def test_after_the_claim_window_the_page_says_it_closed(offered: Any) -> None:
    Reward.objects.filter(pk=offered.reward.pk).update(claim_by=timezone.localdate() - timedelta(days=1))
    response = Client().post("/report/claim/", claim_body(offered.receipt), **EN)
    assert response.status_code == 400
    assert "The claim window closed on" in page_text(response)
    assert fresh(offered.reward).state == RewardState.OFFERED
    assert not RewardClaim.objects.exists()


@pytest.mark.django_db
def test_guessing_the_password_is_cut_off_like_on_the_api(offered: Any) -> None:
    client = Client()
    for _ in range(5):
        assert client.post("/report/claim/", claim_body(offered.receipt, password="guess"), **EN).status_code == 400
    blocked = client.post("/report/claim/", claim_body(offered.receipt), **EN)  # even the right password now
    assert blocked.status_code == 429
    assert "Too many attempts" in page_text(blocked)
    assert fresh(offered.reward).state == RewardState.OFFERED


@pytest.mark.django_db
def test_the_claim_page_needs_no_receipt_in_the_address(offered: Any) -> None:
    page = page_text(Client().get("/report/claim/", **EN))
    assert 'name="receipt"' in page and 'name="password"' in page and 'method="post"' in page


# --- staff pages: who gets in ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", ["/rewards/", "detail"])
def test_each_persona_opens_exactly_the_reward_pages_of_its_role(
    report: Any, users: Any, persona: str, page: str
) -> None:
    path = f"/rewards/{report().reward.pk}/" if page == "detail" else page
    response = verified_client(users[persona]).get(path)
    assert response.status_code == (200 if persona in READERS else 403)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/rewards/", "/rewards/1/"])
def test_anonymous_visitors_are_sent_to_the_login(path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_money_pages_need_the_second_factor(users: Any) -> None:
    client = Client()
    client.force_login(users["finance"])
    assert client.get("/rewards/")["Location"].startswith("/accounts/second-factor/")


@pytest.mark.django_db
@pytest.mark.parametrize(("persona", "linked"), [("finance", True), ("reward_approver", True), ("officer", False)])
def test_the_navigation_links_the_reward_pages_for_bureau_readers(users: Any, persona: str, linked: bool) -> None:
    page = page_text(verified_client(users[persona]).get("/staff/", follow=True))
    assert ('href="/rewards/"' in page) is linked


@pytest.mark.django_db
def test_the_list_filters_by_state_town_and_year(report: Any, users: Any, town_a: Any) -> None:
    first, second = report().reward, report().reward
    flows.approved(first, users)
    client = verified_client(users["finance"])
    year = timezone.localdate().year
    shown = page_text(client.get("/rewards/", {"state": "approved", "town": town_a.pk, "year": year}))
    assert f'href="/rewards/{first.pk}/"' in shown and f'href="/rewards/{second.pk}/"' not in shown
    none = page_text(client.get("/rewards/", {"year": year - 1}, **EN))
    assert "No rewards match." in none


# --- staff pages: what each may do ------------------------------------------------------------------


def buttons(response: Any) -> set[str]:
    return set(re.findall(r'data-action="(\w+)"', page_text(response)))


@pytest.mark.django_db
def test_the_detail_shows_the_working_and_the_buttons_each_role_may_use_now(report: Any, users: Any) -> None:
    reward = report().reward
    approver = verified_client(users["reward_approver"])
    page = approver.get(f"/rewards/{reward.pk}/")
    assert reward.working and reward.working.splitlines()[0] in page_text(page)
    assert buttons(page) == {"approve", "reject"}
    assert re.search(r"</time> Proposed\s", page_text(approver.get(f"/rewards/{reward.pk}/", **EN)))
    assert buttons(verified_client(users["finance"]).get(f"/rewards/{reward.pk}/")) == set()

    response = approver.post(f"/rewards/{reward.pk}/approve/", follow=True, **EN)
    assert "Approval recorded." in messages_of(response)
    assert buttons(response) == {"offer", "withdraw"}
    response = approver.post(f"/rewards/{reward.pk}/offer/", follow=True, **EN)
    assert "The reward was offered to the reporter." in messages_of(response)
    assert fresh(reward).state == RewardState.OFFERED and buttons(response) == {"withdraw"}


@pytest.mark.django_db
def test_the_proposer_gets_no_approve_button_and_a_forged_post_is_refused(report: Any, users: Any) -> None:
    supervisor = users["bureau_supervisor"]
    MembershipFactory(user=supervisor, role=Role.REWARD_APPROVER, town=None)
    rep = report()
    [reward] = services.reward_propose(case=rep.case, by=supervisor, amount=Decimal("900"), reason="提供了关键证据")
    client = verified_client(supervisor)
    page = client.get(f"/rewards/{reward.pk}/", **EN)
    assert "approve" not in buttons(page)
    assert "another approver must approve it" in page_text(page)
    forged = client.post(f"/rewards/{reward.pk}/approve/", follow=True, **EN)
    assert any("You proposed this reward" in text for text in messages_of(forged))
    assert fresh(reward).state == RewardState.PROPOSED and fresh(reward).first_approved_by is None


@pytest.mark.django_db
def test_above_the_threshold_the_first_approver_cannot_give_the_second_approval(report: Any, users: Any) -> None:
    reward = report(hazard_level="major", fine_amount=Decimal("400000")).reward
    assert reward.needs_second_approval
    first = verified_client(users["reward_approver"])
    first.post(f"/rewards/{reward.pk}/approve/")
    assert fresh(reward).state == RewardState.PROPOSED
    assert re.search(r"</time> First of two approvals\s", page_text(first.get(f"/rewards/{reward.pk}/", **EN)))
    assert "approve" not in buttons(first.get(f"/rewards/{reward.pk}/"))
    again = first.post(f"/rewards/{reward.pk}/approve/", follow=True, **EN)
    assert any("needs a second approver" in text for text in messages_of(again))
    assert not LedgerEntry.objects.filter(reward=reward).exists()

    second_user = MembershipFactory(user=UserFactory(username="approver2"), role=Role.REWARD_APPROVER, town=None).user
    second = verified_client(second_user)
    assert "approve" in buttons(second.get(f"/rewards/{reward.pk}/"))
    second.post(f"/rewards/{reward.pk}/approve/")
    assert fresh(reward).state == RewardState.APPROVED and fresh(reward).second_approved_by == second_user


@pytest.mark.django_db
def test_a_double_submitted_payout_pays_once(report: Any, users: Any) -> None:
    rep = report()
    flows.claimed(rep.reward, rep.receipt, users)
    client = verified_client(users["finance"])
    form = page_text(client.get(f"/rewards/{rep.reward.pk}/"))
    key = re.search(r'name="idempotency_key" value="(\w+)"', form)
    assert key, form
    payout = {
        "method": "bank_transfer",
        "reference": "TX-77",
        "paid_on": timezone.localdate().isoformat(),
        "idempotency_key": key.group(1),
    }
    first = client.post(f"/rewards/{rep.reward.pk}/pay/", payout, follow=True, **EN)
    second = client.post(f"/rewards/{rep.reward.pk}/pay/", payout, follow=True, **EN)
    assert "The payout was recorded." in messages_of(first)
    assert any("already paid" in text and "TX-77" in text for text in messages_of(second))
    assert LedgerEntry.objects.filter(reward=rep.reward, kind=EntryKind.PAYOUT).count() == 1
    assert fresh(rep.reward).state == RewardState.PAID
    assert buttons(second) == {"reverse", "reveal"}


@pytest.mark.django_db
def test_the_payout_form_fills_in_today_in_chinese_too(report: Any, users: Any) -> None:
    """A date input takes only ISO dates; Chinese "2026/11/29" would leave the required field empty."""
    rep = report()
    flows.claimed(rep.reward, rep.receipt, users)
    form = page_text(verified_client(users["finance"]).get(f"/rewards/{rep.reward.pk}/"))  # zh-hans by default
    assert f'name="paid_on" value="{timezone.localdate().isoformat()}"' in form


@pytest.mark.django_db
def test_a_payout_without_reference_or_with_a_future_date_names_the_field(report: Any, users: Any) -> None:
    rep = report()
    flows.claimed(rep.reward, rep.receipt, users)
    client = verified_client(users["finance"])
    base = {"method": "bank_transfer", "reference": "TX-1", "idempotency_key": "k1"}
    missing = client.post(f"/rewards/{rep.reward.pk}/pay/", {**base, "reference": ""}, follow=True, **EN)
    assert any(text.startswith("Payment reference:") for text in messages_of(missing))
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    later = client.post(f"/rewards/{rep.reward.pk}/pay/", {**base, "paid_on": future}, follow=True, **EN)
    assert any("cannot be in the future" in text for text in messages_of(later))
    assert not LedgerEntry.objects.filter(reward=rep.reward, kind=EntryKind.PAYOUT).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["reward_approver", "bureau_supervisor", "dispatcher", "administrator"])
def test_only_finance_records_payouts(report: Any, users: Any, persona: str) -> None:
    rep = report()
    flows.claimed(rep.reward, rep.receipt, users)
    payout = {"method": "cash", "reference": "R", "paid_on": timezone.localdate().isoformat(), "idempotency_key": "x"}
    response = verified_client(users[persona]).post(f"/rewards/{rep.reward.pk}/pay/", payout, follow=True, **EN)
    assert any("may not" in text or "Only" in text for text in messages_of(response))
    assert fresh(rep.reward).state == RewardState.CLAIMED


@pytest.mark.django_db
def test_finance_sees_payment_details_only_after_giving_a_reason_and_it_is_logged(report: Any, users: Any) -> None:
    rep = report()
    flows.claimed(rep.reward, rep.receipt, users)
    client = verified_client(users["finance"])
    masked = page_text(client.get(f"/rewards/{rep.reward.pk}/"))
    assert valid_card() not in masked and valid_id_number() not in masked and "张三" not in masked
    no_reason = client.post(f"/rewards/{rep.reward.pk}/reveal/", {"reason": ""}, follow=True, **EN)
    assert valid_card() not in page_text(no_reason) and not IdentityAccess.objects.exists()
    shown = client.post(f"/rewards/{rep.reward.pk}/reveal/", {"reason": "to pay"})
    assert valid_card() in page_text(shown) and valid_id_number() in page_text(shown)
    assert shown["Cache-Control"] == "no-store"
    [access] = IdentityAccess.objects.all()
    assert (access.user, access.purpose, access.reason) == (users["finance"], "reward_payment", "to pay")


@pytest.mark.django_db
def test_an_approver_cannot_reveal_payment_details(report: Any, users: Any) -> None:
    rep = report()
    flows.claimed(rep.reward, rep.receipt, users)
    client = verified_client(users["reward_approver"])
    assert "reveal" not in buttons(client.get(f"/rewards/{rep.reward.pk}/"))
    response = client.post(f"/rewards/{rep.reward.pk}/reveal/", {"reason": "curious"}, follow=True, **EN)
    assert any("Only finance" in text for text in messages_of(response))
    assert valid_card() not in page_text(response) and not IdentityAccess.objects.exists()


@pytest.mark.django_db
def test_reject_and_reverse_need_a_reason(report: Any, users: Any) -> None:
    reward = report().reward
    client = verified_client(users["reward_approver"])
    empty = client.post(f"/rewards/{reward.pk}/reject/", {"reason": "  "}, follow=True, **EN)
    assert any(text.startswith("Reason:") for text in messages_of(empty))
    assert fresh(reward).state == RewardState.PROPOSED
    client.post(f"/rewards/{reward.pk}/reject/", {"reason": "重复举报"})
    assert fresh(reward).state == RewardState.REJECTED


@pytest.mark.django_db
def test_typed_text_is_shown_escaped(report: Any, users: Any) -> None:
    rep = report()
    flows.offered(rep.reward, users)
    Client().post("/report/claim/", claim_body(rep.receipt, name="<script>alert(1)</script>"))
    client = verified_client(users["finance"])
    page = page_text(client.post(f"/rewards/{rep.reward.pk}/reveal/", {"reason": "<b>pay</b>"}))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    rejected = report().reward
    verified_client(users["reward_approver"]).post(f"/rewards/{rejected.pk}/reject/", {"reason": "<i>no</i>"})
    assert "&lt;i&gt;no&lt;/i&gt;" in page_text(client.get(f"/rewards/{rejected.pk}/"))


@pytest.mark.django_db
def test_an_unknown_reward_and_an_unknown_action_are_not_found(users: Any) -> None:
    client = verified_client(users["finance"])
    assert client.get("/rewards/999999/").status_code == 404
    assert client.post("/rewards/1/explode/").status_code == 404


@pytest.mark.django_db
def test_the_list_costs_the_same_queries_for_more_rewards(
    report: Any, users: Any, django_assert_max_num_queries: Any
) -> None:
    client = verified_client(users["finance"])
    report()
    with CaptureQueriesContext(connection) as one:
        client.get("/rewards/")
    report(), report(), report()
    with django_assert_max_num_queries(len(one.captured_queries)):
        listed = re.findall(r'href="/rewards/\d+/"', page_text(client.get("/rewards/")))
    assert len(listed) == Reward.objects.count() > 1


@pytest.mark.django_db
def test_each_reason_box_on_the_detail_page_has_its_own_id_and_label(report: Any, users: Any) -> None:
    rep = report()
    flows.paid(rep.reward, rep.receipt, users)
    for persona in ("finance", "reward_approver"):
        page = page_text(verified_client(users[persona]).get(f"/rewards/{rep.reward.pk}/"))
        ids = re.findall(r'\sid="([^"]+)"', page)
        assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
        assert set(re.findall(r'<label for="([^"]+)"', page)) <= set(ids)
    assert {"reverse", "reveal"} <= buttons(verified_client(users["finance"]).get(f"/rewards/{rep.reward.pk}/"))
