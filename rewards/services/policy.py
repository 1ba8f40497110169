"""New policy versions. The past is never rewritten: a version takes effect now or later, so every case
already accepted keeps the version it was accepted under."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from config.errors import ApplicationError, Forbidden
from directory.access import access_for
from directory.models import Role
from rewards.models import RewardPolicy


def policy_create(*, by: Any, **values: Any) -> RewardPolicy:
    if not access_for(by).has_bureau_role(Role.ADMINISTRATOR):
        raise Forbidden(_("Only administrators change the reward policy."), code="permission_denied")
    effective_from = values.get("effective_from") or timezone.now()
    if effective_from < timezone.now():
        raise ApplicationError(
            _("A new policy version cannot take effect in the past."),
            code="invalid",
            fields={"effective_from": [_("Choose now or a later time.")]},
        )
    if values.get("major_minimum", 0) > values.get("major_maximum", RewardPolicy().major_maximum):
        raise ApplicationError(
            _("The minimum is above the maximum."),
            code="invalid",
            fields={"major_minimum": [_("At most the maximum.")]},
        )
    with transaction.atomic():
        latest = RewardPolicy.objects.select_for_update().aggregate(latest=Max("version"))["latest"] or 0
        policy = RewardPolicy(version=latest + 1, created_by=by, **(values | {"effective_from": effective_from}))
        policy.full_clean()
        policy.save()
    return policy
