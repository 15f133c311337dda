"""Writes of monthly progress: the investment plan per month, the owner's monthly report and its correction,
and the reminder of unreported months. Every write locks the project's row first, so the checks across months
(reports in order, progress never going down, cumulative investment within the total) hold under concurrency;
the row of the month carries the optimistic `version` a form or API call was based on."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.audit.models import AuditAction
from portal.audit.services import audit_record, audit_record_create, diff, snapshot
from portal.core.errors import ApplicationError, ErrorCode
from portal.core.services import lock, stale_error, validate
from portal.core.services import today as china_today
from portal.notifications.models import Notification
from portal.notifications.services import notify

from ..models import MonthlyProgress, Project
from .figures import TEN_THOUSAND, month_add, month_start, report_due, yuan

MAX_AMOUNT = Decimal("99999999999999.99")  # max_digits=16, decimal_places=2


def _wan(amount: Decimal) -> str:
    return f"{(amount / TEN_THOUSAND).quantize(Decimal('0.01')):,}"


def parse_amount(value: Any) -> Decimal:
    """An amount in 元 from user input (number or text), two places. Raises ValueError with the reason."""
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(_("Enter a number."))
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(_("Enter a number.")) from None
    if not amount.is_finite():
        raise ValueError(_("Enter a number."))
    if amount < 0:
        raise ValueError(_("The amount cannot be negative."))
    amount = yuan(amount)
    if amount > MAX_AMOUNT:
        raise ValueError(_("The amount is too large."))
    return amount


def plan_stamp(rows) -> str:
    """The versions of the plan rows a form shows, as one hidden field: "202603:2,202604:1" (a month that is
    not listed has no row: version 0). Read back by `plan_stamp_versions`."""
    return ",".join(f"{r.month:%Y%m}:{r.version}" for r in sorted(rows, key=lambda r: r.month))


def plan_stamp_versions(stamp: str, months) -> dict[datetime.date, int]:
    """The version of each of `months` according to `stamp` (0 when not listed); a malformed stamp is a
    conflict, as it can only come from a tampered or stale form."""
    listed: dict[str, int] = {}
    for part in filter(None, (stamp or "").split(",")):
        key, _sep, version = part.partition(":")
        if not (key.isdigit() and version.isdigit()):
            raise stale_error()
        listed[key] = int(version)
    return {m: listed.get(f"{m:%Y%m}", 0) for m in months}


# ------------------------------------------------------------------------------------------------ the plan
@transaction.atomic
def progress_plan_set(*, actor: User, project: Project, plans: Mapping[datetime.date, Any],
                      versions: Mapping[datetime.date, int] | None = None) -> list[MonthlyProgress]:
    """Set the planned investment (元) of several months at once: all of them or none. A value that is not a
    number or is negative is refused naming its month (error key "YYYY-MM"). `versions` are the versions of the
    months the caller was shown (0 for a month without a row); a month changed since refuses the whole save.
    Returns the changed rows."""
    errors: dict[str, list[str]] = {}
    amounts: dict[datetime.date, Decimal] = {}
    for month, value in plans.items():
        key = f"{month:%Y-%m}"
        if month.day != 1:
            errors[key] = [_("Give the first day of the month.")]
            continue
        try:
            amounts[month] = parse_amount(value)
        except ValueError as exc:
            errors[key] = [_("%(month)s: %(error)s") % {"month": key, "error": exc}]
    if errors:
        raise ApplicationError(
            _("Nothing was saved. Check the planned investment of: %(months)s.") % {"months": "、".join(errors)},
            errors,
        )
    if not amounts:
        raise ApplicationError(_("Give the planned investment of at least one month."), {"plans": [_("This field is required.")]})
    locked = lock(project)
    existing = {r.month: r for r in MonthlyProgress.objects.select_for_update().filter(project=locked,
                                                                                      month__in=list(amounts))}
    for month in amounts:
        if versions is not None and month in versions and versions[month] != getattr(existing.get(month), "version", 0):
            raise stale_error()
    changed = []
    for month, amount in sorted(amounts.items()):
        row = existing.get(month)
        if row is None:
            if amount == 0:
                continue  # no row needed for a month without plan or report
            row = MonthlyProgress(project=locked, month=month, planned_investment=amount)
            validate(row)
            row.save()
            audit_record_create(actor=actor, obj=row)
        elif row.planned_investment != amount:
            before = snapshot(row, ["planned_investment"])
            row.planned_investment = amount
            row.version += 1
            row.save(update_fields=["planned_investment", "version", "updated_at"])
            audit_record(actor=actor, obj=row, action=AuditAction.UPDATE,
                         changes=diff(before, snapshot(row, ["planned_investment"])))
        else:
            continue
        changed.append(row)
    return changed


# ------------------------------------------------------------------------------------------------ reports
def _check_figures(completed: Any, physical: Any) -> tuple[Decimal, Decimal]:
    errors: dict[str, list[str]] = {}
    amount = pct = None
    try:
        amount = parse_amount(completed)
    except ValueError as exc:
        errors["completed_investment"] = [str(exc)]
    try:
        pct = Decimal(str(physical).strip()) if physical not in (None, "") and not isinstance(physical, bool) else None
        if pct is None or not pct.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        errors["physical_progress"] = [_("Enter a number.")]
    else:
        if not Decimal("0") <= pct <= Decimal("100"):
            errors["physical_progress"] = [_("Physical progress is a percentage from 0 to 100.")]
        pct = pct.quantize(Decimal("0.01"))
    if errors or amount is None or pct is None:  # a figure is None only with its error
        raise ApplicationError(_("Please correct the errors below."), errors)
    return amount, pct


def _check_against_neighbours(*, locked: Project, rows: list[MonthlyProgress], month: datetime.date,
                              completed: Decimal, physical: Decimal) -> None:
    """Physical progress is cumulative: not below the reported month before, not above the one after; the
    cumulative completed investment of all reported months stays within the project's total investment.
    Caller holds the project's lock; `rows` are the project's rows in month order."""
    reported = [r for r in rows if r.is_reported and r.month != month]
    before = [r for r in reported if r.month < month]
    after = [r for r in reported if r.month > month]
    # A reported row holds both figures (the constraint progress_reported_together).
    if before and physical < cast(Decimal, before[-1].physical_progress):
        raise ApplicationError(
            _("Cumulative physical progress cannot go down."),
            {"physical_progress": [_("Cumulative physical progress cannot be lower than %(pct)s%% reported for "
                                     "%(month)s.") % {"pct": before[-1].physical_progress,
                                                     "month": f"{before[-1].month:%Y-%m}"}]},
        )
    if after and physical > cast(Decimal, after[0].physical_progress):
        raise ApplicationError(
            _("Cumulative physical progress cannot go down."),
            {"physical_progress": [_("Cumulative physical progress cannot be higher than %(pct)s%% reported for "
                                     "the later month %(month)s.") % {"pct": after[0].physical_progress,
                                                                     "month": f"{after[0].month:%Y-%m}"}]},
        )
    cumulative = sum((cast(Decimal, r.completed_investment) for r in reported), Decimal("0")) + completed
    if cumulative > locked.total_investment:
        raise ApplicationError(
            _("The cumulative completed investment would exceed the project's total investment."),
            {"completed_investment": [
                _("Cumulative completed investment would be %(cumulative)s (10k yuan), more than the project's "
                  "total investment of %(total)s (10k yuan).") % {"cumulative": _wan(cumulative),
                                                                 "total": _wan(locked.total_investment)}]},
        )


def next_month_to_report(project: Project, rows: list[MonthlyProgress]) -> datetime.date | None:
    """The one month the owner may report next: the month after the latest reported one, or the planned start
    month when nothing is reported yet (None when the project has neither)."""
    reported = [r.month for r in rows if r.is_reported]
    if reported:
        return month_add(max(reported), 1)
    if project.planned_start:
        return month_start(project.planned_start)
    return None


@transaction.atomic
def progress_report(*, actor: User, project: Project, month: datetime.date, completed_investment: Any,
                    physical_progress: Any, note: str = "", version: int | None = None,
                    today: datetime.date | None = None) -> MonthlyProgress:
    """The owner's report of one month: investment completed in the month (元) and cumulative physical
    progress (%). Months are reported in order, none in the future; a reported month is corrected with
    `progress_correct`. `version` is the row's version the form showed (0: no row yet); None skips the check."""
    today = today or china_today()
    month = month_start(month)
    if month > month_start(today):
        raise ApplicationError(_("A month that has not begun cannot be reported."),
                               {"month": [_("%(month)s has not begun yet.") % {"month": f"{month:%Y-%m}"}]})
    completed, physical = _check_figures(completed_investment, physical_progress)
    locked = lock(project)
    rows = list(MonthlyProgress.objects.select_for_update().filter(project=locked).order_by("month"))
    row = next((r for r in rows if r.month == month), None)
    if row is not None and row.is_reported:
        raise ApplicationError(_("This month is already reported; correct it instead."),
                               {"month": [_("%(month)s is already reported.") % {"month": f"{month:%Y-%m}"}]},
                               code=ErrorCode.INVALID_TRANSITION)
    if version is not None and version != (row.version if row else 0):
        raise stale_error()
    expected = next_month_to_report(locked, rows)
    if expected is not None and month != expected:
        if month < expected:
            message = _("%(month)s is before the planned start month %(start)s.") % {
                "month": f"{month:%Y-%m}", "start": f"{expected:%Y-%m}"}
        else:
            message = _("Months are reported in order: report %(expected)s first.") % {"expected": f"{expected:%Y-%m}"}
        raise ApplicationError(message, {"month": [message]})
    _check_against_neighbours(locked=locked, rows=rows, month=month, completed=completed, physical=physical)
    now = timezone.now()
    if row is None:
        row = MonthlyProgress(project=locked, month=month, completed_investment=completed,
                              physical_progress=physical, note=note.strip(), reported_by=actor, reported_at=now)
        validate(row)
        row.save()
        audit_record_create(actor=actor, obj=row)
        return row
    fields = ["completed_investment", "physical_progress", "note", "reported_by"]
    before = snapshot(row, fields)
    row.completed_investment, row.physical_progress, row.note = completed, physical, note.strip()
    row.reported_by, row.reported_at, row.version = actor, now, row.version + 1
    validate(row)
    row.save()
    audit_record(actor=actor, obj=row, action=AuditAction.UPDATE, changes=diff(before, snapshot(row, fields)))
    return row


@transaction.atomic
def progress_correct(*, actor: User, project: Project, month: datetime.date, completed_investment: Any,
                     physical_progress: Any, note: str, version: int, reason: str) -> MonthlyProgress:
    """Correct a reported month (both figures and the note), with a reason, against the version the form
    showed. The same rules as a report hold against the months before and after."""
    month = month_start(month)
    completed, physical = _check_figures(completed_investment, physical_progress)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give a reason for the correction."), {"reason": [_("This field is required.")]})
    locked = lock(project)
    rows = list(MonthlyProgress.objects.select_for_update().filter(project=locked).order_by("month"))
    row = next((r for r in rows if r.month == month), None)
    if row is None or not row.is_reported:
        raise ApplicationError(_("This month has not been reported yet."),
                               {"month": [_("%(month)s has not been reported yet.") % {"month": f"{month:%Y-%m}"}]})
    if version != row.version:
        raise stale_error()
    _check_against_neighbours(locked=locked, rows=rows, month=month, completed=completed, physical=physical)
    fields = ["completed_investment", "physical_progress", "note"]
    before = snapshot(row, fields)
    row.completed_investment, row.physical_progress, row.note = completed, physical, (note or "").strip()
    changes = diff(before, snapshot(row, fields))
    if not changes:
        return row
    row.version += 1
    validate(row)
    row.save()
    audit_record(actor=actor, obj=row, action=AuditAction.UPDATE, changes=changes, reason=reason)
    return row


# ------------------------------------------------------------------------------------------------ reminders
def progress_remind_unreported(*, today: datetime.date | None = None) -> int:
    """Remind the owners of construction-phase projects whose previous month is not reported: from the 1st
    ("due by the 10th") and again once it is late (then the liaison officer hears of it too). Keyed per project,
    month and kind, so running it daily (or twice) notifies each person once. Returns the notices created."""
    from .selectors import projects_missing_month

    today = today or china_today()
    month = month_add(month_start(today), -1)
    late = today > report_due(month)
    created = 0
    for project in projects_missing_month(month=month):
        recipients = [u for u in project.owner.members.all() if u.is_active]
        if late and project.liaison_officer is not None:
            recipients.append(project.liaison_officer)
        kind = "late" if late else "due"
        values = {"project": project.name, "month": f"{month:%Y-%m}", "due": f"{report_due(month):%Y-%m-%d}"}
        title = (_("Monthly progress of %(project)s for %(month)s is late (due %(due)s)") if late
                 else _("Please report the monthly progress of %(project)s for %(month)s by %(due)s")) % values
        with transaction.atomic():
            created += len(notify(
                recipients=recipients, event_key=f"progress:{project.pk}:{month:%Y-%m}:{kind}", title=title,
                url=reverse("projects:progress", args=[project.pk]), target=project,
                level=Notification.Level.WARNING if late else Notification.Level.INFO,
            ))
    return created

