"""Staff take the claim for a reporter who cannot claim online; someone else records the payout."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from cases.models import CaseEvent, EventKind, IdentityAccess
from cases.services import reporter_create
from directory.models import Role
from rewards import services
from rewards.models import RewardClaim, RewardState
from tests.factories import MembershipFactory, UserFactory
from tests.pages.conftest import verified_client
from tests.rewards import flows
from tests.rewards.helpers import valid_card, valid_id_number

REASON = "举报人持回执和身份证到窗口办理"


def assisted_body(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "张三",
        "id_number": valid_id_number(),
        "method": "bank",
        "bank_name": "中国工商银行",
        "account": valid_card(),
        "reason": REASON,
        **overrides,
    }


def url(reward: Any) -> str:
    return f"/api/v1/rewards/{reward.pk}/claim-assisted/"


@pytest.fixture
def offered(report: Any, users: Any) -> Any:
    rep = report()
    flows.offered(rep.reward, users)
    return rep


@pytest.fixture
def second_finance(db: Any) -> Any:
    return MembershipFactory(user=UserFactory(username="finance_2"), role=Role.FINANCE, town=None).user


def pay(reward: Any, by: Any, key: str = "pay-1") -> Any:
    return services.reward_pay(
        reward=reward, by=by, method="bank_transfer", reference="TX-1", paid_on=date.today(), idempotency_key=key
    )


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["intake", "finance"])
def test_intake_and_finance_take_the_claim_on_record(offered: Any, api_as: Any, users: Any, persona: str) -> None:
    response = api_as(persona).post(url(offered.reward), assisted_body(), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["state"] == "claimed"
    stored = RewardClaim.objects.get(reward=offered.reward)
    assert (stored.account, stored.assisted_by) == (valid_card(), users[persona])
    access = IdentityAccess.objects.get()
    assert (access.user, access.purpose, access.reason, access.case_id) == (
        users[persona],
        "reward_assisted_claim",
        REASON,
        offered.case.pk,
    )
    event = CaseEvent.objects.filter(case=offered.case, kind=EventKind.REWARD, name="claimed").get()
    assert (event.actor, event.reason, event.changes["assisted"]) == (users[persona], REASON, True)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("dispatcher", 403),  # reads rewards, takes no claims
        ("reward_approver", 403),
        ("bureau_supervisor", 403),
        ("officer", 404),  # town staff see no rewards at all
        ("outsider", 404),
    ],
)
def test_other_roles_cannot_take_a_claim(offered: Any, api_as: Any, persona: str, status: int) -> None:
    response = api_as(persona).post(url(offered.reward), assisted_body(), format="json")
    assert response.status_code == status
    assert offered.reward.state == RewardState.OFFERED
    assert not RewardClaim.objects.exists() and not IdentityAccess.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"id_number": "440605199003071234"}, "id_number"),
        ({"account": "1234"}, "account"),
        ({"id_number": valid_id_number("11010519491231002")}, "id_number"),  # not the reporter's own
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(offered: Any, api_as: Any, given: Any, field: str) -> None:
    response = api_as("finance").post(url(offered.reward), assisted_body(**given), format="json")
    assert response.status_code in (400, 403)
    assert field in response.json()["error"]["fields"]
    assert offered.reward.state == RewardState.OFFERED
    assert not RewardClaim.objects.exists() and not IdentityAccess.objects.exists()


@pytest.mark.django_db
def test_a_reward_not_on_offer_cannot_be_claimed_for_the_reporter(report: Any, api_as: Any) -> None:
    rep = report()  # proposed, not offered
    response = api_as("finance").post(url(rep.reward), assisted_body(), format="json")
    assert response.status_code == 409
    assert not RewardClaim.objects.exists() and not IdentityAccess.objects.exists()
    assert api_as("intake").post(url(rep.reward), assisted_body(), format="json").status_code == 404


@pytest.mark.django_db
def test_a_joint_reporter_is_paid_through_an_assisted_claim(report: Any, users: Any, api_as: Any) -> None:
    partner = reporter_create(name="李四", phone="13900003333")
    rep = report(joint=(partner,))
    shares = {reward.reporter_id: reward for reward in rep.case.rewards.all()}
    if partner.pk not in shares:
        pytest.fail("the joint reporter should have a share of their own")
    flows.offered(shares[partner.pk], users)
    response = api_as("intake").post(url(shares[partner.pk]), assisted_body(name="李四"), format="json")
    assert response.status_code == 201, response.json()
    assert RewardClaim.objects.get().reward == shares[partner.pk]


@pytest.mark.django_db
def test_who_took_the_claim_cannot_record_its_payout(
    offered: Any, api_as: Any, users: Any, second_finance: Any
) -> None:
    api_as("finance").post(url(offered.reward), assisted_body(), format="json")
    response = api_as("finance").post(
        f"/api/v1/rewards/{offered.reward.pk}/pay/",
        {"method": "bank_transfer", "reference": "TX-1", "paid_on": date.today().isoformat()},
        format="json",
        HTTP_IDEMPOTENCY_KEY="pay-1",
    )
    assert response.status_code == 403, response.json()
    assert offered.reward.state == RewardState.CLAIMED
    page = verified_client(users["finance"])
    assert 'data-action="pay"' not in page.get(f"/rewards/{offered.reward.pk}/").content.decode()
    assert pay(offered.reward, second_finance).state == RewardState.PAID


@pytest.mark.django_db
def test_intakes_claim_is_paid_by_finance(offered: Any, api_as: Any, users: Any) -> None:
    api_as("intake").post(url(offered.reward), assisted_body(), format="json")
    assert pay(offered.reward, users["finance"]).state == RewardState.PAID


@pytest.mark.django_db
def test_finance_takes_the_claim_on_the_reward_page(offered: Any, users: Any) -> None:
    page = verified_client(users["finance"])
    detail = page.get(f"/rewards/{offered.reward.pk}/").content.decode()
    assert 'data-testid="claim-assisted"' in detail
    action = f"/rewards/{offered.reward.pk}/claim-assisted/"
    refused = page.post(action, {k: v for k, v in assisted_body().items() if k != "reason"})
    assert refused.status_code == 400
    assert not RewardClaim.objects.exists()
    done = page.post(action, assisted_body())
    assert done.status_code == 302
    assert RewardClaim.objects.get().assisted_by == users["finance"]


@pytest.mark.django_db
def test_an_anonymous_caller_without_caller_id_is_paid_through_the_counter(
    report: Any, users: Any, api_as: Any, national_policy: Any
) -> None:
    rep = report(reporter=reporter_create(anonymous=True))
    flows.offered(rep.reward, users)
    type(national_policy).objects.filter(pk=national_policy.pk).update(anonymous_claims_allowed=False)
    response = api_as("intake").post(url(rep.reward), assisted_body(), format="json")
    assert response.status_code == 201, response.json()
    assert RewardClaim.objects.get().reward == rep.reward
