"""GB/T 2260 division codes: loading the 2024 list and matching a region with everything inside it."""

import csv
from pathlib import Path

from django.db import transaction

from .models import Region

DATA_FILE = Path(__file__).resolve().parent / "data" / "cn_admin_divisions_2024.csv"


def region_prefix(code: str) -> str:
    """The code prefix shared by a region and all regions inside it: 33 for 330000, 3301 for 330100."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


@transaction.atomic
def regions_load(path: Path = DATA_FILE) -> int:
    """Load (or refresh) the division list; idempotent. Returns the number of regions."""
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    existing = set(Region.objects.values_list("code", flat=True))
    levels = {"province": 0, "prefecture": 1, "county": 2}
    rows.sort(key=lambda r: levels[r["level"]])
    new = [
        Region(code=r["code"], name=r["name"], level=r["level"], parent_id=r["parent_code"] or None)
        for r in rows
        if r["code"] not in existing
    ]
    Region.objects.bulk_create(new, batch_size=1000)
    return Region.objects.count()
