"""Import of a schedule from the Excel layout of `exports.COLUMNS`: upsert by WBS within the project, all or
nothing. The whole file is read and checked first — every problem is reported with its row number and column
name — and only a file without any problem is written, in one transaction holding the project's row lock. Rows
that equal what is stored change nothing (an export imported back is a no-op). Tasks missing from the file are
left as they are."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.accounts.models import Organization, User
from portal.audit.models import AuditAction
from portal.audit.services import audit_record, diff, snapshot
from portal.core.errors import ApplicationError
from portal.core.services import lock, today

from ..models import Project, ResponsibilityKind, ScheduleTask, TaskDependency, TaskResponsibility
from . import rules, services
from .exports import (
    COL_ACTUAL_FINISH,
    COL_ACTUAL_START,
    COL_MILESTONE,
    COL_NAME,
    COL_NOTE,
    COL_PERCENT,
    COL_PLANNED_FINISH,
    COL_PLANNED_START,
    COL_PREDECESSORS,
    COL_WBS,
    COLUMNS,
    NO,
    RACI_COLUMNS,
    REQUIRED_COLUMNS,
    SHEET,
    YES,
)
from .rules import Link, Predecessor, TaskValues

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
MAX_SCANNED_ROWS = 10 * MAX_ROWS  # blank rows included: a sheet padded to a million rows is refused quickly
FIELD_COLUMNS = {
    "wbs": COL_WBS, "name": COL_NAME, "is_milestone": COL_MILESTONE, "planned_start": COL_PLANNED_START,
    "planned_finish": COL_PLANNED_FINISH, "actual_start": COL_ACTUAL_START, "actual_finish": COL_ACTUAL_FINISH,
    "percent_complete": COL_PERCENT, "predecessors": COL_PREDECESSORS, "note": COL_NOTE,
}
TRUE_WORDS = {YES, "y", "yes", "true", "1", "√", "是的"}
FALSE_WORDS = {NO, "n", "no", "false", "0", ""}
_NAME_SEPARATORS = re.compile(r"[、,，;；\n]+")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class Problem:
    row: int  # the spreadsheet's row number (1 is the header); 0 for the file as a whole
    column: str
    message: str

    def __str__(self) -> str:
        if not self.row:
            return self.message
        if not self.column:
            return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}
        return _("Row %(row)s, column “%(column)s”: %(message)s") % {
            "row": self.row, "column": self.column, "message": self.message}


class ScheduleImportError(ApplicationError):
    """The file was refused; `problems` lists every one found, in row order. Nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems), key=lambda p: (p.row, _column_order(p.column), p.message))
        n = len(self.problems)
        message = ngettext("The file has %(n)s problem; nothing was imported.",
                           "The file has %(n)s problems; nothing was imported.", n) % {"n": n}
        if n == 1 and not self.problems[0].row:
            message = self.problems[0].message
        super().__init__(message, {"file": [str(p) for p in self.problems]}, code="import_refused")


def _column_order(column: str) -> int:
    return COLUMNS.index(column) if column in COLUMNS else len(COLUMNS)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class Row:
    number: int
    values: dict[str, Any] = field(default_factory=dict)  # task fields
    predecessors: list[Predecessor] = field(default_factory=list)
    names: dict[str, list[str]] = field(default_factory=dict)  # R/A/C/I → organisation names
    problems: dict[str, str] = field(default_factory=dict)  # column → message

    def problem(self, column: str, message: str) -> None:
        self.problems.setdefault(column, message)


# ------------------------------------------------------------------------------------------------- reading
def _refuse(message: str) -> ScheduleImportError:
    return ScheduleImportError([Problem(0, "", message)])


def read_workbook(data: bytes):
    """The openpyxl worksheet to import (sheet 进度计划, else the first); refuses what is not an .xlsx file."""
    from openpyxl import load_workbook

    if len(data) > MAX_BYTES:
        raise _refuse(_("The file is larger than %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)})
    if not data.startswith(b"PK\x03\x04"):
        raise _refuse(_("This is not an Excel workbook (.xlsx). Download the template and fill it in."))
    try:
        wb = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001  (zip, XML and openpyxl errors alike mean "not a usable workbook")
        raise _refuse(_("This is not an Excel workbook (.xlsx) that can be read. Download the template and fill "
                        "it in.")) from exc
    return wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(value: Any, column: str, row: Row) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        from openpyxl.utils.datetime import from_excel

        try:
            if 1 <= value < 2958466:
                result = from_excel(value)
                return result.date() if isinstance(result, datetime.datetime) else result
        except (ValueError, OverflowError, TypeError):
            pass
    text = str(value).strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()  # noqa: DTZ007  (a calendar date, no time)
        except ValueError:
            continue
    row.problem(column, _("“%(value)s” is not a date; write it as 2025-03-01.") % {"value": text})
    return None


def _percent(value: Any, number_format: str, row: Row) -> int | None:
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        # xgettext:no-python-format
        row.problem(COL_PERCENT, _("Write the % complete as a whole number from 0 to 100."))
        return None
    if isinstance(value, int | float):
        number = float(value) * (100 if "%" in (number_format or "") else 1)
    else:
        text = str(value).strip().rstrip("%％").strip()
        try:
            number = float(text)
        except ValueError:
            row.problem(COL_PERCENT, _("“%(value)s” is not a number from 0 to 100.") % {"value": value})
            return None
    if not number.is_integer():
        # xgettext:no-python-format
        row.problem(COL_PERCENT, _("Write the % complete as a whole number from 0 to 100."))
        return None
    number = int(number)
    if not 0 <= number <= 100:
        row.problem(COL_PERCENT, _("%(value)s is outside 0–100.") % {"value": number})
        return None
    return number


def _milestone(value: Any, row: Row) -> bool:
    text = _text(value).lower()
    if isinstance(value, bool):
        return value
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    row.problem(COL_MILESTONE, _("Write 是 or 否, not “%(value)s”.") % {"value": value})
    return False


def read_rows(ws) -> list[Row]:
    """The file's task rows, parsed cell by cell (problems noted per row). Refuses a wrong header, a file without
    rows and one with too many."""
    rows_iter = ws.iter_rows(max_col=len(COLUMNS) + 10)
    header_cells = next(rows_iter, None)
    header = [_text(c.value) for c in header_cells] if header_cells else []
    problems = []
    positions: dict[str, int] = {}
    for i, name in enumerate(header):
        if not name:
            continue
        if name in positions:
            problems.append(Problem(1, name, _("This column appears twice.")))
        elif name not in COLUMNS:
            problems.append(Problem(1, name, _("Unknown column. The columns are: %(columns)s.") % {
                "columns": "、".join(COLUMNS)}))
        positions.setdefault(name, i)
    for name in REQUIRED_COLUMNS:
        if name not in positions:
            problems.append(Problem(1, name, _("This column is missing. The columns are: %(columns)s.") % {
                "columns": "、".join(COLUMNS)}))
    if problems:
        raise ScheduleImportError(problems)

    rows: list[Row] = []
    for number, cells in enumerate(rows_iter, start=2):
        if number > MAX_SCANNED_ROWS:
            raise _refuse(_("The file has too many rows; at most %(n)s tasks at a time.") % {"n": MAX_ROWS})
        cells = list(cells)

        def cell(name: str, cells=cells):
            i = positions.get(name)
            return cells[i] if i is not None and i < len(cells) else None

        def value(name: str, cell=cell):
            c = cell(name)
            return c.value if c is not None else None

        if all(_text(value(name)) == "" for name in positions):
            continue
        if len(rows) >= MAX_ROWS:
            raise _refuse(_("The file has too many rows; at most %(n)s tasks at a time.") % {"n": MAX_ROWS})
        row = Row(number)
        wbs = _text(value(COL_WBS))
        if not wbs:
            row.problem(COL_WBS, _("Give the WBS code."))
        row.values["wbs"] = wbs
        row.values["name"] = _text(value(COL_NAME))
        row.values["is_milestone"] = _milestone(value(COL_MILESTONE), row)
        for name, column in (("planned_start", COL_PLANNED_START), ("planned_finish", COL_PLANNED_FINISH),
                             ("actual_start", COL_ACTUAL_START), ("actual_finish", COL_ACTUAL_FINISH)):
            row.values[name] = _date(value(column), column, row)
        percent_cell = cell(COL_PERCENT)
        row.values["percent_complete"] = _percent(value(COL_PERCENT), getattr(percent_cell, "number_format", ""), row)
        if COL_NOTE in positions:
            row.values["note"] = _text(value(COL_NOTE))
        try:
            row.predecessors = rules.parse_predecessors(_text(value(COL_PREDECESSORS)))
        except ValueError as exc:
            row.problem(COL_PREDECESSORS, str(exc))
        for kind in RACI_COLUMNS:
            row.names[kind] = [n.strip() for n in _NAME_SEPARATORS.split(_text(value(kind))) if n.strip()]
        rows.append(row)
    if not rows:
        raise _refuse(_("The file has no task rows under its header."))
    return rows


# ------------------------------------------------------------------------------------------------- checking
@dataclass
class Plan:
    """The checked file, ready to write."""

    rows: list[Row]
    existing: dict[str, ScheduleTask]
    organizations: dict[int, Organization]
    cells: dict[int, dict[int, set[str]]]  # row number → {organisation id: kinds}


def _check(project: Project, rows: list[Row], today: datetime.date) -> Plan:
    existing = {t.wbs: t for t in ScheduleTask.objects.active().filter(project=project)}
    problems: list[Problem] = []

    first_row: dict[str, int] = {}
    for row in rows:
        wbs = row.values["wbs"]
        if wbs and wbs in first_row:
            row.problem(COL_WBS, _("WBS %(wbs)s is already on row %(row)s.") % {"wbs": wbs, "row": first_row[wbs]})
        elif wbs:
            first_row[wbs] = row.number
        fields = row.values
        fields["planned_finish"], fields["actual_start"], fields["actual_finish"] = rules.milestone_defaults(
            is_milestone=fields["is_milestone"], planned_start=fields["planned_start"],
            planned_finish=fields["planned_finish"], actual_start=fields["actual_start"],
            actual_finish=fields["actual_finish"])
        checked = rules.task_problems(TaskValues(**{k: v for k, v in fields.items() if k != "note"}), today=today)
        for name, message in checked.items():
            column = FIELD_COLUMNS[name]
            row.problem(column, message)  # a cell already reported unreadable keeps that message

    file_rows = {row.values["wbs"]: row for row in rows if row.values["wbs"] and COL_WBS not in row.problems}
    codes = set(existing) | set(file_rows)
    for row in file_rows.values():
        parent = rules.wbs_parent(row.values["wbs"])
        if parent is not None and parent not in codes:
            row.problem(COL_WBS, _("Its parent task %(parent)s is neither in the file nor in the schedule.") % {
                "parent": parent})
        for pred in row.predecessors:
            if pred.wbs == row.values["wbs"]:
                row.problem(COL_PREDECESSORS, _("A task cannot be its own predecessor."))
            elif pred.wbs not in codes:
                row.problem(COL_PREDECESSORS, _("Unknown predecessor %(wbs)s: it is neither in the file nor in the "
                                                "schedule.") % {"wbs": pred.wbs})
            elif rules.wbs_is_ancestor(pred.wbs, row.values["wbs"]) or rules.wbs_is_ancestor(row.values["wbs"],
                                                                                           pred.wbs):
                row.problem(COL_PREDECESSORS, _("A task cannot depend on its own summary task or sub-task: "
                                                "%(wbs)s.") % {"wbs": pred.wbs})

    # The schedule as it would be: stored tasks overlaid with the file's rows, and their links.
    planned = {w: (t.planned_start, t.planned_finish) for w, t in existing.items()}
    for wbs, row in file_rows.items():
        if row.values["planned_start"] and row.values["planned_finish"]:
            planned[wbs] = (row.values["planned_start"], row.values["planned_finish"])
        else:
            planned.pop(wbs, None)
    by_id = {t.pk: w for w, t in existing.items()}
    links = [Link(by_id[p], by_id[s], lag) for p, s, lag in TaskDependency.objects.filter(
        successor__project=project, successor__voided_at__isnull=True, predecessor__voided_at__isnull=True,
    ).values_list("predecessor_id", "successor_id", "lag_days") if p in by_id and s in by_id and by_id[s] not in file_rows]
    links += [Link(p.wbs, w, p.lag_days) for w, row in file_rows.items() for p in row.predecessors if p.wbs in codes]
    for v in rules.link_violations(planned, links):
        if v.link.successor in file_rows:
            file_rows[v.link.successor].problem(COL_PLANNED_START, v.message_for_successor())
        elif v.link.predecessor in file_rows:
            file_rows[v.link.predecessor].problem(COL_PLANNED_FINISH, v.message_for_predecessor())
    cycle = rules.find_cycle(links) or rules.find_cycle(rules.expand_links(links, codes))
    if cycle:
        # The rows of the tasks on the cycle, or of the summary tasks whose links put their sub-tasks on it.
        for wbs, row in file_rows.items():
            if wbs in cycle or any(rules.wbs_is_ancestor(wbs, c) for c in cycle):
                row.problem(COL_PREDECESSORS, rules.format_cycle(cycle))

    organizations = {o.pk: o for o in services.participating_organizations(project)}
    by_name: dict[str, Organization] = {}
    for org in organizations.values():
        by_name.setdefault(org.name, org)
        if org.short_name:
            by_name.setdefault(org.short_name, org)
    held = _held_letters(existing, file_rows)
    cells: dict[int, dict[int, set[str]]] = {}
    for wbs, row in file_rows.items():
        task = existing.get(wbs)
        row_cells: dict[int, set[str]] = {}
        for kind in RACI_COLUMNS:
            names = row.names[kind]
            if kind == ResponsibilityKind.ACCOUNTABLE and len(names) > 1:
                row.problem(kind, _("A task has one accountable organisation, not %(n)s.") % {"n": len(names)})
            for name in names:
                org = by_name.get(name)
                if org is None and task is not None:
                    org = held.get((task.pk, name, kind))  # one that left the project keeps its stored letter
                if org is None:
                    if Organization.objects.filter(name=name).exists():
                        row.problem(kind, _("%(name)s does not take part in this project.") % {"name": name})
                    else:
                        row.problem(kind, _("Unknown organisation: %(name)s.") % {"name": name})
                    continue
                organizations.setdefault(org.pk, org)
                row_cells.setdefault(org.pk, set()).add(kind)
        cells[row.number] = row_cells

    for row in rows:
        problems += [Problem(row.number, column, message) for column, message in row.problems.items()]
    if problems:
        raise ScheduleImportError(problems)
    return Plan(rows=rows, existing=existing, organizations=organizations, cells=cells)


def _held_letters(existing: dict[str, ScheduleTask], file_rows: dict[str, Row]) -> dict[tuple[int, str, str], Organization]:
    ids = [existing[w].pk for w in file_rows if w in existing]
    return {(r.task_id, r.organization.name, r.kind): r.organization
            for r in TaskResponsibility.objects.filter(task_id__in=ids).select_related("organization")}


# ------------------------------------------------------------------------------------------------- writing
@transaction.atomic
def schedule_import(*, actor: User, project: Project, data: bytes, filename: str = "") -> ImportResult:
    """Check the whole file, then write it, or write nothing and raise ScheduleImportError listing every
    problem."""
    ws = read_workbook(data)
    try:
        rows = read_rows(ws)
    except ScheduleImportError:
        raise
    except Exception as exc:  # noqa: BLE001  (a sheet is parsed lazily: broken XML shows only while reading)
        raise _refuse(_("This is not an Excel workbook (.xlsx) that can be read. Download the template and fill "
                        "it in.")) from exc
    project = lock(project)
    plan = _check(project, rows, today())
    result = ImportResult()
    by_wbs = dict(plan.existing)
    ordered = sorted(plan.rows, key=lambda r: rules.wbs_sort_key(r.values["wbs"]))
    touched: set[int] = set()
    for row in ordered:
        task = by_wbs.get(row.values["wbs"])
        if task is None:
            task = ScheduleTask.objects.create(project=project, **row.values)
            services.audit_task_created(actor=actor, task=task, reason=_("Excel import"))
            by_wbs[task.wbs] = task
            result.created += 1
            touched.add(task.pk)
            continue
        before = snapshot(task)
        for key, value in row.values.items():
            setattr(task, key, value)
        changes = diff(before, snapshot(task))
        changes.pop("sort_key", None)
        if changes:
            task.version += 1
            task.save()
            audit_record(actor=actor, obj=task, action=AuditAction.UPDATE, changes=changes, reason=_("Excel import"))
            touched.add(task.pk)
    names = {o.pk: o.name for o in plan.organizations.values()}
    for row in ordered:
        task = by_wbs[row.values["wbs"]]
        change = services.set_predecessors(task, row.predecessors, by_wbs)
        if change:
            if task.pk not in touched:
                task.version += 1
                task.save(update_fields=["version", "updated_at"])
            touched.add(task.pk)
            audit_record(actor=actor, obj=task, action=AuditAction.UPDATE, reason=_("Excel import"),
                         changes={"predecessor_links": list(change)})
        if services.replace_cells(actor=actor, task=task, wanted=plan.cells[row.number], names=names):
            touched.add(task.pk)
    created_ids = {t.pk for t in by_wbs.values() if t.wbs not in plan.existing}
    result.updated = len(touched - created_ids)
    result.unchanged = len(plan.rows) - result.created - result.updated
    if touched:
        audit_record(actor=actor, obj=project, action=AuditAction.UPDATE, reason=filename[:200],
                     changes={"tasks": [None, _("Excel import: %(created)s created, %(updated)s changed") % {
                         "created": result.created, "updated": result.updated}]})
    return result


def problems_of(exc: ApplicationError) -> Iterable[Problem]:
    return getattr(exc, "problems", [])
