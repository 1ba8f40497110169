"""What a staff user may do, from their memberships: read once per request and kept on the user."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from directory.models import TOWN_ROLES, Membership, Role

BUREAU_CASE_ROLES = frozenset({Role.DISPATCHER, Role.BUREAU_SUPERVISOR})


@dataclass(frozen=True)
class StaffAccess:
    user_id: int | None
    bureau_roles: frozenset[str] = frozenset()
    town_roles: dict[int, frozenset[str]] = field(default_factory=dict)

    def has_bureau_role(self, *roles: str) -> bool:
        return bool(self.bureau_roles.intersection(roles))

    def has_town_role(self, town_id: int | None, *roles: str) -> bool:
        return town_id is not None and bool(self.town_roles.get(town_id, frozenset()).intersection(roles))

    def towns_with(self, *roles: str) -> set[int]:
        return {town_id for town_id, held in self.town_roles.items() if held.intersection(roles)}

    @property
    def town_ids(self) -> set[int]:
        return set(self.town_roles)

    @property
    def is_staff_member(self) -> bool:
        return bool(self.bureau_roles or self.town_roles)


NO_ACCESS = StaffAccess(user_id=None)


def access_for(user: Any) -> StaffAccess:
    """The user's roles; cached on the user object so one request reads memberships once."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_ACCESS
    cached = getattr(user, "_staff_access", None)
    if cached is not None:
        return cached
    bureau: set[str] = set()
    towns: dict[int, set[str]] = {}
    for role, town_id in Membership.objects.filter(user=user).values_list("role", "town_id"):
        if role in TOWN_ROLES:
            towns.setdefault(town_id, set()).add(role)
        else:
            bureau.add(role)
    access = StaffAccess(
        user_id=user.pk,
        bureau_roles=frozenset(bureau),
        town_roles={town_id: frozenset(roles) for town_id, roles in towns.items()},
    )
    user._staff_access = access
    return access
