"""Closure statistics of the issue list (办结统计): the three figures the 接诉即办 assessments use, plus two.

For a period of days (in China Standard Time, both ends included), optionally one department and one category:

- response rate (响应率): issues signed for within the 2-working-hour promise (`sign_minutes` ≤
  SIGN_PROMISE_MINUTES) ÷ issues reported in the period;
- resolution rate (解决率): issues reported in the period that the company has confirmed solved (state verified or
  closed) ÷ issues reported in the period;
- satisfaction rate (满意率): satisfied ratings ÷ all ratings given in the period (IssueRating: the companies'
  verdicts on answers, "not solved" ones included, and the answers to call-backs), by the department rated;
  under SATISFACTION_LINE (85 %) a department fails (不达标);
- on-time rate (按期办结率): issues confirmed in the period on or before their due date (`on_time`) ÷ issues
  confirmed in the period;
- average working days to close (`close_workdays`: reported → confirmed) over the issues confirmed in the period,
  and to the first answer (`answer_workdays`) over the issues first answered in the period; the median working
  minutes to sign for the issues reported in the period (those signed for).

Voided issues count nowhere. A rate without a denominator is None (shown as "—"). Each figure is computed per
department (the responsible department; issues not assigned yet form their own row) and per category, with the
totals, and by month for the 12 months ending with the period's last month.

Who sees them: users whose view of issue items is global (bureau staff, leaders) every department; a department's
reviewers their own department's rows only; anyone else is refused (PermissionDenied).

Every figure is a grouped aggregate (conditional Count/Sum): the number of queries does not depend on the number
of issues. `closure_statistics_cached` keeps a result for a few minutes (shared by the users of one scope) and says
when it was computed ("数据截至 HH:MM")."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Least, TruncMonth
from django.utils import timezone

from portal.accounts.models import Organization, OrganizationKind, Role, User
from portal.core import policy

from .models import (
    SATISFACTION_LINE,
    SIGN_PROMISE_MINUTES,
    SOLVED_STATES,
    IssueCategory,
    IssueItem,
    IssueRating,
)

TREND_MONTHS = 12
CACHE_SECONDS = 5 * 60
CACHE_VERSION = 1
# Sign times above this many working minutes are counted as "more" in the median's histogram (a day of office).
MEDIAN_CAP = 480


@dataclass
class Figures:
    """The counts behind the rates of one row (a department, a category, a month, or the total)."""

    reported: int = 0
    responded: int = 0  # signed for within the promise
    solved: int = 0  # of those reported, confirmed solved
    confirmed: int = 0  # confirmed in the period
    on_time: int = 0
    close_sum: int = 0
    answered: int = 0  # first answered in the period
    answer_sum: int = 0
    ratings: int = 0
    satisfied: int = 0
    median_sign: float | None = None

    def add(self, other: Figures) -> None:
        for name in ("reported", "responded", "solved", "confirmed", "on_time", "close_sum", "answered",
                     "answer_sum", "ratings", "satisfied"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def response_rate(self) -> float | None:
        return self._rate(self.responded, self.reported)

    @property
    def resolution_rate(self) -> float | None:
        return self._rate(self.solved, self.reported)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._rate(self.satisfied, self.ratings)

    @property
    def on_time_rate(self) -> float | None:
        return self._rate(self.on_time, self.confirmed)

    @property
    def avg_close_workdays(self) -> float | None:
        return round(self.close_sum / self.confirmed, 1) if self.confirmed else None

    @property
    def avg_answer_workdays(self) -> float | None:
        return round(self.answer_sum / self.answered, 1) if self.answered else None

    @staticmethod
    def _shown(rate: float | None) -> str:
        return "—" if rate is None else f"{rate:.1f}%"

    @property
    def response_shown(self) -> str:
        return self._shown(self.response_rate)

    @property
    def resolution_shown(self) -> str:
        return self._shown(self.resolution_rate)

    @property
    def satisfaction_shown(self) -> str:
        return self._shown(self.satisfaction_rate)

    @property
    def on_time_shown(self) -> str:
        return self._shown(self.on_time_rate)

    @property
    def below_line(self) -> bool:
        """Under the 85 % satisfaction line (不达标)."""
        rate = self.satisfaction_rate
        return rate is not None and rate < SATISFACTION_LINE

    def as_dict(self) -> dict:
        return {"reported": self.reported, "responded": self.responded, "solved": self.solved,
                "confirmed": self.confirmed, "on_time": self.on_time, "ratings": self.ratings,
                "satisfied": self.satisfied, "response_rate": self.response_rate,
                "resolution_rate": self.resolution_rate, "satisfaction_rate": self.satisfaction_rate,
                "on_time_rate": self.on_time_rate, "avg_close_workdays": self.avg_close_workdays,
                "avg_answer_workdays": self.avg_answer_workdays, "median_sign_minutes": self.median_sign,
                "below_line": self.below_line}


@dataclass
class DepartmentRow(Figures):
    department_id: int | None = None
    name: str = ""  # "" for the issues not assigned yet


@dataclass
class CategoryRow(Figures):
    category: str = ""

    @property
    def label(self) -> str:
        return str(IssueCategory(self.category).label)


@dataclass
class MonthRow(Figures):
    month: datetime.date = datetime.date.min


@dataclass
class ClosureStatistics:
    """What `closure_statistics` answers: plain data (cacheable; labels are looked up when rendered)."""

    date_from: datetime.date
    date_to: datetime.date
    department_id: int | None
    category: str | None
    own_department_only: bool
    total: Figures
    departments: list[DepartmentRow]
    categories: list[CategoryRow]
    months: list[MonthRow]
    line: int = SATISFACTION_LINE
    promise_minutes: int = SIGN_PROMISE_MINUTES
    as_of: datetime.datetime | None = field(default=None)
    cache_key: str = ""  # set by closure_statistics_cached: names this result (and its rendered tables)

    @property
    def failing_departments(self) -> list[DepartmentRow]:
        return [r for r in self.departments if r.below_line and r.department_id is not None]


# ------------------------------------------------------------------------------------------------------- access
def statistics_scope(user: User) -> int | None:
    """None: every department (a global view of issue items); a department's pk: its reviewer sees only it.
    PermissionDenied for anyone else."""
    if not user.is_authenticated:
        raise PermissionDenied
    if policy.policy_for(IssueItem).has_global(user, "view"):
        return None
    if user.organization_id is not None and user.has_role(Role.DEPARTMENT_REVIEWER) and Organization.objects.filter(
            pk=user.organization_id, kind=OrganizationKind.DEPARTMENT).exists():
        return user.organization_id
    raise PermissionDenied


def may_see_statistics(user: User) -> bool:
    try:
        statistics_scope(user)
    except PermissionDenied:
        return False
    return True


def departments_for(user: User) -> QuerySet[Organization]:
    """The departments the user may pick in the filter."""
    own = statistics_scope(user)
    qs = Organization.objects.filter(kind=OrganizationKind.DEPARTMENT).order_by("name")
    return qs.filter(pk=own) if own is not None else qs


# ------------------------------------------------------------------------------------------------------ figures
def _moment(day: datetime.date) -> datetime.datetime:
    """The start of `day` in the portal's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _month_shift(month: datetime.date, months: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _scoped(user: User, own: int | None, department: int | None, category: str | None
            ) -> tuple[QuerySet[IssueItem], QuerySet[IssueRating]]:
    """The issues and the ratings counted: what the user sees, narrowed to the reviewer's own department, then
    to the filters. A rating counts for the department it rated (its own column: no join for that)."""
    issues = policy.visible(user, IssueItem.objects.filter(voided_at__isnull=True))
    ratings = IssueRating.objects.exclude(issue_id__in=IssueItem.objects.filter(voided_at__isnull=False).values("pk"))
    for dept in (own, department):
        if dept is not None:
            issues, ratings = issues.filter(department_id=dept), ratings.filter(department_id=dept)
    if category:
        issues, ratings = issues.filter(category=category), ratings.filter(issue__category=category)
    return issues, ratings


def _between(prefix: str, start: datetime.datetime, end: datetime.datetime) -> Q:
    return Q(**{f"{prefix}__gte": start, f"{prefix}__lt": end})


def _grouped(issues: QuerySet[IssueItem], ratings: QuerySet[IssueRating], start: datetime.datetime,
             end: datetime.datetime) -> dict[tuple, Figures]:
    """Figures per (department, category): one scan of the issues reported, confirmed or first answered in the
    period (conditional counts and sums), one of the ratings given in it."""
    found: dict[tuple, Figures] = defaultdict(Figures)
    reported, confirmed = _between("created_at", start, end), _between("verified_at", start, end)
    answered = _between("first_answer_at", start, end) & Q(answer_workdays__isnull=False)
    rows = issues.filter(reported | confirmed | answered).values("department_id", "category").annotate(
        reported=Count("pk", filter=reported),
        responded=Count("pk", filter=reported & Q(sign_minutes__lte=SIGN_PROMISE_MINUTES)),
        solved=Count("pk", filter=reported & Q(state__in=SOLVED_STATES)),
        confirmed=Count("pk", filter=confirmed), on_time=Count("pk", filter=confirmed & Q(on_time=True)),
        close_sum=Coalesce(Sum("close_workdays", filter=confirmed), Value(0)),
        answered=Count("pk", filter=answered),
        answer_sum=Coalesce(Sum("answer_workdays", filter=answered), Value(0)),
    ).order_by()
    for row in rows:
        f = found[(row["department_id"], row["category"])]
        for name in ("reported", "responded", "solved", "confirmed", "on_time", "close_sum", "answered",
                     "answer_sum"):
            setattr(f, name, row[name])
    rated = ratings.filter(_between("created_at", start, end)).values("department_id", "issue__category").annotate(
        n=Count("pk"), ok=Count("pk", filter=Q(satisfied=True))).order_by()
    for row in rated:
        f = found[(row["department_id"], row["issue__category"])]
        f.ratings, f.satisfied = row["n"], row["ok"]
    return found


def _median(histogram: Iterable[tuple[int, int]]) -> float | None:
    """The median of values given as (value, how many), sorted by value."""
    pairs = sorted(histogram)
    total = sum(n for _, n in pairs)
    if not total:
        return None
    wanted = [(total - 1) // 2, total // 2]  # the middle one, or the two middle ones
    values, seen = [], 0
    for value, n in pairs:
        while wanted and wanted[0] < seen + n:
            values.append(value)
            wanted.pop(0)
        seen += n
    return float(sum(values)) / len(values)


def _sign_medians(issues: QuerySet[IssueItem], start: datetime.datetime, end: datetime.datetime, key: str
                  ) -> tuple[dict, dict[int, int]]:
    """Median working minutes to sign, per `key` value and over all, from one histogram query (minutes above
    MEDIAN_CAP are counted as MEDIAN_CAP + 1: a median that high is shown as "more than a day")."""
    rows = issues.filter(_between("created_at", start, end), sign_minutes__isnull=False).annotate(
        m=Least(F("sign_minutes"), Value(MEDIAN_CAP + 1))).values(key, "m").annotate(n=Count("pk")).order_by()
    per: dict = defaultdict(list)
    overall: dict[int, int] = defaultdict(int)
    for row in rows:
        per[row[key]].append((row["m"], row["n"]))
        overall[row["m"]] += row["n"]
    return {k: _median(v) for k, v in per.items()}, overall


def closure_statistics(*, user: User, date_from: datetime.date, date_to: datetime.date,
                       department: Organization | int | None = None, category: str | None = None
                       ) -> ClosureStatistics:
    """The closure statistics the user may see (see the module) for the days `date_from` … `date_to` (both
    included), of one department (an Organization or its pk) and/or one category when given. Raises
    PermissionDenied for a user who may not see them, ValueError for a period that ends before it starts or an
    unknown category. A department reviewer asking for another department gets nothing but their own."""
    own = statistics_scope(user)
    if date_to < date_from:
        raise ValueError("date_to is before date_from")
    if category and category not in IssueCategory.values:
        raise ValueError(f"unknown category {category!r}")
    department_id = department.pk if isinstance(department, Organization) else department
    if own is not None and department_id not in (None, own):
        department_id = -1  # not theirs: no rows
    issues, ratings = _scoped(user, own, department_id, category or None)
    start, end = _moment(date_from), _moment(date_to + datetime.timedelta(days=1))

    cells = _grouped(issues, ratings, start, end)
    dept_medians, overall = _sign_medians(issues, start, end, "department_id")
    cat_medians, _overall = _sign_medians(issues, start, end, "category")

    total = Figures()
    by_dept: dict[int | None, DepartmentRow] = {}
    by_cat: dict[str, CategoryRow] = {}
    for (dept, cat), figures in cells.items():
        total.add(figures)
        by_dept.setdefault(dept, DepartmentRow(department_id=dept)).add(figures)
        by_cat.setdefault(cat, CategoryRow(category=cat)).add(figures)
    total.median_sign = _median(overall.items())
    names = dict(Organization.objects.filter(pk__in=[d for d in by_dept if d is not None]).values_list("pk", "name"))
    for dept, drow in by_dept.items():
        drow.name, drow.median_sign = names.get(dept, "") if dept is not None else "", dept_medians.get(dept)
    for cat, crow in by_cat.items():
        crow.median_sign = cat_medians.get(cat)
    departments = sorted(by_dept.values(), key=lambda r: (r.department_id is None, r.name))
    order = list(IssueCategory.values)
    categories = sorted((r for r in by_cat.values() if r.category in order), key=lambda r: order.index(r.category))

    months = _trend(issues, ratings, date_to.replace(day=1))
    return ClosureStatistics(date_from=date_from, date_to=date_to, department_id=department_id if department_id != -1
                             else own, category=category or None, own_department_only=own is not None,
                             total=total, departments=departments, categories=categories, months=months)


def _as_month(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value.replace(day=1)


def _trend(issues: QuerySet[IssueItem], ratings: QuerySet[IssueRating], last: datetime.date) -> list[MonthRow]:
    """The TREND_MONTHS months up to `last`: each issue counted in the month it was reported (response,
    resolution) and in the month it was confirmed (on time, working days to close) — one scan grouped by both
    months —, each rating in the month it was given (one more)."""
    first = _month_shift(last, -(TREND_MONTHS - 1))
    start, end = _moment(first), _moment(_month_shift(last, 1))
    rows = {_month_shift(first, i): MonthRow(month=_month_shift(first, i)) for i in range(TREND_MONTHS)}
    reported, confirmed = _between("created_at", start, end), _between("verified_at", start, end)
    for row in issues.filter(reported | confirmed).annotate(
            created=TruncMonth("created_at"), confirmed_in=TruncMonth("verified_at")).values(
            "created", "confirmed_in").annotate(
            n=Count("pk"), responded=Count("pk", filter=Q(sign_minutes__lte=SIGN_PROMISE_MINUTES)),
            solved=Count("pk", filter=Q(state__in=SOLVED_STATES)), on_time=Count("pk", filter=Q(on_time=True)),
            days=Coalesce(Sum("close_workdays"), Value(0))).order_by():
        if (m := rows.get(_as_month(row["created"]))) is not None:
            m.reported += row["n"]
            m.responded += row["responded"]
            m.solved += row["solved"]
        if row["confirmed_in"] is not None and (m := rows.get(_as_month(row["confirmed_in"]))) is not None:
            m.confirmed += row["n"]
            m.on_time += row["on_time"]
            m.close_sum += row["days"]
    for row in ratings.filter(_between("created_at", start, end)).annotate(month=TruncMonth("created_at")).values(
            "month").annotate(n=Count("pk"), ok=Count("pk", filter=Q(satisfied=True))).order_by():
        if (m := rows.get(_as_month(row["month"]))) is not None:
            m.ratings += row["n"]
            m.satisfied += row["ok"]
    return list(rows.values())


def closure_statistics_cached(*, user: User, date_from: datetime.date, date_to: datetime.date,
                              department: Organization | int | None = None, category: str | None = None
                              ) -> ClosureStatistics:
    """`closure_statistics`, kept CACHE_SECONDS in the cache per scope (every department, or one reviewer's
    department) and filters; `as_of` says when it was computed. Access is checked on every call."""
    own = statistics_scope(user)
    department_id = department.pk if isinstance(department, Organization) else department
    key = (f"coordination:stats:v{CACHE_VERSION}:{'all' if own is None else f'd{own}'}:{date_from}:{date_to}:"
           f"{department_id or '-'}:{category or '-'}")
    found = cache.get(key)
    if found is not None:
        return found
    result = closure_statistics(user=user, date_from=date_from, date_to=date_to, department=department_id,
                                category=category)
    result.as_of = timezone.now()
    result.cache_key = f"{key}:{result.as_of.timestamp()}"
    cache.set(key, result, CACHE_SECONDS)
    return result


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The 12 months up to and including the current one: (first day, today)."""
    return _month_shift(today.replace(day=1), -(TREND_MONTHS - 1)), today


def month_end(month: datetime.date) -> datetime.date:
    return _month_shift(month.replace(day=1), 1) - datetime.timedelta(days=1)
