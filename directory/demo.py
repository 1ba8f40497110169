"""Demo directory of Nanhai district: towns, villages, parks and ~50 enterprises across industries."""

from __future__ import annotations

import random

from django.db import transaction

from directory.models import Enterprise, Industry, Park, SafetyGrade, Town, Village
from directory.validators import CREDIT_CODE_ALPHABET, credit_code_check_char

# code, name, English name, SMS keywords, IVR digit, duty phone
TOWNS = [
    ("guicheng", "桂城街道", "Guicheng", ["桂城", "GC"], 1, "+8675786200001"),
    ("lishui", "里水镇", "Lishui", ["里水", "LS"], 2, "+8675785600002"),
    ("jiujiang", "九江镇", "Jiujiang", ["九江", "JJ"], 3, "+8675786500003"),
    ("danzao", "丹灶镇", "Danzao", ["丹灶", "DZ"], 4, "+8675785400004"),
    ("dali", "大沥镇", "Dali", ["大沥", "DL"], 5, "+8675785500005"),
    ("shishan", "狮山镇", "Shishan", ["狮山", "SS"], 6, "+8675786600006"),
    ("xiqiao", "西樵镇", "Xiqiao", ["西樵", "XQ"], 7, "+8675786800007"),
]
VILLAGES = ["东村", "西村", "南村", "北村"]
PARKS = {
    "shishan": ["狮山高新产业园", "松岗工业区"],
    "danzao": ["丹灶国家生态工业园"],
    "dali": ["大沥铝型材产业园"],
    "lishui": ["里水五金工业园"],
    "jiujiang": ["九江五金产业园"],
}
INDUSTRY_NAMES = {
    Industry.HAZARDOUS_CHEMICALS: "化工",
    Industry.SMALL_SMELTING: "冶炼",
    Industry.SCRAP_METAL: "废旧金属回收",
    Industry.QUARRYING: "石场",
    Industry.CONSTRUCTION: "建筑工程",
    Industry.MANUFACTURING: "制造",
    Industry.WAREHOUSING: "仓储物流",
    Industry.RETAIL: "商贸",
}
ENTERPRISE_COUNT = 50


def make_credit_code(rng: random.Random) -> str:
    body = "91440605" + "".join(rng.choice(CREDIT_CODE_ALPHABET) for _ in range(9))
    return body + credit_code_check_char(body)


@transaction.atomic
def load_directory() -> None:
    """Idempotent: running it again changes nothing."""
    rng = random.Random(2026)
    towns = {}
    for code, name, name_en, keywords, digit, duty in TOWNS:
        towns[code], _ = Town.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "sms_keywords": keywords,
                "ivr_digit": digit,
                "duty_phone": duty,
            },
        )
        for village in VILLAGES:
            Village.objects.get_or_create(town=towns[code], name=f"{name[:2]}{village}")
    parks = [
        Park.objects.get_or_create(town=towns[code], name=name)[0] for code, names in PARKS.items() for name in names
    ]
    industries = list(INDUSTRY_NAMES)
    for number in range(1, ENTERPRISE_COUNT + 1):
        industry = industries[number % len(industries)]
        town = towns[TOWNS[number % len(TOWNS)][0]]
        in_town_parks = [park for park in parks if park.town_id == town.pk]
        code = make_credit_code(rng)
        Enterprise.objects.get_or_create(
            name=f"佛山市南海区{town.name[:2]}{INDUSTRY_NAMES[industry]}{number:02d}有限公司",
            defaults={
                "credit_code": code,
                "address": f"佛山市南海区{town.name}{rng.choice(VILLAGES)}工业路{number}号",
                "town": town,
                "park": rng.choice(in_town_parks) if in_town_parks and number % 2 else None,
                "industry": industry,
                "safety_grade": rng.choice(list(SafetyGrade)),
            },
        )
