"""Reads of the schedule, each in a fixed number of queries whatever the number of tasks: the analysed task list
(the schedule page, the task API, the Gantt JSON, the Excel export), baselines, the responsibility matrix, and the
tasks an organisation owes across the projects it may see."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from portal.accounts.models import Organization, User
from portal.core import policy

from ..models import (
    BaselineTask,
    Project,
    ProjectParticipant,
    ResponsibilityKind,
    ScheduleBaseline,
    ScheduleTask,
    TaskDependency,
    TaskResponsibility,
)
from . import cpm
from .permissions import REPORTING_KINDS, owed_task_ids
from .rules import Link, Predecessor, format_predecessors


def planned_task(task: ScheduleTask, baseline_finish: datetime.date | None = None) -> cpm.PlannedTask:
    return cpm.PlannedTask(
        key=task.wbs, planned_start=task.planned_start, planned_finish=task.planned_finish,
        is_milestone=task.is_milestone, actual_start=task.actual_start, actual_finish=task.actual_finish,
        percent_complete=task.percent_complete, baseline_finish=baseline_finish,
    )


@dataclass
class TaskRow:
    task: ScheduleTask
    predecessors: list[Predecessor]
    analysis: cpm.TaskAnalysis
    status: str
    is_summary: bool
    baseline_start: datetime.date | None = None
    baseline_finish: datetime.date | None = None
    cells: dict[str, list[Organization]] = field(default_factory=dict)

    @property
    def level(self) -> int:
        return self.task.level

    @property
    def predecessors_text(self) -> str:
        return format_predecessors(self.predecessors)

    def names(self, kind: str) -> str:
        return "、".join(o.name for o in self.cells.get(kind, []))

    @property
    def responsible(self) -> str:
        return self.names(ResponsibilityKind.RESPONSIBLE)

    @property
    def accountable(self) -> str:
        return self.names(ResponsibilityKind.ACCOUNTABLE)

    @property
    def consulted(self) -> str:
        return self.names(ResponsibilityKind.CONSULTED)

    @property
    def informed(self) -> str:
        return self.names(ResponsibilityKind.INFORMED)


@dataclass
class ScheduleView:
    project: Project
    today: datetime.date
    rows: list[TaskRow]
    summary: cpm.ScheduleAnalysis
    baseline: ScheduleBaseline | None


def project_tasks(*, project: Project) -> QuerySet[ScheduleTask]:
    return ScheduleTask.objects.active().filter(project=project).order_by("sort_key", "id")


def project_links(*, project: Project) -> list[tuple[int, int, int]]:
    """(predecessor id, successor id, lag) of every link between the project's active tasks."""
    return list(TaskDependency.objects.filter(successor__project=project, successor__voided_at__isnull=True,
                                              predecessor__voided_at__isnull=True)
                .values_list("predecessor_id", "successor_id", "lag_days"))


def latest_baseline(*, project: Project) -> ScheduleBaseline | None:
    return ScheduleBaseline.objects.filter(project=project).select_related("created_by").order_by(
        "-created_at", "-id").first()


def responsibility_cells(*, tasks) -> dict[int, dict[str, list[Organization]]]:
    """{task id: {kind: [organisations]}} in one query."""
    cells: dict[int, dict[str, list[Organization]]] = defaultdict(lambda: defaultdict(list))
    for r in TaskResponsibility.objects.filter(task__in=tasks).select_related("organization").order_by(
            "organization__name"):
        cells[r.task_id][r.kind].append(r.organization)
    return cells


def schedule_view(*, project: Project, today: datetime.date | None = None, with_responsibilities: bool = False
                  ) -> ScheduleView:
    """Every active task of the project in WBS order with its predecessors, baseline dates, float, forecast,
    variance and flags; and the project-level figures. Four queries (five with the responsibilities)."""
    today = today or timezone.localdate()
    tasks = list(project_tasks(project=project))
    by_id = {t.pk: t for t in tasks}
    predecessors: dict[int, list[Predecessor]] = defaultdict(list)
    links = []
    for pred_id, succ_id, lag in project_links(project=project):
        if pred_id in by_id and succ_id in by_id:
            predecessors[succ_id].append(Predecessor(by_id[pred_id].wbs, lag))
            links.append(Link(by_id[pred_id].wbs, by_id[succ_id].wbs, lag))
    baseline = latest_baseline(project=project)
    frozen: dict[int, tuple[datetime.date, datetime.date]] = {}
    if baseline is not None:
        frozen = {t: (s, f) for t, s, f in BaselineTask.objects.filter(baseline=baseline).values_list(
            "task_id", "planned_start", "planned_finish")}
    plans = [planned_task(t, frozen.get(t.pk, (None, None))[1]) for t in tasks]
    summary = cpm.analyse(plans, links, today)
    summaries = {p.key for p in plans} - {p.key for p in cpm.leaves(plans)}
    cells = responsibility_cells(tasks=tasks) if with_responsibilities else {}
    rows = []
    for task, plan in zip(tasks, plans, strict=True):
        analysis = summary.tasks[task.wbs]
        start, finish = frozen.get(task.pk, (None, None))
        rows.append(TaskRow(task=task, predecessors=predecessors.get(task.pk, []), analysis=analysis,
                            status=cpm.task_status(plan, analysis), is_summary=task.wbs in summaries,
                            baseline_start=start, baseline_finish=finish, cells=cells.get(task.pk, {})))
    return ScheduleView(project=project, today=today, rows=rows, summary=summary, baseline=baseline)


def reportable_task_ids(*, user: User, project: Project) -> set[int] | None:
    """The project's tasks whose progress `user` may report; None meaning all of them (a manager)."""
    if policy.can(user, "manage", project):
        return None
    if user.organization_id is None or project.voided_at is not None:
        return set()
    return set(ScheduleTask.objects.active().filter(project=project, pk__in=owed_task_ids(user.organization_id))
               .values_list("pk", flat=True))


def baseline_list(*, project: Project) -> QuerySet[ScheduleBaseline]:
    return (ScheduleBaseline.objects.filter(project=project).select_related("created_by")
            .annotate(task_count=Count("tasks")).order_by("-created_at", "-id"))


def task_detail(*, project: Project, task_pk: int) -> ScheduleTask | None:
    return ScheduleTask.objects.filter(project=project, pk=task_pk).first()


def task_neighbours(*, task: ScheduleTask) -> tuple[list[TaskDependency], list[TaskDependency]]:
    """The task's predecessor and successor links among active tasks."""
    preds = list(TaskDependency.objects.filter(successor=task, predecessor__voided_at__isnull=True)
                 .select_related("predecessor").order_by("predecessor__sort_key"))
    succs = list(TaskDependency.objects.filter(predecessor=task, successor__voided_at__isnull=True)
                 .select_related("successor").order_by("successor__sort_key"))
    return preds, succs


@dataclass
class RaciColumn:
    organization: Organization
    roles: list[str]


@dataclass
class RaciMatrix:
    columns: list[RaciColumn]
    rows: list[tuple[ScheduleTask, list[tuple[Organization, set[str]]]]]
    former: list[Organization]  # organisations holding letters that no longer take part


def raci_matrix(*, project: Project) -> RaciMatrix:
    """Tasks × participating organisations, each cell the set of letters the organisation holds. Three queries."""
    roles: dict[int, list[str]] = defaultdict(list)
    organizations: dict[int, Organization] = {}
    for participant in (ProjectParticipant.objects.active().filter(project=project).select_related("organization")
                        .order_by("role", "organization__name")):
        organizations.setdefault(participant.organization_id, participant.organization)
        label = str(participant.get_role_display())
        if label not in roles[participant.organization_id]:
            roles[participant.organization_id].append(label)
    tasks = list(project_tasks(project=project))
    cells: dict[tuple[int, int], set[str]] = defaultdict(set)
    former: dict[int, Organization] = {}
    for r in TaskResponsibility.objects.filter(task__in=tasks).select_related("organization"):
        cells[(r.task_id, r.organization_id)].add(r.kind)
        if r.organization_id not in organizations:
            former[r.organization_id] = r.organization
    columns = [RaciColumn(o, roles[o.pk]) for o in organizations.values()]
    rows = [(t, [(c.organization, cells.get((t.pk, c.organization.pk), set())) for c in columns]) for t in tasks]
    return RaciMatrix(columns=columns, rows=rows, former=list(former.values()))


@dataclass
class OwedTask:
    task: ScheduleTask
    kinds: str
    late: bool
    forecast_finish: datetime.date


def owed_tasks(*, user: User, organization_id: int | None, open_only: bool = True) -> QuerySet[ScheduleTask]:
    """The active tasks of the active projects `user` may see for which the organisation is responsible or
    accountable, soonest due first; each with `owed` (its R/A rows) prefetched."""
    if organization_id is None:
        return ScheduleTask.objects.none()
    qs = policy.visible(user, ScheduleTask.objects.active()).filter(
        project__voided_at__isnull=True, pk__in=owed_task_ids(organization_id))
    if open_only:
        qs = qs.filter(percent_complete__lt=100)
    mine = TaskResponsibility.objects.filter(organization_id=organization_id, kind__in=REPORTING_KINDS)
    return (qs.select_related("project").prefetch_related(Prefetch("responsibilities", queryset=mine, to_attr="owed"))
            .order_by("planned_finish", "project_id", "sort_key", "id"))


def owed_counts(*, user: User, today: datetime.date | None = None) -> dict[str, int]:
    """{"open": n, "late": m}: the unfinished tasks the user's organisation owes and how many of them are late (as
    `cpm.is_late` decides, in SQL) — for a card on the home page. One query."""
    today = today or timezone.localdate()
    late = (Q(planned_finish__lt=today) | Q(actual_start__gt=F("planned_start"))
            | Q(actual_start__isnull=True, planned_start__lt=today))
    qs = owed_tasks(user=user, organization_id=user.organization_id).order_by()
    return qs.aggregate(open=Count("pk"), late=Count("pk", filter=late))


def owed_rows(tasks, today: datetime.date | None = None) -> list[OwedTask]:
    today = today or timezone.localdate()
    order = {k: i for i, k in enumerate(ResponsibilityKind.values)}
    rank = cast(Callable[[str], int], order.get)  # every kind is a ResponsibilityKind
    rows = []
    for task in tasks:
        plan = planned_task(task)
        kinds = "".join(sorted({r.kind for r in task.owed}, key=rank))
        rows.append(OwedTask(task=task, kinds=kinds, late=cpm.is_late(plan, today),
                             forecast_finish=cpm.forecast_finish(plan, today)))
    return rows
