"""Writes of the schedule: tasks and milestones, their finish-to-start dependencies, baselines, progress reports
and the responsibility matrix. Each runs in one transaction holding the project's row lock — so two writers of one
schedule never check the dependency rules against each other's half-done change — writes its audit event, and
notifies whom it concerns. Edits carry the task's `version` (optimistic lock): a save based on an older version is
refused instead of silently overwriting someone else's change."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import Organization, User
from portal.audit.models import AuditAction
from portal.audit.services import audit_record, audit_record_create, diff, snapshot
from portal.core.errors import ApplicationError
from portal.core.services import lock, object_void, stale_error, today, users_with_role
from portal.notifications.services import notify

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
from . import rules
from .rules import Link, Predecessor, TaskValues

PLAN_FIELDS = ("wbs", "name", "is_milestone", "planned_start", "planned_finish")
PROGRESS_FIELDS = ("actual_start", "actual_finish", "percent_complete", "note")
TASK_FIELDS = PLAN_FIELDS + PROGRESS_FIELDS
RACI_ORDER = "RACI"


def _invalid(problems: Mapping[str, str]) -> ApplicationError:
    message = next(iter(problems.values())) if len(problems) == 1 else _("Please correct the errors below.")
    return ApplicationError(message, {k: [v] for k, v in problems.items()})


def _values(task: ScheduleTask) -> TaskValues:
    return TaskValues(wbs=task.wbs, name=task.name, planned_start=task.planned_start,
                      planned_finish=task.planned_finish, is_milestone=task.is_milestone,
                      actual_start=task.actual_start, actual_finish=task.actual_finish,
                      percent_complete=task.percent_complete)


def _apply_milestone_defaults(task: ScheduleTask) -> None:
    task.planned_finish, task.actual_start, task.actual_finish = rules.milestone_defaults(
        is_milestone=task.is_milestone, planned_start=task.planned_start, planned_finish=task.planned_finish,
        actual_start=task.actual_start, actual_finish=task.actual_finish)


def _check_task(task: ScheduleTask) -> None:
    task.name = (task.name or "").strip()
    task.wbs = (task.wbs or "").strip()
    problems = rules.task_problems(_values(task), today=today())
    if problems:
        raise _invalid(problems)


def audit_task_created(*, actor: User, task: ScheduleTask, reason: str = "") -> None:
    """The creation event of a task: its own fields only (not the bookkeeping: sort key, version)."""
    values = {k: [None, v] for k, v in snapshot(task, TASK_FIELDS).items() if v not in (None, "")}
    audit_record(actor=actor, obj=task, action=AuditAction.CREATE, changes=values, reason=reason)


def predecessors_of(task: ScheduleTask) -> list[Predecessor]:
    links = TaskDependency.objects.filter(successor=task).select_related("predecessor")
    return [Predecessor(link.predecessor.wbs, link.lag_days) for link in links]


def _check_structure(project: Project, task: ScheduleTask, predecessors: list[Predecessor] | None,
                     old_wbs: str | None) -> dict[str, ScheduleTask]:
    """The rules between `task` (its new values, not yet saved) and the rest of the project's schedule: WBS unique,
    parent present, predecessors known, no cycle, and the finish-to-start dates both ways. Returns the project's
    other active tasks by WBS (to link the predecessors)."""
    others = {t.wbs: t for t in ScheduleTask.objects.active().filter(project=project).exclude(pk=task.pk or 0)
              .only("id", "wbs", "planned_start", "planned_finish")}
    if task.wbs in others:
        raise _invalid({"wbs": _("Task %(wbs)s already exists in this schedule.") % {"wbs": task.wbs}})
    parent = rules.wbs_parent(task.wbs)
    if parent is not None and parent not in others:
        raise _invalid({"wbs": _("Its parent task %(parent)s does not exist; add it first.") % {"parent": parent}})
    if old_wbs is not None and old_wbs != task.wbs and any(rules.wbs_is_ancestor(old_wbs, w) for w in others):
        raise _invalid({"wbs": _("Task %(wbs)s has sub-tasks, so its code cannot change.") % {"wbs": old_wbs}})
    if task.pk and old_wbs is not None and old_wbs != task.wbs and any(
            rules.wbs_is_ancestor(task.wbs, w) for w in others):
        raise _invalid({"wbs": _("Code %(wbs)s would adopt other tasks as its sub-tasks.") % {"wbs": task.wbs}})

    all_links = _project_links(project)
    ids = {t.pk: t.wbs for t in others.values()}
    graph = [Link(ids[p], ids[s], lag) for p, s, lag in all_links if p in ids and s in ids]
    if predecessors is None:
        predecessors = [Predecessor(ids[p], lag) for p, s, lag in all_links if task.pk and s == task.pk and p in ids]
    for pred in predecessors:
        if pred.wbs == task.wbs:
            raise _invalid({"predecessors": _("A task cannot be its own predecessor.")})
        if pred.wbs not in others:
            raise _invalid({"predecessors": _("Unknown task: %(wbs)s.") % {"wbs": pred.wbs}})
        if rules.wbs_is_ancestor(pred.wbs, task.wbs) or rules.wbs_is_ancestor(task.wbs, pred.wbs):
            raise _invalid({"predecessors": _("A task cannot depend on its own summary task or sub-task: "
                                              "%(wbs)s.") % {"wbs": pred.wbs}})
    mine = [Link(p.wbs, task.wbs, p.lag_days) for p in predecessors]
    successors = [Link(task.wbs, ids[s], lag) for p, s, lag in all_links if task.pk and p == task.pk and s in ids]
    network = [*graph, *mine, *successors]
    cycle = rules.find_cycle(network) or rules.find_cycle(rules.expand_links(network, [*others, task.wbs]))
    if cycle:
        raise _invalid({"predecessors": rules.format_cycle(cycle)})
    planned = {w: (t.planned_start, t.planned_finish) for w, t in others.items()}
    planned[task.wbs] = (task.planned_start, task.planned_finish)
    for violation in rules.link_violations(planned, mine):
        raise _invalid({"planned_start": violation.message_for_successor()})
    for violation in rules.link_violations(planned, successors):
        raise _invalid({"planned_finish": violation.message_for_predecessor()})
    return others


def _project_links(project: Project) -> list[tuple[int, int, int]]:
    return list(TaskDependency.objects.filter(successor__project=project, successor__voided_at__isnull=True,
                                              predecessor__voided_at__isnull=True)
                .values_list("predecessor_id", "successor_id", "lag_days"))


def set_predecessors(task: ScheduleTask, predecessors: list[Predecessor], by_wbs: Mapping[str, ScheduleTask]
                      ) -> tuple[str | None, str | None] | None:
    """Make the task's predecessor links exactly `predecessors` (caller holds the project's lock and has checked
    them; `by_wbs` has every predecessor's task); (old text, new text) if they changed."""
    current = {link.predecessor_id: link
               for link in TaskDependency.objects.filter(successor=task).select_related("predecessor")}
    wanted = {by_wbs[p.wbs].pk: p.lag_days for p in predecessors}
    old = rules.format_predecessors(Predecessor(lk.predecessor.wbs, lk.lag_days) for lk in current.values())
    changed = False
    for pid, link in current.items():
        if pid not in wanted:
            link.delete()
            changed = True
        elif link.lag_days != wanted[pid]:
            link.lag_days = wanted[pid]
            link.save(update_fields=["lag_days"])
            changed = True
    for pid, lag in wanted.items():
        if pid not in current:
            TaskDependency.objects.create(predecessor_id=pid, successor=task, lag_days=lag)
            changed = True
    if not changed:
        return None
    return old or None, rules.format_predecessors(predecessors) or None


@transaction.atomic
def task_create(*, actor: User, project: Project, predecessors: Iterable[Predecessor] = (), **fields: Any
                ) -> ScheduleTask:
    unknown = set(fields) - set(TASK_FIELDS)
    if unknown:
        raise TypeError(f"unknown task fields: {sorted(unknown)}")
    project = lock(project)
    task = ScheduleTask(project=project, **fields)
    if task.percent_complete is None:
        task.percent_complete = 0
    _apply_milestone_defaults(task)
    _check_task(task)
    predecessors = list(predecessors)
    others = _check_structure(project, task, predecessors, old_wbs=None)
    task.save()
    audit_task_created(actor=actor, task=task)
    change = set_predecessors(task, predecessors, others)
    if change:
        audit_record(actor=actor, obj=task, action=AuditAction.UPDATE, changes={"predecessor_links": [None, change[1]]})
    return task


def _task_change(*, actor: User, task: ScheduleTask, version: int, fields: Mapping[str, Any],
                 predecessors: Iterable[Predecessor] | None, reason: str = "") -> ScheduleTask:
    """Caller holds the transaction. Lock, compare the version, apply, check, save with the next version."""
    project = lock(Project, task.project_id)
    locked = lock(task)
    if version is None or int(version) != locked.version:
        raise stale_error()
    before = snapshot(locked)
    old_wbs = locked.wbs
    for key, value in fields.items():
        setattr(locked, key, value)
    if locked.percent_complete is None:
        locked.percent_complete = 0
    _apply_milestone_defaults(locked)
    _check_task(locked)
    predecessors = list(predecessors) if predecessors is not None else None
    others = _check_structure(project, locked, predecessors, old_wbs=old_wbs)
    changes = diff(before, snapshot(locked))
    changes.pop("sort_key", None)
    changes.pop("version", None)
    if changes:
        locked.version += 1
        locked.save()
    if predecessors is not None:
        change = set_predecessors(locked, predecessors, others)
        if change:
            changes["predecessor_links"] = list(change)
            if locked.version == before["version"]:
                locked.version += 1
                locked.save(update_fields=["version", "updated_at"])
    if changes:
        audit_record(actor=actor, obj=locked, action=AuditAction.UPDATE, changes=changes, reason=reason)
    return locked


@transaction.atomic
def task_update(*, actor: User, task: ScheduleTask, version: int, predecessors: Iterable[Predecessor] | None = None,
                **fields: Any) -> ScheduleTask:
    """Change a task's plan and progress. `version` is the one the editor started from."""
    unknown = set(fields) - set(TASK_FIELDS)
    if unknown:
        raise TypeError(f"unknown task fields: {sorted(unknown)}")
    return _task_change(actor=actor, task=task, version=version, fields=fields, predecessors=predecessors)


@transaction.atomic
def task_report_progress(*, actor: User, task: ScheduleTask, version: int, percent_complete: int,
                         actual_start: datetime.date | None, actual_finish: datetime.date | None,
                         note: str | None = None) -> ScheduleTask:
    """Progress of a task — % complete and actual dates (and its note) — reported by whoever may `report` it: the
    project's managers and the organisations responsible or accountable for the task. Never the plan."""
    fields: dict[str, Any] = {"percent_complete": percent_complete, "actual_start": actual_start,
                              "actual_finish": actual_finish}
    if note is not None:
        fields["note"] = note
    lock(Project, task.project_id)  # the project before the task, as every writer of the schedule does
    was_complete = lock(task).is_complete
    locked = _task_change(actor=actor, task=task, version=version, fields=fields, predecessors=None,
                          reason=_("Progress report"))
    project = locked.project
    if locked.is_complete and not was_complete and actor.organization_id != project.owner_id:
        owners = users_with_role(organizations=[project.owner_id])
        notify(recipients=owners, event_key=f"schedule:task:{locked.pk}:complete:{locked.version}",
               title=_("%(org)s reported %(task)s of %(project)s complete") % {
                   "org": actor.organization or actor, "task": locked, "project": project.name},
               url=task_url(locked), target=locked)
    return locked


def task_url(task: ScheduleTask) -> str:
    from django.urls import reverse

    return reverse("projects:task", args=[task.project_id, task.pk])


@transaction.atomic
def task_void(*, actor: User, task: ScheduleTask, reason: str) -> ScheduleTask:
    """Void a task (it stays in the history). Its dependencies go with it; a summary task only once its
    sub-tasks are voided."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give a reason for voiding."), {"reason": [_("This field is required.")]})
    lock(Project, task.project_id)
    locked = lock(task, live=False)
    if locked.voided_at is not None:
        return locked
    children = ScheduleTask.objects.active().filter(project_id=locked.project_id, wbs__startswith=f"{locked.wbs}.")
    if children.exists():
        raise ApplicationError(_("Task %(wbs)s has sub-tasks; void them first.") % {"wbs": locked.wbs},
                               {"reason": [_("Void the sub-tasks first.")]})
    for link in TaskDependency.objects.filter(predecessor=locked).select_related("successor"):
        succ = lock(ScheduleTask, link.successor_id, live=False)
        old = rules.format_predecessors(predecessors_of(succ))
        link.delete()
        succ.version += 1
        succ.save(update_fields=["version", "updated_at"])
        audit_record(actor=actor, obj=succ, action=AuditAction.UPDATE, reason=reason,
                     changes={"predecessor_links": [old, rules.format_predecessors(predecessors_of(succ)) or None]})
    old = rules.format_predecessors(predecessors_of(locked))
    if old:
        TaskDependency.objects.filter(successor=locked).delete()
        audit_record(actor=actor, obj=locked, action=AuditAction.UPDATE, reason=reason,
                     changes={"predecessor_links": [old, None]})
    return object_void(actor=actor, obj=locked, reason=reason)


# ------------------------------------------------------------------------------------------------- dependencies
@transaction.atomic
def dependency_add(*, actor: User, successor: ScheduleTask, predecessor_wbs: str, lag_days: int = 0,
                   version: int | None = None) -> TaskDependency:
    """Link `predecessor_wbs` before `successor` (finish-to-start + lag). Idempotent for the same link."""
    lock(Project, successor.project_id)
    locked = lock(successor)
    current = predecessors_of(locked)
    wanted = [p for p in current if p.wbs != predecessor_wbs] + [Predecessor(predecessor_wbs.strip(), lag_days)]
    if Predecessor(predecessor_wbs, lag_days) in current:
        return TaskDependency.objects.get(successor=locked, predecessor__wbs=predecessor_wbs,
                                          predecessor__voided_at__isnull=True)
    _task_change(actor=actor, task=locked, version=locked.version if version is None else version, fields={},
                 predecessors=wanted)
    return TaskDependency.objects.select_related("predecessor", "successor").get(
        successor=locked, predecessor__wbs=predecessor_wbs, predecessor__voided_at__isnull=True)


@transaction.atomic
def dependency_remove(*, actor: User, dependency: TaskDependency, version: int | None = None) -> None:
    lock(Project, dependency.successor.project_id)
    succ = lock(dependency.successor)
    wanted = [p for p in predecessors_of(succ) if p.wbs != dependency.predecessor.wbs]
    _task_change(actor=actor, task=succ, version=succ.version if version is None else version, fields={},
                 predecessors=wanted)


# ------------------------------------------------------------------------------------------------- baselines
@transaction.atomic
def baseline_create(*, actor: User, project: Project, name: str, note: str = "") -> ScheduleBaseline:
    """Freeze every active task's planned dates; variance is measured against the latest baseline."""
    project = lock(project)
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Give the baseline a name."), {"name": [_("This field is required.")]})
    if len(name) > 100:
        raise ApplicationError(_("At most 100 characters."), {"name": [_("At most 100 characters.")]})
    tasks = list(ScheduleTask.objects.active().filter(project=project).only("id", "planned_start", "planned_finish"))
    if not tasks:
        raise ApplicationError(_("There are no tasks to save in a baseline yet."))
    baseline = ScheduleBaseline.objects.create(project=project, name=name, note=(note or "").strip(),
                                               created_by=actor)
    BaselineTask.objects.bulk_create([
        BaselineTask(baseline=baseline, task=t, planned_start=t.planned_start, planned_finish=t.planned_finish)
        for t in tasks
    ])
    audit_record_create(actor=actor, obj=baseline)
    audit_record(actor=actor, obj=project, action=AuditAction.UPDATE,
                 changes={"baselines": [None, _("%(name)s (%(n)s tasks)") % {"name": name, "n": len(tasks)}]})
    return baseline


# ------------------------------------------------------------------------------------------------- RACI
def participating_organizations(project: Project) -> list[Organization]:
    ids = ProjectParticipant.objects.active().filter(project=project).values("organization_id")
    return list(Organization.objects.filter(pk__in=ids).order_by("kind", "name"))


def _raci_text(cells: Mapping[int, set[str]], names: Mapping[int, str]) -> str | None:
    parts = [f"{names.get(org_id, org_id)}：{''.join(k for k in RACI_ORDER if k in kinds)}"
             for org_id, kinds in sorted(cells.items(), key=lambda kv: str(names.get(kv[0], kv[0]))) if kinds]
    return "；".join(parts) or None


def _current_cells(task: ScheduleTask) -> dict[int, set[str]]:
    cells: dict[int, set[str]] = {}
    for org_id, kind in TaskResponsibility.objects.filter(task=task).values_list("organization_id", "kind"):
        cells.setdefault(org_id, set()).add(kind)
    return cells


def replace_cells(*, actor: User, task: ScheduleTask, wanted: Mapping[int, set[str]],
                   names: Mapping[int, str]) -> bool:
    """Caller holds the task's row lock and has checked `wanted`. Returns whether anything changed."""
    current = _current_cells(task)
    wanted = {o: set(k) for o, k in wanted.items() if k}
    if current == wanted:
        return False
    for org_id in set(current) | set(wanted):
        old, new = current.get(org_id, set()), wanted.get(org_id, set())
        if old - new:
            TaskResponsibility.objects.filter(task=task, organization_id=org_id, kind__in=old - new).delete()
    try:
        with transaction.atomic():
            for org_id, kinds in wanted.items():
                for kind in kinds - current.get(org_id, set()):
                    TaskResponsibility.objects.create(task=task, organization_id=org_id, kind=kind)
    except IntegrityError as exc:  # a concurrent writer took the A first
        raise ApplicationError(_("A task has one accountable organisation."), {"kind": [str(exc)]}) from exc
    audit_record(actor=actor, obj=task, action=AuditAction.UPDATE,
                 changes={"responsibilities": [_raci_text(current, names), _raci_text(wanted, names)]})
    project = task.project
    for org_id, kinds in wanted.items():
        for kind in (kinds - current.get(org_id, set())) & {ResponsibilityKind.RESPONSIBLE, ResponsibilityKind.ACCOUNTABLE}:
            notify(recipients=users_with_role(organizations=[org_id]),
                   event_key=f"schedule:task:{task.pk}:raci:{org_id}:{kind}:{int(timezone.now().timestamp())}",
                   title=_("Your organisation is %(kind)s for %(task)s of %(project)s") % {
                       "kind": ResponsibilityKind(kind).label, "task": task, "project": project.name},
                   url=task_url(task), target=task)
    return True


def check_cells(task: ScheduleTask, wanted: Mapping[int, set[str]], organizations: Mapping[int, Organization],
                current: Mapping[int, set[str]]) -> None:
    """Every organisation given a new letter participates in the project (one that left may still lose its
    letters), every kind is R/A/C/I, and at most one A."""
    for org_id, kinds in wanted.items():
        if org_id not in organizations and set(kinds) - set(current.get(org_id, ())):
            raise _invalid({"organization": _("This organisation does not take part in the project.")})
        bad = set(kinds) - set(ResponsibilityKind.values)
        if bad:
            raise _invalid({"kind": _("Use R, A, C or I.")})
    accountable = [str(organizations.get(o, o)) for o, kinds in wanted.items() if ResponsibilityKind.ACCOUNTABLE in kinds]
    if len(accountable) > 1:
        raise _invalid({"kind": _("Task %(wbs)s can have only one accountable organisation (A), not %(orgs)s.") % {
            "wbs": task.wbs, "orgs": "、".join(accountable)}})


@transaction.atomic
def responsibility_toggle(*, actor: User, task: ScheduleTask, organization: Organization, kind: str
                          ) -> bool:
    """Switch one letter of one cell of the matrix; returns whether the organisation now holds it. Taking an A
    while another organisation holds it is refused (one accountable organisation per task)."""
    lock(Project, task.project_id)
    locked = lock(task)
    organizations = {o.pk: o for o in participating_organizations(locked.project)}
    if kind not in ResponsibilityKind.values:
        raise _invalid({"kind": _("Use R, A, C or I.")})
    current = _current_cells(locked)
    cells = {o: set(k) for o, k in current.items()}
    mine = cells.setdefault(organization.pk, set())
    holds = kind not in mine
    if holds:
        mine.add(kind)
    else:
        mine.discard(kind)
    if holds and kind == ResponsibilityKind.ACCOUNTABLE:
        other = next((o for o, k in cells.items() if o != organization.pk and ResponsibilityKind.ACCOUNTABLE in k), None)
        if other is not None:
            raise _invalid({"kind": _("%(org)s is already accountable (A) for task %(wbs)s; a task has one "
                                      "accountable organisation. Take the A from it first.") % {
                "org": organizations[other].name if other in organizations else other, "wbs": locked.wbs}})
    check_cells(locked, cells, organizations, current)
    replace_cells(actor=actor, task=locked, wanted=cells, names=_names(organizations, cells))
    return holds


@transaction.atomic
def responsibilities_set(*, actor: User, task: ScheduleTask, organization: Organization, kinds: Iterable[str]
                         ) -> ScheduleTask:
    """Set one cell of the matrix to exactly `kinds` (any of R, A, C, I; empty clears it)."""
    lock(Project, task.project_id)
    locked = lock(task)
    organizations = {o.pk: o for o in participating_organizations(locked.project)}
    current = _current_cells(locked)
    cells = {**{o: set(k) for o, k in current.items()}, organization.pk: {str(k).upper() for k in kinds}}
    check_cells(locked, cells, organizations, current)
    replace_cells(actor=actor, task=locked, wanted=cells, names=_names(organizations, cells))
    return locked


def _names(organizations: Mapping[int, Organization], cells: Mapping[int, set[str]]) -> dict[int, str]:
    names = {o.pk: o.name for o in organizations.values()}
    missing = [o for o in cells if o not in names]
    if missing:
        names.update(Organization.objects.filter(pk__in=missing).values_list("pk", "name"))
    return names
