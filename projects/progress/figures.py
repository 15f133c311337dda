"""The arithmetic of monthly progress as pure functions over plain values (no database, no settings), so each
figure can be checked by hand.

Definitions (amounts in 元, Decimal; percentages with two places, rounded half up):
- cumulative planned / completed at month M: the sum of the months up to and including M;
- investment completion rate (投资完成率) = cumulative completed ÷ the project's total investment;
- plan attainment (计划完成率) = cumulative completed ÷ cumulative planned, both to the latest reported month;
- month on month (环比) = (this month's completed − last month's) ÷ last month's completed.
A report is due by the 10th of the following month (`REPORT_DAY`); unreported after that, it is late.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

PERCENT = Decimal("0.01")
CENT = Decimal("0.01")
TEN_THOUSAND = Decimal(10000)
REPORT_DAY = 10  # the owner reports month M by the 10th of month M+1


def percent(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    """part ÷ whole in per cent, two places, half up; None when either is missing or the whole is zero."""
    if part is None or whole is None or whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(PERCENT, rounding=ROUND_HALF_UP)


def completion_rate(cumulative_completed: Decimal | None, total_investment: Decimal | None) -> Decimal | None:
    """投资完成率: cumulative completed investment ÷ total investment, in per cent."""
    return percent(cumulative_completed, total_investment)


def plan_attainment(cumulative_completed: Decimal | None, cumulative_planned: Decimal | None) -> Decimal | None:
    """Cumulative completed ÷ cumulative planned (to the same month), in per cent; above 100 is ahead of plan."""
    return percent(cumulative_completed, cumulative_planned)


def month_on_month(current: Decimal | None, previous: Decimal | None) -> Decimal | None:
    """环比: the change of a month's completed investment against the month before, in per cent."""
    if current is None or previous is None or previous == 0:
        return None
    return ((Decimal(current) - Decimal(previous)) * 100 / Decimal(previous)).quantize(PERCENT, rounding=ROUND_HALF_UP)


def yuan(value: Decimal) -> Decimal:
    """An amount in 元 with two places, half up."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def wan_to_yuan(value: Decimal) -> Decimal:
    return yuan(Decimal(value) * TEN_THOUSAND)


# ------------------------------------------------------------------------------------------------ months
def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_add(month: datetime.date, n: int) -> datetime.date:
    """The first day of the month `n` months after `month` (n may be negative)."""
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_range(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The first days of the months from `first` to `last`, both included (empty when last < first)."""
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = month_add(month, 1)
    return months


def report_due(month: datetime.date) -> datetime.date:
    """The last day the owner may report `month` without being late: the 10th of the following month."""
    return month_add(month, 1).replace(day=REPORT_DAY)


class ReportState:
    REPORTED = "reported"
    LATE = "late"  # past the due day, not reported
    DUE = "due"  # the month is over, the due day not yet passed
    OPEN = "open"  # the current month
    FUTURE = "future"


def report_state(month: datetime.date, reported: bool, today: datetime.date) -> str:
    if reported:
        return ReportState.REPORTED
    if month > month_start(today):
        return ReportState.FUTURE
    if month == month_start(today):
        return ReportState.OPEN
    return ReportState.LATE if today > report_due(month) else ReportState.DUE


# ------------------------------------------------------------------------------------------------ the table
@dataclass(frozen=True)
class MonthInput:
    month: datetime.date
    planned: Decimal = Decimal("0")
    completed: Decimal | None = None  # None: not reported
    physical: Decimal | None = None


@dataclass(frozen=True)
class MonthFigures:
    month: datetime.date
    planned: Decimal
    completed: Decimal | None
    physical: Decimal | None
    cumulative_planned: Decimal
    cumulative_completed: Decimal | None  # None after the latest reported month
    completion_rate: Decimal | None
    attainment: Decimal | None
    month_on_month: Decimal | None
    physical_change: Decimal | None  # percentage points gained this month
    state: str

    @property
    def reported(self) -> bool:
        return self.completed is not None

    @property
    def behind_plan(self) -> bool:
        return self.attainment is not None and self.attainment < 100


def month_figures(months: Iterable[MonthInput], total_investment: Decimal, today: datetime.date,
                  expected: Iterable[datetime.date] = ()) -> list[MonthFigures]:
    """One line per month, in month order: the given months plus the `expected` ones (months a report is due
    for) that have no input yet. Cumulative completed runs to the latest reported month only."""
    by_month = {m.month: m for m in months}
    for month in expected:
        by_month.setdefault(month, MonthInput(month=month))
    latest = max((m.month for m in by_month.values() if m.completed is not None), default=None)
    out: list[MonthFigures] = []
    cum_planned, cum_completed = Decimal("0"), Decimal("0")
    previous_completed: Decimal | None = None
    previous_physical: Decimal | None = None
    for month in sorted(by_month):
        m = by_month[month]
        cum_planned += m.planned
        reached = latest is not None and month <= latest
        if m.completed is not None:
            cum_completed += m.completed
        cumulative = cum_completed if reached else None
        out.append(MonthFigures(
            month=month, planned=m.planned, completed=m.completed, physical=m.physical,
            cumulative_planned=cum_planned, cumulative_completed=cumulative,
            completion_rate=completion_rate(cumulative, total_investment),
            attainment=plan_attainment(cumulative, cum_planned) if reached else None,
            month_on_month=month_on_month(m.completed, previous_completed),
            physical_change=(m.physical - previous_physical
                             if m.physical is not None and previous_physical is not None else None),
            state=report_state(month, m.completed is not None, today),
        ))
        previous_completed = m.completed
        if m.physical is not None:
            previous_physical = m.physical
    return out


@dataclass(frozen=True)
class ProgressSummary:
    latest_month: datetime.date | None
    cumulative_planned: Decimal  # to the latest reported month (all planned months when none is reported)
    cumulative_completed: Decimal
    completion_rate: Decimal | None
    attainment: Decimal | None
    physical_progress: Decimal | None
    planned_total: Decimal  # the whole plan, every month
    total_investment: Decimal

    @property
    def behind_plan(self) -> bool:
        return self.attainment is not None and self.attainment < 100


def progress_summary(figures: Sequence[MonthFigures], total_investment: Decimal) -> ProgressSummary:
    reported = [f for f in figures if f.reported]
    last = reported[-1] if reported else None
    planned_total = sum((f.planned for f in figures), Decimal("0"))
    completed = last.cumulative_completed if last else Decimal("0")
    planned = last.cumulative_planned if last else Decimal("0")
    return ProgressSummary(
        latest_month=last.month if last else None, cumulative_planned=planned, cumulative_completed=completed,
        completion_rate=completion_rate(completed, total_investment) if last else None,
        attainment=plan_attainment(completed, planned) if last else None,
        physical_progress=last.physical if last else None, planned_total=planned_total,
        total_investment=total_investment,
    )
