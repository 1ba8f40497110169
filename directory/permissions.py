from typing import Any

from rest_framework.permissions import BasePermission

from directory.access import access_for


class IsStaffMember(BasePermission):
    """Any user who holds at least one role in the bureau or a town."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return access_for(request.user).is_staff_member
