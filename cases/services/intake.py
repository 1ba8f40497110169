from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from cases import events
from cases.models import Case, EventKind, Reporter
from cases.models.case import new_reference
from cases.models.reporter import phone_index
from cases.phones import normalize_phone
from cases.receipts import hash_password, new_receipt, receipt_index
from cases.services.deadlines import decision_deadline
from directory.models import Enterprise, Town

REFERENCE_ATTEMPTS = 3


def _create_with_unique_reference(**fields: Any) -> Case:
    """Insert the case; on the rare clash of random references, draw a new one."""
    for _ in range(REFERENCE_ATTEMPTS - 1):
        try:
            with transaction.atomic():
                return Case.objects.create(reference=new_reference(), **fields)
        except IntegrityError:
            continue  # a reference already taken: draw again
    return Case.objects.create(reference=new_reference(), **fields)


@dataclass(frozen=True)
class NewCase:
    case: Case
    receipt: str  # shown to the reporter once; only its hash is stored


def reporter_create(
    *,
    name: str = "",
    phone: str = "",
    email: str = "",
    id_number: str = "",
    anonymous: bool = False,
    language: str = "zh-hans",
) -> Reporter:
    return Reporter.objects.create(
        name=name.strip(),
        phone=normalize_phone(phone) if phone else "",
        email=email.strip(),
        id_number=id_number.strip().upper(),
        anonymous=anonymous,
        language=language if language in {"zh-hans", "en"} else "zh-hans",
    )


def reporter_find_by_phone(phone: str) -> Reporter | None:
    """The most recent reporter record for this number (numbers are matched by their HMAC index)."""
    return Reporter.objects.filter(phone_index=phone_index(normalize_phone(phone))).order_by("-id").first()


def case_create(
    *,
    channel: str,
    reporter: Reporter,
    description: str,
    category: str = "other",
    address: str = "",
    suggested_town: Town | None = None,
    enterprise: Enterprise | None = None,
    enterprise_name: str = "",
    password: str = "",
    entered_by: Any = None,
    receipt_hash: str = "",
) -> NewCase:
    """Store a new report in ``received`` with its decision deadline, and return its receipt once.

    ``receipt_hash`` is the ``receipt_index`` of a receipt the reporter was already given (intake that
    answers before the case is built); the receipt itself is then unknown here and ``NewCase.receipt``
    is empty. Otherwise a new receipt is drawn.
    """
    receipt = "" if receipt_hash else new_receipt()
    with transaction.atomic():
        deadline = decision_deadline(timezone.localdate())
        case = _create_with_unique_reference(
            channel=channel,
            reporter=reporter,
            description=description,
            category=category,
            address=address,
            suggested_town=suggested_town or (enterprise.town if enterprise else None),
            enterprise=enterprise,
            enterprise_name=enterprise_name or (enterprise.name if enterprise else ""),
            receipt_index=receipt_hash or receipt_index(receipt),
            receipt_password=hash_password(password) if password else "",
            entered_by=entered_by,
            due_date=deadline.date,
            due_date_estimated=deadline.estimated,
        )
        events.record(
            case=case, kind=EventKind.CREATED, actor=entered_by, to_state=case.state, changes={"channel": channel}
        )
    return NewCase(case=case, receipt=receipt)
