"""Valid identity and card numbers, and the claim request, for reward tests."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient

from rewards.validators import id_check_character, luhn_valid

PASSWORD = "my-secret-1"


def valid_id_number(body: str = "44060519900307123") -> str:
    return body + id_check_character(body)


def valid_card(prefix: str = "622202020011223344") -> str:
    for digit in "0123456789":
        if luhn_valid(prefix + digit):
            return prefix + digit
    raise AssertionError("unreachable")


def claim_body(receipt: str, /, **overrides: Any) -> dict[str, Any]:
    return {
        "receipt": receipt,
        "password": PASSWORD,
        "name": "张三",
        "id_number": valid_id_number(),
        "method": "bank",
        "bank_name": "中国工商银行",
        "account": valid_card(),
        **overrides,
    }


def claim(receipt: str, /, **overrides: Any) -> Any:
    return APIClient().post("/api/v1/reports/claim/", claim_body(receipt, **overrides), format="json")
