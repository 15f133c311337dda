"""The arithmetic of a schedule, as pure functions over plain values (no database, no clock: `today` is passed in).

Definitions (what the pages, the Gantt, the Excel export and the API show):

- **Duration** of a task, for the critical path: planned finish − planned start in days (a milestone: 0). With the
  finish-to-start rule "a successor starts no earlier than its predecessor's planned finish + lag", a successor's
  earliest start is its predecessors' earliest finish + lag.
- **Critical path** (CPM): forward pass — a task without predecessors starts at its own planned start (nothing else
  holds it), one with predecessors at the latest of their earliest finish + lag; backward pass — a task without
  successors may finish as late as the project's earliest finish, one with successors by the earliest of their
  latest start − lag. **Total float** = latest start − earliest start (never negative here). **Critical** = float 0.
  The network is made of the leaf tasks: a summary task (one with sub-tasks in the WBS) spans its sub-tasks, a
  link to or from it binds each of its leaves, and it carries the smallest float of its unfinished sub-tasks (of
  all of them once finished) — critical when a part of it still to be done is.
- **Forecast finish**: the actual finish of a finished task; otherwise the latest of its planned finish, its
  (actual, or else expected) start + its planned duration, and today — an unfinished task finishes today at the
  earliest. The expected start of a task not yet started is its planned start, or today if that has passed.
- **Schedule variance** (days) = forecast finish − finish in the latest baseline; positive = behind the baseline.
  None for a task that is not in the baseline (or when there is no baseline).
- **Late**: not 100% complete, and either its planned finish has passed (planned finish < today) or it started
  later than planned (actual start after the planned start, or no actual start although the planned start has
  passed). **Critical late** = late and critical: the items the page and the Gantt highlight.
- **Project % complete** = Σ(% complete × planned days) ÷ Σ planned days over the leaf tasks (summary tasks would
  count their sub-tasks twice; milestones weigh nothing), planned days = finish − start + 1. **Planned % by today**
  is the same weighting of each leaf's planned share of its own days elapsed by today.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .rules import Link, expand_links, summary_leaves, wbs_is_ancestor, wbs_sort_key


class CycleError(ValueError):
    def __init__(self, cycle: list[str]) -> None:
        super().__init__(" → ".join(cycle))
        self.cycle = cycle


@dataclass(frozen=True)
class PlannedTask:
    """The values of one task the arithmetic reads. `key` is the WBS code."""

    key: str
    planned_start: datetime.date
    planned_finish: datetime.date
    is_milestone: bool = False
    actual_start: datetime.date | None = None
    actual_finish: datetime.date | None = None
    percent_complete: int = 0
    baseline_finish: datetime.date | None = None

    @property
    def duration(self) -> int:
        """Days from planned start to planned finish (CPM duration; a milestone has 0)."""
        return 0 if self.is_milestone else (self.planned_finish - self.planned_start).days

    @property
    def planned_days(self) -> int:
        """Calendar days of work, both ends counted (the weight in the project % complete); a milestone 0."""
        return 0 if self.is_milestone else (self.planned_finish - self.planned_start).days + 1

    @property
    def is_complete(self) -> bool:
        return self.percent_complete >= 100


@dataclass(frozen=True)
class Float:
    earliest_start: datetime.date
    earliest_finish: datetime.date
    latest_start: datetime.date
    latest_finish: datetime.date
    total_float: int

    @property
    def critical(self) -> bool:
        return self.total_float == 0


def _topological(keys: Sequence[str], links: Sequence[Link]) -> list[str]:
    """Keys in dependency order (Kahn); raises CycleError with one cycle if there is any."""
    incoming = {k: 0 for k in keys}
    outgoing: dict[str, list[str]] = {k: [] for k in keys}
    for link in links:
        outgoing[link.predecessor].append(link.successor)
        incoming[link.successor] += 1
    ready = sorted((k for k, n in incoming.items() if n == 0), key=wbs_sort_key, reverse=True)
    order = []
    while ready:
        key = ready.pop()
        order.append(key)
        for succ in outgoing[key]:
            incoming[succ] -= 1
            if incoming[succ] == 0:
                ready.append(succ)
    if len(order) != len(keys):
        from .rules import find_cycle

        raise CycleError(find_cycle(links) or [])
    return order


def critical_path(tasks: Iterable[PlannedTask], links: Iterable[Link]) -> dict[str, Float]:
    """CPM over the planned durations and the finish-to-start links (see the module docstring). Links naming an
    unknown task are ignored. Raises CycleError if the links form a cycle."""
    everything = {t.key: t for t in tasks}
    if not everything:
        return {}
    # The network is made of the leaf tasks: a summary task spans its sub-tasks, so a link to or from it stands
    # for links to or from each of its leaves (anchored at its own dates, a summary alone would be the longest
    # path).
    summaries = summary_leaves(everything)
    by_key = {k: t for k, t in everything.items() if k not in summaries}
    links = expand_links(links, everything)
    preds: dict[str, list[Link]] = {k: [] for k in by_key}
    succs: dict[str, list[Link]] = {k: [] for k in by_key}
    for link in links:
        preds[link.successor].append(link)
        succs[link.predecessor].append(link)
    order = _topological(list(by_key), links)

    es: dict[str, int] = {}
    ef: dict[str, int] = {}
    for key in order:
        task = by_key[key]
        if preds[key]:
            es[key] = max(ef[lk.predecessor] + lk.lag_days for lk in preds[key])
        else:
            es[key] = task.planned_start.toordinal()
        ef[key] = es[key] + task.duration
    project_finish = max(ef.values())
    ls: dict[str, int] = {}
    lf: dict[str, int] = {}
    for key in reversed(order):
        if succs[key]:
            lf[key] = min(ls[lk.successor] - lk.lag_days for lk in succs[key])
        else:
            lf[key] = project_finish
        ls[key] = lf[key] - by_key[key].duration
    floats = {k: ls[k] - es[k] for k in by_key}
    # A summary task spans its leaves and is as critical as its most critical part still to be done (once a
    # critical sub-task is finished, the summary is critical only if what remains of it is).
    for key, leaves_below in summaries.items():
        es[key], ef[key] = min(es[d] for d in leaves_below), max(ef[d] for d in leaves_below)
        ls[key], lf[key] = min(ls[d] for d in leaves_below), max(lf[d] for d in leaves_below)
        remaining = [d for d in leaves_below if not by_key[d].is_complete] or leaves_below
        floats[key] = min(floats[d] for d in remaining)
    day = datetime.date.fromordinal
    return {k: Float(day(es[k]), day(ef[k]), day(ls[k]), day(lf[k]), floats[k]) for k in everything}


def forecast_finish(task: PlannedTask, today: datetime.date) -> datetime.date:
    if task.actual_finish is not None:
        return task.actual_finish
    start = task.actual_start or max(task.planned_start, today)
    return max(task.planned_finish, start + datetime.timedelta(days=task.duration), today)


def variance_days(task: PlannedTask, today: datetime.date) -> int | None:
    """Forecast finish − baseline finish in days (positive = behind); None without a baseline finish."""
    if task.baseline_finish is None:
        return None
    return (forecast_finish(task, today) - task.baseline_finish).days


def is_late(task: PlannedTask, today: datetime.date) -> bool:
    if task.is_complete:
        return False
    if task.planned_finish < today:
        return True
    if task.actual_start is not None:
        return task.actual_start > task.planned_start
    return task.planned_start < today


def planned_percent(task: PlannedTask, today: datetime.date) -> float:
    """The share of its planned days a task should have done by the end of `today`, in %."""
    if today < task.planned_start:
        return 0.0
    if today >= task.planned_finish:
        return 100.0
    return 100.0 * ((today - task.planned_start).days + 1) / task.planned_days


def leaves(tasks: Sequence[PlannedTask]) -> list[PlannedTask]:
    """The tasks without sub-tasks in the WBS."""
    keys = sorted((t.key for t in tasks), key=wbs_sort_key)
    parents = {a for a, b in zip(keys, keys[1:], strict=False) if wbs_is_ancestor(a, b)}
    return [t for t in tasks if t.key not in parents]


def weighted_percent(tasks: Sequence[PlannedTask], value=lambda t: t.percent_complete) -> float | None:
    """Σ(value × planned days) ÷ Σ planned days over the leaf tasks, one decimal; a plain mean if every leaf is a
    milestone; None for an empty schedule."""
    rows = leaves(tasks)
    if not rows:
        return None
    weight = sum(t.planned_days for t in rows)
    if weight == 0:
        return round(sum(value(t) for t in rows) / len(rows), 1)
    return round(sum(value(t) * t.planned_days for t in rows) / weight, 1)


STATUS_COMPLETE, STATUS_ON_TRACK, STATUS_LATE, STATUS_CRITICAL, STATUS_CRITICAL_LATE = (
    "complete", "on_track", "late", "critical", "critical_late")


@dataclass(frozen=True)
class TaskAnalysis:
    key: str
    float: Float | None
    forecast_finish: datetime.date
    variance_days: int | None
    late: bool

    @property
    def critical(self) -> bool:
        return self.float is not None and self.float.critical

    @property
    def critical_late(self) -> bool:
        return self.critical and self.late


def task_status(task: PlannedTask, analysis: TaskAnalysis) -> str:
    """The colour of a bar: complete, critical late, late, critical (on the critical path, not late), on track."""
    if task.is_complete:
        return STATUS_COMPLETE
    if analysis.critical_late:
        return STATUS_CRITICAL_LATE
    if analysis.late:
        return STATUS_LATE
    if analysis.critical:
        return STATUS_CRITICAL
    return STATUS_ON_TRACK


@dataclass
class ScheduleAnalysis:
    tasks: dict[str, TaskAnalysis] = field(default_factory=dict)
    percent_complete: float | None = None
    planned_percent: float | None = None
    forecast_finish: datetime.date | None = None
    baseline_finish: datetime.date | None = None
    variance_days: int | None = None
    late_count: int = 0
    critical_late_count: int = 0
    critical_count: int = 0
    cycle: list[str] | None = None


def analyse(tasks: Sequence[PlannedTask], links: Sequence[Link], today: datetime.date) -> ScheduleAnalysis:
    """Everything the schedule page shows, for every task and for the project. A cycle (which the services never
    let in) leaves the float unknown instead of failing the page."""
    result = ScheduleAnalysis()
    try:
        floats = critical_path(tasks, links)
    except CycleError as exc:
        floats, result.cycle = {}, exc.cycle
    for task in tasks:
        result.tasks[task.key] = TaskAnalysis(
            key=task.key, float=floats.get(task.key), forecast_finish=forecast_finish(task, today),
            variance_days=variance_days(task, today), late=is_late(task, today),
        )
    if not tasks:
        return result
    result.percent_complete = weighted_percent(tasks)
    result.planned_percent = weighted_percent(tasks, value=lambda t: planned_percent(t, today))
    result.forecast_finish = max(a.forecast_finish for a in result.tasks.values())
    baseline = [t.baseline_finish for t in tasks if t.baseline_finish is not None]
    if baseline:
        result.baseline_finish = max(baseline)
        result.variance_days = (result.forecast_finish - result.baseline_finish).days
    result.late_count = sum(1 for a in result.tasks.values() if a.late)
    result.critical_late_count = sum(1 for a in result.tasks.values() if a.critical_late)
    result.critical_count = sum(1 for a in result.tasks.values() if a.critical)
    return result
