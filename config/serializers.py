"""Serializers for the hot public paths of the API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.fields import Field


def remade(field: Field[Any, Any, Any, Any]) -> Field[Any, Any, Any, Any]:
    """A new, unbound field from the declaration's own arguments (a child field is re-made as well)."""
    declared: dict[str, Any] = field._kwargs  # type: ignore[attr-defined]  # kept by Field.__new__ for copies
    kwargs: dict[str, Any] = {
        key: remade(value) if isinstance(value, Field) else value for key, value in declared.items()
    }
    return field.__class__(*field._args, **kwargs)  # type: ignore[attr-defined]


class LeanSerializer(serializers.Serializer[Any]):
    """A serializer whose fields are re-made from their declarations for each instance, not deep-copied.

    DRF deep-copies every declared field — its choices, queryset, lazy help text and child field — for
    each serializer it instantiates: ~400 µs of a web-mailbox request for 13 fields on the bench
    machine. Re-made from their arguments they cost less than half (bench/README.md, "Intake"). The
    arguments are shared between instances, which is safe for what fields keep of them (values,
    choices they copy, a queryset they clone with ``.all()``): declare no mutable default on one.
    """

    def get_fields(self) -> dict[str, Field[Any, Any, Any, Any]]:
        return {name: remade(field) for name, field in self._declared_fields.items()}
