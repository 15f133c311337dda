"""The region × kind summary of cross-region work, without a database: items in counties count in the project
region that contains them, progress is the unweighted mean of the items' progress (units differ), quantities are
added per unit only, and blocked items are listed."""

from decimal import Decimal
from types import SimpleNamespace

from projects.regions.services import region_in_project
from projects.regions.summary import home_region, item_progress, work_matrix

LAND, UTILITY = "land_acquisition", "utility_relocation"
KINDS = [LAND, UTILITY]
REGIONS = [("330300", "温州市"), ("330700", "金华市")]
NAMES = {"330782": "义乌市", "330783": "东阳市", "330324": "永嘉县", "330700": "金华市", "330300": "温州市",
         "331102": "莲都区"}


def item(pk, region, kind, unit, planned, completed, status="in_progress", blockers=""):
    return SimpleNamespace(pk=pk, region_id=region, region=SimpleNamespace(name=NAMES[region]), kind=kind, unit=unit,
                           planned_quantity=Decimal(planned), completed_quantity=Decimal(completed), status=status,
                           blockers=blockers, title=f"item {pk}")


def test_item_progress_is_completed_over_planned_rounded_half_up():
    assert item_progress(Decimal("172"), Decimal("186")) == Decimal("92.47")
    assert item_progress(Decimal("1"), Decimal("8")) == Decimal("12.50")
    assert item_progress(Decimal("1"), Decimal("800")) == Decimal("0.13")  # 0.125 → 0.13
    assert item_progress(Decimal("5"), Decimal("0")) == Decimal("0.00")


def test_a_region_is_inside_the_project_when_its_code_starts_with_a_project_regions_prefix():
    assert region_in_project("330782", ["330700", "330300"])
    assert region_in_project("330700", ["330700"])
    assert region_in_project("330782", ["330000"])  # the province holds everything in it
    assert not region_in_project("331102", ["330700", "330300"])
    assert not region_in_project("330700", ["330782"])  # a city is not inside one of its counties
    assert home_region("330782", [("330000", "浙江省"), ("330700", "金华市")]) == "330700"  # the most specific


def test_matrix_counts_items_done_blocked_and_averages_progress_per_region_and_kind():
    items = [
        item(1, "330782", LAND, "mu", "1260", "1260", "done"),
        item(2, "330783", LAND, "household", "186", "172", "blocked", "个别户诉求未达成一致"),
        item(3, "330700", LAND, "mu", "100", "25"),
        item(4, "330324", UTILITY, "km", "3.2", "0", "not_started"),
        item(5, "330324", UTILITY, "km", "4.8", "4.8", "done"),
    ]
    matrix = work_matrix(items, REGIONS, KINDS)
    assert [r.code for r in matrix.rows] == ["330300", "330700"]
    wenzhou, jinhua = matrix.rows
    land = jinhua.cells[LAND]
    assert (land.items, land.done, land.blocked) == (3, 1, 1)
    # mean of 100 %, 92.47 % and 25 % — not the quantity-weighted figure, as 亩 and 户 cannot be added
    assert land.progress == Decimal("72.49")
    assert {u.unit: (u.completed, u.planned) for u in land.unit_totals} == {
        "mu": (Decimal("1285"), Decimal("1360")), "household": (Decimal("172"), Decimal("186"))}
    assert land.units["mu"].progress == Decimal("94.49")
    assert jinhua.cells[UTILITY].progress is None and jinhua.cells[UTILITY].items == 0
    utility = wenzhou.cells[UTILITY]
    assert (utility.items, utility.done, utility.progress) == (2, 1, Decimal("50.00"))
    assert utility.units["km"].progress == Decimal("60.00")  # within one unit the quantities add up
    assert matrix.totals[LAND].items == 3 and matrix.total.items == 5
    assert matrix.total.progress == Decimal("63.49")  # (100 + 92.47 + 25 + 0 + 100) / 5
    assert [i.pk for i in matrix.blocked] == [2]


def test_an_item_outside_the_project_regions_gets_its_own_row():
    matrix = work_matrix([item(1, "331102", LAND, "mu", "10", "5")], REGIONS, KINDS)
    assert [r.code for r in matrix.rows] == ["330300", "330700", "331102"]
    assert matrix.rows[-1].name == "莲都区" and matrix.rows[-1].cells[LAND].progress == Decimal("50.00")


def test_an_empty_project_has_its_region_rows_and_no_progress():
    matrix = work_matrix([], REGIONS, KINDS)
    assert [r.total.items for r in matrix.rows] == [0, 0]
    assert matrix.total.progress is None and matrix.blocked == []
