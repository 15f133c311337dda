"""Demo data of this part, created by `projects.demo.seed()` after the demo province exists: for each
construction-phase demo project, the monthly investment plan from its planned start to its planned finish (an
S-curve) and the owner's reports from the planned start to last month — most projects somewhat behind plan, one
ahead, and one whose last month is not reported yet (so the late flag shows)."""

import datetime
import math
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from portal.accounts.models import User

from ..models import MonthlyProgress, Project, Stage
from .figures import month_add, month_range, month_start
from .selectors import CONSTRUCTION_STAGES

STEEPNESS = 8.0
# The project whose last month stays unreported, and the one ahead of plan.
UNREPORTED = "衢州机场迁建工程"
AHEAD = "宁波西枢纽保障性租赁住房"
NOTES = {
    1: "春节前后部分工点停工，农民工返乡，产值偏低。",
    2: "节后复工，劳动力逐步到位。",
    7: "受台风“梅花”影响，沿线工点停工4天。",
    8: "高温天气错峰施工，混凝土浇筑安排在夜间。",
    10: "主体结构施工全面推进，完成月度形象进度目标。",
}


def s_curve(t: float) -> float:
    """The share of the whole done at `t` (0 → 0, 1 → 1), logistic: slow start, fast middle, slow finish."""
    t = min(max(t, 0.0), 1.0)
    low, high = 1 / (1 + math.exp(STEEPNESS / 2)), 1 / (1 + math.exp(-STEEPNESS / 2))
    return (1 / (1 + math.exp(-STEEPNESS * (t - 0.5))) - low) / (high - low)


def _stretch_for(share: float, elapsed: int) -> float:
    """The length (months) of an S-curve that has reached `share` after `elapsed` months (bisection)."""
    low, high = 1.0, 2000.0
    for _ in range(80):
        mid = (low + high) / 2
        if s_curve(elapsed / mid) > share:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def _money(value: float) -> Decimal:
    """Rounded to 100 元, as owners report in 万元 with two places."""
    return (Decimal(str(value)) / 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP) * 100


def _rows_for(project: Project, today: datetime.date, reporter: User) -> list[MonthlyProgress]:
    total = float(project.total_investment)
    start = month_start(project.planned_start)
    finish = month_start(project.planned_finish or month_add(start, 47))
    last = month_add(month_start(today), -1)
    plan_months = month_range(start, finish)
    n_plan = len(plan_months)
    planned = {}
    previous = Decimal("0")
    for i, month in enumerate(plan_months, 1):
        cumulative = _money(total * s_curve(i / n_plan)) if i < n_plan else project.total_investment
        planned[month] = cumulative - previous
        previous = cumulative

    report_months = month_range(start, last)
    if project.name == UNREPORTED:
        report_months = report_months[:-1]
    elapsed = len(report_months)
    plan_share = s_curve(min(elapsed / n_plan, 1.0))
    variant = project.pk % 5
    if project.stage == Stage.PREPARATION:
        share, physical_top = 0.02 + 0.01 * variant, 0.0
    elif project.stage == Stage.COMPLETION_ACCEPTANCE:
        share, physical_top = 0.965, 100.0
    else:
        factor = 1.04 if project.name == AHEAD else (0.80, 0.86, 0.9, 0.94, 0.97)[variant]
        share, physical_top = min(plan_share * factor, 0.93), None
    length = _stretch_for(share, elapsed) if 0 < share < 0.999 else float(max(elapsed, 1))

    rows, done, physical_before = [], Decimal("0"), Decimal("0")
    for i, month in enumerate(report_months, 1):
        wobble = 1 + 0.18 * math.sin(i * 1.7 + project.pk)  # month-to-month swings around the curve
        target = total * s_curve(i / length)
        completed = max(_money((target - float(done)) * (wobble if i < elapsed else 1)), Decimal("0"))
        completed = min(completed, project.total_investment - done)
        done += completed
        if physical_top is None:
            physical = Decimal(str(min(99.0, 100 * s_curve(i / (length * 1.03)))))
        elif physical_top == 0:
            physical = Decimal(str(min(3.0, i * 0.15)))
        else:
            physical = Decimal(str(100 * s_curve(i / elapsed)))
        physical = max(physical.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), physical_before)
        physical_before = physical
        note = NOTES.get(month.month, "") if i % 2 == 0 else ""
        reported_at = timezone.make_aware(datetime.datetime.combine(month_add(month, 1).replace(day=8),
                                                                    datetime.time(16, 30)))
        rows.append(MonthlyProgress(
            project=project, month=month, planned_investment=planned.get(month, Decimal("0")),
            completed_investment=completed, physical_progress=physical, note=note, reported_by=reporter,
            reported_at=reported_at,
        ))
    reported = {r.month for r in rows}
    rows += [MonthlyProgress(project=project, month=m, planned_investment=p) for m, p in planned.items()
             if m not in reported and p > 0]
    return rows


@transaction.atomic
def seed() -> dict:
    today = timezone.localdate()
    projects = (Project.objects.active().filter(stage__in=CONSTRUCTION_STAGES, planned_start__isnull=False)
                .exclude(monthly_progress__isnull=False).select_related("owner").order_by("pk"))
    staff = User.objects.filter(username="staff").first()
    created = 0
    for project in projects:
        if project.planned_start >= month_start(today):
            continue
        reporter = (User.objects.filter(organization=project.owner, is_active=True).order_by("-is_org_head", "pk")
                    .first() or staff)
        rows = _rows_for(project, today, reporter)
        MonthlyProgress.objects.bulk_create(rows, batch_size=500)
        created += len(rows)
    return {"monthly_progress": MonthlyProgress.objects.count(), "monthly_progress_created": created}
