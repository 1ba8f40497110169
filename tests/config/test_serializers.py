"""``LeanSerializer``: fields re-made per instance behave as DRF's deep copies do."""

from __future__ import annotations

from hotline.api import MailboxInput


def test_each_instance_gets_its_own_fields_and_child_fields() -> None:
    first, second = MailboxInput(), MailboxInput()

    assert all(field is not second.fields[name] for name, field in first.fields.items())
    files = first.fields["files"]
    assert files.child is not second.fields["files"].child  # type: ignore[attr-defined]
    assert files.child.parent is files and files.parent is first  # type: ignore[attr-defined]


def test_the_declarations_are_left_untouched_and_validate_as_before() -> None:
    given = MailboxInput(data={"description": "仓库消防通道被堵", "password": "pw-123456", "category": "nope"})

    assert not given.is_valid()
    assert set(given.errors) == {"category"}
    assert MailboxInput._declared_fields["category"].parent is None  # type: ignore[attr-defined]
    valid = MailboxInput(data={"description": "仓库消防通道被堵", "password": "pw-123456"})
    assert valid.is_valid(), valid.errors
    assert (valid.validated_data["category"], valid.validated_data["anonymous"]) == ("other", True)
