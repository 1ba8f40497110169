"""/rewards/counter/: intake (and finance) take a reward claim through the pages for a reporter who
shows their receipt and identity card; finance still records the payout (maker-checker)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from cases.models import IdentityAccess
from rewards import services
from rewards.models import RewardClaim, RewardState
from tests.pages.conftest import messages_of, verified_client
from tests.rewards import flows
from tests.rewards.helpers import valid_card, valid_id_number

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
REASON = "举报人持回执和身份证到窗口办理"


def claim_form(reward: Any, **overrides: Any) -> dict[str, Any]:
    fields = {
        "name": "张三",
        "id_number": valid_id_number(),
        "method": "bank",
        "bank_name": "中国工商银行",
        "account": valid_card(),
        "reason": REASON,
        **overrides,
    }
    return {f"r{reward.pk}-{name}": value for name, value in fields.items()}


@pytest.fixture
def offered(report: Any, users: Any) -> Any:
    rep = report()
    flows.offered(rep.reward, users)
    return rep


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [("intake", 200), ("finance", 200), ("dispatcher", 403), ("reward_approver", 403), ("officer", 403)],
)
def test_only_intake_and_finance_open_the_counter_page(users: Any, persona: str, status: int) -> None:
    response = verified_client(users[persona]).get("/rewards/counter/", **EN)
    assert response.status_code == status
    if status == 200:
        assert 'href="/rewards/counter/"' in response.content.decode()  # in the navigation


@pytest.mark.django_db
def test_intake_finds_the_offer_by_receipt_and_records_the_claim(offered: Any, users: Any) -> None:
    intake = verified_client(users["intake"])
    found = intake.post("/rewards/counter/", {"receipt": offered.receipt}, **EN)
    page = found.content.decode()
    assert found.status_code == 200 and f'data-testid="offer-{offered.reward.pk}"' in page
    assert "500.00" in page and "张*" in page and "张三" not in page  # the reporter's name stays masked

    done = intake.post(f"/rewards/counter/{offered.reward.pk}/", claim_form(offered.reward), follow=True, **EN)
    assert any("was recorded; finance will pay it" in text for text in messages_of(done))
    claim = RewardClaim.objects.get(reward=offered.reward)
    assert (claim.assisted_by, claim.account) == (users["intake"], valid_card())
    assert IdentityAccess.objects.filter(user=users["intake"], case=offered.case, reason=REASON).exists()

    paid = services.reward_pay(
        reward=offered.reward,
        by=users["finance"],
        method="bank_transfer",
        reference="TX-1",
        paid_on=date.today(),
        idempotency_key="counter-1",
    )
    assert paid.state == RewardState.PAID


@pytest.mark.django_db
def test_a_finance_officer_who_took_the_claim_at_the_counter_cannot_pay_it(offered: Any, users: Any) -> None:
    finance = verified_client(users["finance"])
    finance.post(f"/rewards/counter/{offered.reward.pk}/", claim_form(offered.reward))
    assert RewardClaim.objects.get(reward=offered.reward).assisted_by == users["finance"]
    page = finance.get(f"/rewards/{offered.reward.pk}/").content.decode()
    assert 'data-action="pay"' not in page


@pytest.mark.django_db
def test_a_wrong_receipt_finds_nothing(offered: Any, users: Any) -> None:
    response = verified_client(users["intake"]).post("/rewards/counter/", {"receipt": "1234567890123456"}, **EN)
    assert response.status_code == 404
    assert "No reward on offer matches this receipt." in response.content.decode()


@pytest.mark.django_db
def test_a_malformed_form_comes_back_with_the_error_and_stores_nothing(offered: Any, users: Any) -> None:
    response = verified_client(users["intake"]).post(
        f"/rewards/counter/{offered.reward.pk}/",
        claim_form(offered.reward, id_number="440605199003071234", account="12345"),
        **EN,
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "check character is wrong" in page and "10 to 30 digits" in page
    assert 'value="中国工商银行"' in page  # what was typed is kept
    assert not RewardClaim.objects.exists() and offered.reward.state == RewardState.OFFERED


@pytest.mark.django_db
def test_intake_cannot_take_a_claim_for_a_reward_not_on_offer(report: Any, users: Any) -> None:
    rep = report()
    flows.approved(rep.reward, users)
    response = verified_client(users["intake"]).post(f"/rewards/counter/{rep.reward.pk}/", claim_form(rep.reward), **EN)
    assert response.status_code == 404
    assert not RewardClaim.objects.exists()
