"""``manage.py seed_cases --count N``: realistic cases in bulk, for demos and the dashboard benchmark.

Cases spread over the last two years across the demo towns, channels, categories and enterprises,
in states that match their age (old ones mostly closed, recent ones still open), with consistent
timestamps and deadlines. Rows go in with ``bulk_create`` in batches (no per-case events: the
timeline of a seeded case is empty), then the statistics are rebuilt from the cases table.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.db import transaction
from django.utils import timezone

from cases.models import Case, Category, Channel, HazardLevel, Reporter, State
from cases.models.case import new_reference
from cases.models.reporter import phone_index
from cases.receipts import new_receipt, receipt_index
from cases.statistics.bulk import insert_rows
from cases.statistics.figures import rebuild
from directory.demo import load_directory
from directory.models import Enterprise, Town

CHANNEL_WEIGHTS = {
    Channel.SMS: 30,
    Channel.VOICE: 25,
    Channel.WEB: 35,
    Channel.LETTER: 4,
    Channel.VISIT: 3,
    Channel.OPERATOR_CALL: 2,
    Channel.OPEN311: 1,
}
CATEGORY_WEIGHTS = {
    Category.FIRE_SAFETY: 25,
    Category.HAZARDOUS_CHEMICALS: 12,
    Category.MACHINERY: 12,
    Category.ELECTRICAL: 10,
    Category.CONFINED_SPACE: 4,
    Category.HEIGHT_WORK: 8,
    Category.OCCUPATIONAL_HEALTH: 9,
    Category.ILLEGAL_PRODUCTION: 12,
    Category.CONCEALED_ACCIDENT: 1,
    Category.OTHER: 7,
}
DESCRIPTIONS = [
    "消防通道被堵塞",
    "仓库堆放危险化学品无防护",
    "冲床无防护罩",
    "车间电线私拉乱接",
    "工人高处作业未系安全带",
    "粉尘超标无通风",
    "夜间违规动火作业",
    "无证经营加油点",
    "有限空间作业无监护",
    "叉车无证驾驶",
]
SPOKEN = {Channel.SMS, Channel.VOICE}
DAYS = 730


@contextmanager
def keep_given_timestamps() -> Iterator[None]:
    """Seeded cases carry their own past ``created_at``; auto_now_add would overwrite it."""
    field = Case._meta.get_field("created_at")
    saved = field.auto_now_add  # type: ignore[union-attr]
    field.auto_now_add = False  # type: ignore[union-attr]
    try:
        yield
    finally:
        field.auto_now_add = saved  # type: ignore[union-attr]


class Progress:
    """A one-line progress bar on the command's stderr (no dependency, readable in CI logs too)."""

    def __init__(self, label: str, total: int, stream: OutputWrapper) -> None:
        self.label, self.total, self.stream, self.started = label, max(total, 1), stream, time.monotonic()

    def __call__(self, done: int) -> None:
        share = min(done / self.total, 1.0)
        bar = "#" * int(share * 30)
        elapsed = time.monotonic() - self.started
        line = f"\r{self.label:<10} [{bar:<30}] {share:6.1%} {done:>9,}/{self.total:,} {elapsed:6.1f}s"
        self.stream.write(line + ("\n" if done >= self.total else ""), ending="")
        self.stream.flush()


def _pick(rng: random.Random, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _state_for_age(rng: random.Random, age_days: int) -> str:
    """Old cases are mostly finished; recent ones are still moving."""
    if age_days < 3:
        return rng.choice([State.RECEIVED] * 6 + [State.ACCEPTED, State.ASSIGNED])
    if age_days < 60:
        return rng.choices(
            [
                State.RECEIVED,
                State.ACCEPTED,
                State.ASSIGNED,
                State.INVESTIGATING,
                State.IN_REVIEW,
                State.CLOSED,
                State.REJECTED,
                State.REFERRED,
                State.MERGED,
            ],
            weights=[1, 2, 8, 30, 10, 30, 8, 5, 6],
        )[0]
    return rng.choices(
        [State.INVESTIGATING, State.IN_REVIEW, State.CLOSED, State.REJECTED, State.REFERRED, State.MERGED],
        weights=[2, 1, 76, 9, 5, 7],
    )[0]


class Command(BaseCommand):
    taken: set[str]
    help = "Generate N realistic cases in bulk (with a progress bar) and rebuild the statistics."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True, help="number of cases to add")
        parser.add_argument("--batch", type=int, default=5000, help="rows per INSERT")
        parser.add_argument("--seed", type=int, default=2026, help="random seed, for repeatable data")

    def handle(self, *args: Any, count: int, batch: int, seed: int, **options: Any) -> None:
        if count < 1 or batch < 1:
            raise CommandError("--count and --batch must be positive.")
        if not Town.objects.exists():
            load_directory()
        rng = random.Random(seed)  # noqa: S311  (repeatable demo data, not secrets)
        towns = list(Town.objects.values_list("pk", flat=True))
        enterprises = list(Enterprise.objects.values_list("pk", "town_id", "name"))
        reporters = self.make_reporters(rng, max(1, min(count // 5, 20_000)))
        now = timezone.now()
        progress = Progress("cases", count, self.stderr)
        started = time.monotonic()
        # References are random; at a million rows two would collide, so skip the ones already taken.
        self.taken = set(Case.objects.values_list("reference", flat=True).iterator(chunk_size=50_000))
        columns = [field.attname for field in Case._meta.concrete_fields if not field.primary_key]
        with keep_given_timestamps():
            done = 0
            while done < count:
                size = min(batch, count - done)
                made = [self.make_case(rng, now, towns, enterprises, reporters) for _ in range(size)]
                with transaction.atomic():
                    insert_rows(Case, columns, [[getattr(case, name) for name in columns] for case in made])
                done += size
                progress(done)
        self.stdout.write(f"{count:,} cases in {time.monotonic() - started:.1f}s; rebuilding statistics…")
        total = Case.objects.count()
        rebuilt = rebuild(progress=Progress("figures", total, self.stderr))
        self.stdout.write(self.style.SUCCESS(f"Done: {count:,} cases added, figures rebuilt over {rebuilt:,}."))

    def make_reporters(self, rng: random.Random, size: int) -> list[int]:
        rows = []
        for number in range(size):
            phone = f"+86139{rng.randrange(10**8):08d}" if number % 4 else ""
            rows.append(
                Reporter(
                    phone=phone, phone_index=phone_index(phone) if phone else "", anonymous=not phone or number % 7 == 0
                )
            )
        with transaction.atomic():
            made = Reporter.objects.bulk_create(rows, batch_size=2000)
        return [reporter.pk for reporter in made]

    def unique_reference(self) -> str:
        reference = new_reference()
        while reference in self.taken:
            reference = new_reference()
        self.taken.add(reference)
        return reference

    def make_case(
        self,
        rng: random.Random,
        now: datetime,
        towns: list[int],
        enterprises: list[tuple[int, int, str]],
        reporters: list[int],
    ) -> Case:
        age = int(rng.random() ** 1.3 * DAYS)  # more recent cases than old ones
        created = now - timedelta(days=age, seconds=rng.randrange(86_400))
        channel = _pick(rng, CHANNEL_WEIGHTS)
        state = _state_for_age(rng, age)
        enterprise = rng.choice(enterprises) if rng.random() < 0.6 else None
        town = enterprise[1] if enterprise else rng.choice(towns)
        case = Case(
            reference=self.unique_reference(),
            state=state,
            channel=channel,
            category=_pick(rng, CATEGORY_WEIGHTS),
            description=rng.choice(DESCRIPTIONS),
            enterprise_id=enterprise[0] if enterprise else None,
            enterprise_name=enterprise[2] if enterprise else "",
            suggested_town_id=town if channel in SPOKEN or enterprise else None,
            reporter_id=rng.choice(reporters),
            receipt_index=receipt_index(new_receipt()),
            created_at=created,
            due_date=(created + timedelta(days=7)).date(),
        )
        if state not in {State.RECEIVED, State.REJECTED, State.REFERRED, State.MERGED}:
            case.accepted_at = created + timedelta(hours=rng.randrange(2, 96))
            case.due_date = (case.accepted_at + timedelta(days=84)).date()
        if state in {State.ASSIGNED, State.INVESTIGATING, State.IN_REVIEW, State.CLOSED}:
            case.town_id = town
        if state == State.CLOSED and case.accepted_at:
            case.closed_at = min(case.accepted_at + timedelta(days=int(rng.gammavariate(2.0, 18.0)) + 1), now)
            case.feedback_at = case.closed_at + timedelta(days=rng.randrange(1, 9))
            case.due_date = None
            case.substantiated = rng.random() < 0.7
            if case.substantiated:
                case.hazard_level = HazardLevel.MAJOR if rng.random() < 0.1 else HazardLevel.ORDINARY
                case.fine_amount = Decimal(rng.choice([0, 0, 2000, 5000, 10000, 30000]))
        if state in {State.REJECTED, State.REFERRED, State.MERGED}:
            case.due_date = None
            case.decision_reason = "不属于安全生产事项" if state == State.REJECTED else ""
            case.referred_to = "市场监管局" if state == State.REFERRED else ""
        return case
