"""Who may open what: every URL pattern of the project, for every persona.

The table below has one row per URL pattern (pages, API, exports, attachment downloads, Open311,
Twilio webhooks, the admin); ``test_every_url_pattern_has_a_row`` walks the URL resolver and fails
naming any pattern without one, so a new URL cannot ship without someone deciding who may open it.

Each row sends one real request, with the ids of real objects (town A's closed case, its offered
reward, its photo, an enterprise), as each persona: anonymous, the reporter who holds the receipt and
password, each staff role, and ``outsider``, an officer of town B. Every request runs in a savepoint
that is rolled back, so each persona meets the same world. "Allowed" means the request reached the
view's own work (2xx, a redirect elsewhere, or a 400/409 about the input or the state); "refused"
means 401, 403, 404 or a redirect to a login page. Public forms that answer 200 either way name a
``proof``: the text only a successful request shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils.translation import gettext
from django.views import static
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PERSONAS
from tests.pages.conftest import verified_client
from tests.rewards.flows import paid
from tests.rewards.helpers import claim_body
from tests.security.conftest import World

ANONYMOUS, REPORTER = "anonymous", "reporter"
EVERYONE = frozenset({ANONYMOUS, REPORTER, *PERSONAS})
NOBODY: frozenset[str] = frozenset()
STAFF = frozenset(PERSONAS)
DESK = frozenset({"intake", "dispatcher", "bureau_supervisor"})
CASE_BUREAU = frozenset({"dispatcher", "bureau_supervisor"})
TOWN_A = frozenset({"officer", "town_supervisor"})
CASE_READERS = CASE_BUREAU | TOWN_A
DASHBOARD = frozenset({"dispatcher", "bureau_supervisor", "administrator", "reward_approver", "finance"})
REWARD_READERS = DASHBOARD
PROPOSERS = CASE_BUREAU
CLAIM_TAKERS = frozenset({"intake", "finance"})
SUPERUSER = frozenset({"administrator"})  # load_demo makes the administrator the admin's superuser
WRONG_PASSWORD = "not-the-password"


@dataclass(frozen=True)
class Probe:
    """One request that exercises a URL pattern; ``secret`` adds the receipt and a password (the real
    one only for the reporter); ``proof`` is text that only an allowed answer contains."""

    method: str
    path: Callable[[World], str]
    data: Callable[[World], dict[str, Any]] = field(default=lambda w: {})
    secret: bool = False
    proof: Callable[[World], str] | None = None
    refusal: Callable[[], str] | None = None
    remote_addr: str = "127.0.0.1"


def get(path: Callable[[World], str], **kwargs: Any) -> Probe:
    return Probe("get", path, **kwargs)


def post(path: Callable[[World], str], data: Callable[[World], dict[str, Any]] = lambda w: {}, **kwargs: Any) -> Probe:
    return Probe("post", path, data, **kwargs)


def case(suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/cases/{w.case.reference}/{suffix}"


def api_case(suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/api/v1/cases/{w.case.reference}/{suffix}"


def api_reward(suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/api/v1/rewards/{w.reward.pk}/{suffix}"


def reward(suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/rewards/{w.reward.pk}/{suffix}"


def fixed(path: str) -> Callable[[World], str]:
    return lambda w: path


def desk(suffix: str = "") -> Callable[[World], str]:
    return lambda w: f"/desk/{w.case.reference}/{suffix}"


REASON = {"reason": "access table"}


def CLAIM(world: World) -> dict[str, Any]:  # noqa: N802  (reads as a constant in the table)
    return {key: value for key, value in claim_body(world.receipt).items() if key not in {"receipt", "password"}}


PAYOUT = {"method": "bank_transfer", "reference": "TX-2", "paid_on": "2026-01-05", "idempotency_key": "k-1"}


# route (as Django's resolver names it) → (probe, personas allowed)
ACCESS: dict[str, tuple[Probe, frozenset[str]]] = {
    # operations
    "healthz": (get(fixed("/healthz")), EVERYONE),
    "readyz": (get(fixed("/readyz")), EVERYONE),
    # the monitoring network or its token, never a session: asked from outside, it is not there
    "metrics": (get(fixed("/metrics"), remote_addr="203.0.113.9"), NOBODY),
    # public pages and the reporter's own
    "i18n/setlang/": (post(fixed("/i18n/setlang/"), lambda w: {"language": "en"}), EVERYONE),
    "report/": (get(fixed("/report/")), EVERYONE),
    "report/status/": (
        post(fixed("/report/status/"), secret=True, proof=lambda w: w.case.get_state_display()),
        frozenset({REPORTER}),
    ),
    "report/claim/": (
        post(
            fixed("/report/claim/"),
            CLAIM,
            secret=True,
            refusal=lambda: gettext("No reward to claim matches this receipt and password."),
        ),
        frozenset({REPORTER}),
    ),
    "stats/": (get(fixed("/stats/")), EVERYONE),
    "accounts/login/": (get(fixed("/accounts/login/")), EVERYONE),
    "accounts/logout/": (post(fixed("/accounts/logout/")), EVERYONE),
    "accounts/second-factor/": (get(fixed("/accounts/second-factor/")), STAFF),
    "staff/": (get(fixed("/staff/")), STAFF),
    # staff pages
    "desk/": (get(fixed("/desk/")), DESK),
    "desk/new/": (get(fixed("/desk/new/")), DESK),
    "desk/<str:reference>/": (get(desk()), CASE_BUREAU),
    "desk/<str:reference>/edit/": (post(desk("edit/")), CASE_BUREAU),
    "desk/<str:reference>/decide/": (post(desk("decide/"), lambda w: {"decision": "accept"}), CASE_BUREAU),
    "desk/<str:reference>/merge/": (post(desk("merge/")), CASE_BUREAU),
    "desk/<str:reference>/assign/": (post(desk("assign/")), CASE_BUREAU),
    "inbox/": (get(fixed("/inbox/")), CASE_READERS | {"outsider"}),  # a work queue: each sees their own
    "cases/<str:reference>/": (get(case()), CASE_READERS),
    "cases/<str:reference>/transition/": (post(case("transition/"), lambda w: {"name": "reopen"}), CASE_READERS),
    "cases/<str:reference>/findings/": (post(case("findings/")), CASE_READERS),
    "cases/<str:reference>/notes/": (post(case("notes/"), lambda w: {"text": "note"}), CASE_READERS),
    "cases/<str:reference>/questions/": (post(case("questions/"), lambda w: {"text": "?"}), CASE_READERS),
    "cases/<str:reference>/reveal/": (post(case("reveal/"), lambda w: REASON), CASE_READERS),
    "cases/<str:reference>/attachments/<int:pk>/": (
        get(lambda w: f"/cases/{w.case.reference}/attachments/{w.attachment.pk}/"),
        CASE_READERS,
    ),
    "dashboard/": (get(fixed("/dashboard/")), DASHBOARD),
    "dashboard/export.csv": (get(fixed("/dashboard/export.csv")), DASHBOARD),
    "dashboard/export.xlsx": (get(fixed("/dashboard/export.xlsx")), DASHBOARD),
    "dashboard/monthly-report.xlsx": (get(fixed("/dashboard/monthly-report.xlsx")), CASE_BUREAU),
    "rewards/": (get(fixed("/rewards/")), REWARD_READERS),
    "rewards/<int:reward_id>/": (get(reward()), REWARD_READERS),
    "rewards/counter/": (get(fixed("/rewards/counter/")), CLAIM_TAKERS),
    # intake reaches only rewards on offer: the paid one is not there for them
    "rewards/counter/<int:reward_id>/": (post(lambda w: f"/rewards/counter/{w.reward.pk}/"), frozenset({"finance"})),
    "rewards/<int:reward_id>/claim-assisted/": (post(reward("claim-assisted/")), REWARD_READERS),
    "rewards/<int:reward_id>/reveal/": (post(reward("reveal/"), lambda w: REASON), REWARD_READERS),
    "^rewards/(?P<reward_id>[0-9]+)/(?P<action>approve|reject|offer|pay|reverse|withdraw)/$": (
        post(reward("approve/")),
        REWARD_READERS,
    ),
    # API
    "api/schema/": (get(fixed("/api/schema/")), EVERYONE),
    "api/docs/": (get(fixed("/api/docs/")), EVERYONE),
    "api/v1/cases/": (get(fixed("/api/v1/cases/"), proof=lambda w: w.case.reference), CASE_READERS),
    "api/v1/cases/<str:reference>/": (get(api_case()), CASE_READERS),
    # the API checks the role for each transition before the state: the closed case answers 409 to
    # those who may make the move and 403 to those who may not
    **{
        f"api/v1/cases/<str:reference>/{action}/": (post(api_case(f"{action}/"), body), personas)
        for action, body, personas in [
            ("accept", lambda w: {}, CASE_BUREAU),
            ("reject", lambda w: REASON, CASE_BUREAU),
            ("refer", lambda w: {**REASON, "agency": "市场监管局"}, CASE_BUREAU),
            ("merge", lambda w: {"into": w.other.reference}, CASE_BUREAU),
            ("assign", lambda w: {"town": w.case.town_id}, CASE_BUREAU),
            ("return-to-bureau", lambda w: REASON, TOWN_A),
            ("start", lambda w: {}, TOWN_A),
            ("submit", lambda w: {}, TOWN_A),
            ("return-to-officer", lambda w: REASON, frozenset({"bureau_supervisor", "town_supervisor"})),
            ("close", lambda w: {}, frozenset({"bureau_supervisor", "town_supervisor"})),
            ("reopen", lambda w: REASON, frozenset({"bureau_supervisor"})),
            ("extend", lambda w: {**REASON, "workdays": 5}, frozenset({"bureau_supervisor"})),
            ("findings", lambda w: {}, TOWN_A),
            ("notes", lambda w: {"text": "note"}, CASE_READERS),
            ("questions", lambda w: {"text": "?"}, CASE_READERS),
            ("reveal", lambda w: REASON, CASE_BUREAU | {"town_supervisor"}),
        ]
    },
    "api/v1/towns/": (get(fixed("/api/v1/towns/")), STAFF),
    "api/v1/enterprises/": (get(fixed("/api/v1/enterprises/")), STAFF),
    "api/v1/enterprises/<int:pk>/": (get(lambda w: f"/api/v1/enterprises/{w.enterprise.pk}/"), STAFF),
    "api/v1/reports/": (post(fixed("/api/v1/reports/")), EVERYONE),
    "api/v1/reports/lookup/": (post(fixed("/api/v1/reports/lookup/"), secret=True), frozenset({REPORTER})),
    "api/v1/reports/followup/": (post(fixed("/api/v1/reports/followup/"), secret=True), frozenset({REPORTER})),
    "api/v1/reports/claim/": (post(fixed("/api/v1/reports/claim/"), CLAIM, secret=True), frozenset({REPORTER})),
    "api/v1/intake/": (post(fixed("/api/v1/intake/")), DESK),
    # non-readers get an empty list or sheet: the proof is the paid reward itself
    "api/v1/rewards/": (get(fixed("/api/v1/rewards/"), proof=lambda w: w.case.reference), REWARD_READERS),
    "api/v1/rewards/propose/": (
        post(fixed("/api/v1/rewards/propose/"), lambda w: {"case": w.case.reference, "amount": "100.00", **REASON}),
        PROPOSERS,
    ),
    "api/v1/rewards/reports/": (get(fixed("/api/v1/rewards/reports/"), proof=lambda w: "amount"), REWARD_READERS),
    "api/v1/rewards/calculate/<str:reference>/": (
        get(lambda w: f"/api/v1/rewards/calculate/{w.case.reference}/"),
        PROPOSERS,
    ),
    "api/v1/rewards/policies/": (get(fixed("/api/v1/rewards/policies/"), proof=lambda w: "version"), REWARD_READERS),
    "api/v1/rewards/budgets/": (get(fixed("/api/v1/rewards/budgets/"), proof=lambda w: "used"), REWARD_READERS),
    "api/v1/rewards/<int:reward_id>/": (get(api_reward()), REWARD_READERS),
    "api/v1/rewards/<int:reward_id>/claim-assisted/": (
        post(api_reward("claim-assisted/"), lambda w: {**CLAIM(w), **REASON}),
        frozenset({"finance"}),
    ),
    "api/v1/rewards/<int:reward_id>/payment-details/": (
        post(api_reward("payment-details/"), lambda w: REASON),
        frozenset({"finance"}),
    ),
    **{
        f"api/v1/rewards/<int:reward_id>/{action}/": (post(api_reward(f"{action}/"), body), personas)
        for action, body, personas in [
            ("approve", lambda w: {}, frozenset({"reward_approver"})),
            ("reject", lambda w: REASON, frozenset({"reward_approver"})),
            ("offer", lambda w: {}, frozenset({"reward_approver", "bureau_supervisor"})),
            ("pay", lambda w: PAYOUT, frozenset({"finance"})),
            ("reverse", lambda w: REASON, frozenset({"reward_approver", "finance"})),
            # a paid reward is never withdrawn: every reader hears so (409) before any role check
            ("withdraw", lambda w: REASON, REWARD_READERS),
        ]
    },
    "api/v1/live/ticket/": (post(fixed("/api/v1/live/ticket/")), STAFF),
    "api/v1/live/escalations/": (get(fixed("/api/v1/live/escalations/")), STAFF),
    # Open311 (API keys of registered clients, never a staff session) and Twilio (signature only)
    "open311/v2/services\\.(?P<fmt>json|xml)$": (get(fixed("/open311/v2/services.json")), EVERYONE),
    "open311/v2/services/(?P<code>[\\w-]+)\\.(?P<fmt>json|xml)$": (
        get(fixed("/open311/v2/services/fire_safety.json")),
        EVERYONE,
    ),
    "open311/v2/requests\\.(?P<fmt>json|xml)$": (get(fixed("/open311/v2/requests.json")), NOBODY),
    "open311/v2/requests/(?P<request_id>[\\w-]+)\\.(?P<fmt>json|xml)$": (
        get(lambda w: f"/open311/v2/requests/{w.case.reference}.json"),
        NOBODY,
    ),
    **{
        f"hotline/twilio/{hook}": (post(fixed(f"/hotline/twilio/{hook}"), lambda w: {"From": "+8613800000000"}), NOBODY)
        for hook in [
            "status/",
            "sms/",
            "voice/",
            "voice/menu/",
            "voice/town/",
            "voice/recorded/",
            "voice/status/",
            "voice/transcription/",
        ]
    },
}


def _admin_rows() -> dict[str, tuple[Probe, frozenset[str]]]:
    """The admin site: only the superuser gets in; per model, the pages even they are refused."""
    rows: dict[str, tuple[Probe, frozenset[str]]] = {
        "admin/": (get(fixed("/admin/")), SUPERUSER),
        "admin/login/": (get(fixed("/admin/login/")), EVERYONE),
        "admin/logout/": (post(fixed("/admin/logout/")), EVERYONE),
        "admin/password_change/": (get(fixed("/admin/password_change/")), SUPERUSER),
        "admin/password_change/done/": (get(fixed("/admin/password_change/done/")), SUPERUSER),
        "admin/auth/user/<id>/password/": (
            get(_admin_url(get_user_model(), "/admin/auth/user/{pk}/password/")),
            SUPERUSER,
        ),
        "admin/autocomplete/": (
            get(fixed("/admin/autocomplete/?app_label=directory&model_name=enterprise&field_name=town")),
            SUPERUSER,
        ),
        "admin/jsi18n/": (get(fixed("/admin/jsi18n/")), SUPERUSER),
        # no model has get_absolute_url, so "view on site" leads nowhere, even for the superuser
        "admin/r/<path:content_type_id>/<path:object_id>/": (get(fixed("/admin/r/1/1/")), NOBODY),
        "admin/(?P<url>.*)$": (get(fixed("/admin/no-such-page/")), NOBODY),
    }
    apps = dict.fromkeys(model._meta.app_label for model in admin.site._registry)  # in the admin's own order
    rows[f"admin/(?P<app_label>{'|'.join(apps)})/$"] = (get(fixed("/admin/cases/")), SUPERUSER)
    for model in admin.site._registry:
        base = f"admin/{model._meta.app_label}/{model._meta.model_name}/"
        refused = ADMIN_REFUSED.get(model._meta.label, frozenset())
        pages = {
            "": (base, "changelist"),
            "add/": (base + "add/", "add"),
            "<path:object_id>/": (base + "{pk}/", "redirect"),
            "<path:object_id>/change/": (base + "{pk}/change/", "change"),
            "<path:object_id>/delete/": (base + "{pk}/delete/", "delete"),
            "<path:object_id>/history/": (base + "{pk}/history/", "history"),
        }
        for route, (url, page) in pages.items():
            rows[base + route] = (
                get(_admin_url(model, "/" + url)),
                NOBODY if page in refused else SUPERUSER,
            )
    rows["admin/otp_totp/totpdevice/<int:pk>/config/"] = (get(_totp_url("config")), SUPERUSER)
    rows["admin/otp_totp/totpdevice/<int:pk>/qrcode/"] = (get(_totp_url("qrcode")), SUPERUSER)
    return rows


def _admin_url(model: Any, url: str) -> Callable[[World], str]:
    def build(world: World) -> str:
        instance = model._default_manager.order_by("pk").first()
        return url.format(pk=instance.pk if instance is not None else 0)

    return build


def _totp_url(view: str) -> Callable[[World], str]:
    def build(world: World) -> str:
        return f"/admin/otp_totp/totpdevice/{TOTPDevice.objects.order_by('pk').first().pk}/{view}/"

    return build


# Admin pages refused to the superuser too: records and history are append-only, cases, rewards and
# money change only through the services, and task results and messages are written by the system.
NO_ADD, NO_DELETE = frozenset({"add"}), frozenset({"delete"})
NO_ADD_OR_DELETE = NO_ADD | NO_DELETE
ADMIN_REFUSED: dict[str, frozenset[str]] = {
    "django_tasks_database.DBTaskResult": NO_ADD_OR_DELETE,
    "cases.Case": NO_ADD_OR_DELETE,
    "cases.Reporter": NO_ADD_OR_DELETE,
    "cases.CaseEvent": NO_ADD_OR_DELETE,
    "cases.IdentityAccess": NO_ADD_OR_DELETE,
    "hotline.TwilioDelivery": NO_ADD,
    "hotline.RemoteMedia": NO_ADD,
    "hotline.Open311Client": NO_ADD,
    "rewards.RewardPolicy": NO_DELETE,
    "rewards.Reward": NO_ADD_OR_DELETE,
    "rewards.LedgerEntry": NO_ADD_OR_DELETE,
    "notifications.OutboundMessage": NO_ADD_OR_DELETE,
}


def url_patterns() -> dict[str, Any]:
    """Every URL pattern, named as ``ResolverMatch.route`` names it, with its view."""
    found: dict[str, Any] = {}

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + (str(pattern.pattern).removeprefix("^") if prefix else str(pattern.pattern))
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                found[route] = pattern.callback

    walk(get_resolver().url_patterns, "")
    return found


def table() -> dict[str, tuple[Probe, frozenset[str]]]:
    return {**ACCESS, **_admin_rows()}


def test_every_url_pattern_has_a_row() -> None:
    rows, patterns = table(), url_patterns()
    missing = [route for route in patterns if route not in rows]
    assert not missing, f"URL patterns without a row in the access table: {missing}"
    stale = sorted(set(rows) - set(patterns))
    assert not stale, f"rows for URL patterns that no longer exist: {stale}"


def test_no_url_serves_files_straight_from_disk() -> None:
    served = [route for route, view in url_patterns().items() if view is static.serve]
    assert not served, f"files served straight from a directory at {served}"
    assert settings.MEDIA_URL not in {"/media/", "media/"}


def test_stored_evidence_is_not_reachable_by_its_storage_path(access_world: World, users: dict[str, Any]) -> None:
    administrator = verified_client(users["administrator"])
    for stored in (access_world.attachment.original_file, access_world.attachment.display_file):
        for prefix in (settings.MEDIA_URL, "/media/", "/static/", "/"):
            path = f"{prefix}{stored.name}"
            assert administrator.get(path).status_code == 404, path


@pytest.fixture
def access_world(world: World, users: dict[str, Any]) -> World:
    administrator = users["administrator"]
    administrator.is_staff = administrator.is_superuser = True
    administrator.save()
    TOTPDevice.objects.get_or_create(user=administrator, name="test", defaults={"confirmed": True})
    paid(world.reward, world.receipt, users)
    return world


def client_for(persona: str, users: dict[str, Any]) -> Client:
    return Client() if persona in {ANONYMOUS, REPORTER} else verified_client(users[persona])


def send(probe: Probe, world: World, persona: str, users: dict[str, Any]) -> Any:
    data = probe.data(world)
    if probe.secret:
        password = world.password if persona == REPORTER else WRONG_PASSWORD
        data = {**data, "receipt": world.receipt, "password": password}
    cache.clear()  # rate limits are tested on their own; here every persona starts fresh
    with transaction.atomic():  # a fresh session each time: the logout rows end theirs
        client = client_for(persona, users)
        response = getattr(client, probe.method)(probe.path(world), data, REMOTE_ADDR=probe.remote_addr)
        transaction.set_rollback(True)
    return response


LOGIN_PAGES = ("/accounts/login/", "/accounts/second-factor/", "/admin/login/")


def allowed(response: Any, probe: Probe, world: World) -> bool:
    if response.status_code in {401, 403, 404}:
        return False
    location = response.get("Location", "")
    if response.status_code in {301, 302} and location.startswith(LOGIN_PAGES) and "next=" in location:
        return False
    if probe.refusal is not None:
        return probe.refusal() not in response.content.decode()
    if probe.proof is not None:
        return probe.proof(world) in response.content.decode()
    return response.status_code < 500


@pytest.mark.parametrize("persona", sorted(EVERYONE))
def test_each_persona_opens_exactly_the_urls_of_its_row(
    persona: str, access_world: World, users: dict[str, Any]
) -> None:
    wrong = []
    for route, (probe, personas) in table().items():
        path = probe.path(access_world)
        assert resolve(path.partition("?")[0]).route == route, f"the probe {path} does not reach {route}"
        response = send(probe, access_world, persona, users)
        assert response.status_code < 500, f"{route}: {response.status_code} for {persona}"
        expected = persona in personas
        if allowed(response, probe, access_world) != expected:
            wrong.append(
                f"{route} ({probe.method.upper()} {path}): {response.status_code}, expected "
                f"{'allowed' if expected else 'refused'}"
            )
    assert not wrong, f"{persona}:\n" + "\n".join(wrong)
