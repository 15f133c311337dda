"""The summary of a project's cross-region work: a matrix of region × kind, and the blockers. Pure over the
items (any objects with the item's attributes), so it is tested without a database.

Each row is one of the project's regions; an item in a county is counted in the project region that contains
it (the most specific one). Each cell counts the items, the done and the blocked ones, and gives

    progress = the unweighted mean of the items' progress (completed ÷ planned),

because the items of one kind are measured in different units (亩, 户, km, 处 …) whose quantities cannot be
added. Where quantities can be added — the same unit — the cell also shows completed / planned per unit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from portal.core.regions import region_prefix

PERCENT = Decimal("0.01")


def item_progress(completed: Decimal, planned: Decimal) -> Decimal:
    """Completed ÷ planned in per cent, two places, half up (0 for an item without plan)."""
    if not planned:
        return Decimal("0.00")
    return (Decimal(completed) * 100 / Decimal(planned)).quantize(PERCENT, rounding=ROUND_HALF_UP)


@dataclass
class UnitTotal:
    unit: str
    completed: Decimal = Decimal("0")
    planned: Decimal = Decimal("0")

    @property
    def progress(self) -> Decimal:
        return item_progress(self.completed, self.planned)


@dataclass
class Cell:
    items: int = 0
    done: int = 0
    blocked: int = 0
    progress_sum: Decimal = Decimal("0")
    units: dict[str, UnitTotal] = field(default_factory=dict)

    def add(self, item) -> None:
        self.items += 1
        self.done += item.status == "done"
        self.blocked += item.status == "blocked"
        self.progress_sum += item_progress(item.completed_quantity, item.planned_quantity)
        total = self.units.setdefault(item.unit, UnitTotal(item.unit))
        total.completed += item.completed_quantity
        total.planned += item.planned_quantity

    @property
    def progress(self) -> Decimal | None:
        """The mean of the items' progress, per cent; None for an empty cell."""
        if not self.items:
            return None
        return (self.progress_sum / self.items).quantize(PERCENT, rounding=ROUND_HALF_UP)

    @property
    def unit_totals(self) -> list[UnitTotal]:
        return list(self.units.values())


@dataclass
class MatrixRow:
    code: str
    name: str
    cells: dict[str, Cell]
    total: Cell

    def cell_list(self, kinds: Sequence[str]) -> list[Cell]:
        return [self.cells[k] for k in kinds]


@dataclass
class Matrix:
    kinds: list[str]
    rows: list[MatrixRow]
    totals: dict[str, Cell]
    total: Cell
    blocked: list  # the blocked items, in region order

    @property
    def total_cells(self) -> list[Cell]:
        return [self.totals[k] for k in self.kinds]


def home_region(code: str, project_regions: Sequence[tuple[str, str]]) -> str | None:
    """The most specific of the project's regions that contains `code` (None when none does)."""
    containing = [c for c, _name in project_regions if code.startswith(region_prefix(c))]
    return max(containing, key=lambda c: len(region_prefix(c)), default=None)


def work_matrix(items: Iterable, project_regions: Sequence[tuple[str, str]], kinds: Sequence[str]) -> Matrix:
    """`items` have region_id, region (with .name), kind, unit, planned_quantity, completed_quantity, status;
    `project_regions` are (code, name) pairs. A region row appears when it is a project region or holds items."""
    rows: dict[str, MatrixRow] = {
        code: MatrixRow(code, name, {k: Cell() for k in kinds}, Cell()) for code, name in project_regions
    }
    totals = {k: Cell() for k in kinds}
    total = Cell()
    blocked = []
    for item in items:
        home = home_region(item.region_id, project_regions) or item.region_id
        if home not in rows:  # outside the project's regions (they changed after the item was made)
            rows[home] = MatrixRow(home, item.region.name, {k: Cell() for k in kinds}, Cell())
        row = rows[home]
        if item.kind in row.cells:
            row.cells[item.kind].add(item)
            totals[item.kind].add(item)
        row.total.add(item)
        total.add(item)
        if item.status == "blocked":
            blocked.append(item)
    ordered = sorted(rows.values(), key=lambda r: r.code)
    blocked.sort(key=lambda i: (i.region_id, i.kind, i.pk or 0))
    return Matrix(kinds=list(kinds), rows=ordered, totals=totals, total=total, blocked=blocked)
