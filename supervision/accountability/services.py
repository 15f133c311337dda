"""Writes of accountability records (追责): a record made by hand by bureau staff, and the decisions on a
proposal — confirmed (with the measure's particulars) or dismissed, each with a reason — and its completion.

Each decision runs in one transaction on the locked row, so of two decisions on one record at once one wins and the
other is refused (the workflow's state check, or a stale `version`: HTTP 409). Each is audited; the unit held to
account hears of a confirmed record."""

import datetime
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import Organization, User
from portal.audit.models import AuditAction
from portal.audit.services import audit_record, audit_record_create
from portal.core import fsm
from portal.core.errors import ApplicationError, ErrorCode
from portal.core.services import check_version, lock, today, users_with_role, validate
from portal.notifications.services import notify

from .. import documents
from ..models import AccountabilityRecord, MeasureKind, Purpose, Trigger
from .rules import notify_bureau, record_number


def _required(value: str | None, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ApplicationError(_("Please correct the errors below."), {field: [_("This field is required.")]})
    return text


def _particulars(kind: str, fine_amount: Decimal | None, due_on: datetime.date | None,
                 bars_bidding_until: datetime.date | None) -> None:
    """The measure's particulars, refused naming the field: a fine has its amount (and only a fine has one);
    dates are not in the past."""
    if kind not in MeasureKind.values:
        raise ApplicationError(_("Choose a measure."), {"kind": [_("Select a valid choice.")]})
    if kind == MeasureKind.FINE and (fine_amount is None or fine_amount <= 0):
        message = _("A fine states its amount.")
        raise ApplicationError(message, {"fine_amount": [message]})
    if kind != MeasureKind.FINE and fine_amount:
        message = _("Only a fine has an amount.")
        raise ApplicationError(message, {"fine_amount": [message]})
    for field, value in (("due_on", due_on), ("bars_bidding_until", bars_bidding_until)):
        if value is not None and value < today():
            message = _("This date is in the past.")
            raise ApplicationError(message, {field: [message]})


def _unit_users(record: AccountabilityRecord) -> list[User]:
    return users_with_role(None, organizations=[record.organization_id])


def _lock(record: AccountabilityRecord, name: str, actor: User, version: Any) -> AccountabilityRecord:
    locked = lock(record, related=("organization", "project"))
    check_version(locked, version)
    wf = fsm.workflow_of(locked)
    t = wf.transition(name)
    refusal = wf.state_refusal(locked, t) or wf.permission_refusal(locked, t, actor)
    if refusal is not None:
        raise refusal.error()
    return locked


def _move(record: AccountabilityRecord, name: str, *, actor: User, reason: str, **changes: Any) -> None:
    before, after = fsm.move(record, name, user=actor)
    old = {k: getattr(record, k) for k in changes}
    for field, value in changes.items():
        setattr(record, field, value)
    record.version += 1
    validate(record)
    record.save()
    audit_record(actor=actor, obj=record, action=AuditAction.TRANSITION, from_state=before, to_state=after,
                 reason=reason, changes={k: [str(old[k]) if old[k] is not None else None,
                                             str(v) if v is not None else None] for k, v in changes.items()
                                         if old[k] != v})


@transaction.atomic
def record_create(*, actor: User, organization: Organization | None, kind: str, facts: str, project=None,
                  fine_amount: Decimal | None = None, due_on: datetime.date | None = None,
                  bars_bidding_until: datetime.date | None = None) -> AccountabilityRecord:
    """A record made by hand by bureau staff (trigger "bureau decision"), proposed for confirmation."""
    if not actor.has_perm("supervision.add_accountabilityrecord"):
        raise ApplicationError(_("You may not hold a unit to account."), code=ErrorCode.FORBIDDEN)
    if organization is None:
        raise ApplicationError(_("Please correct the errors below."),
                               {"organization": [_("This field is required.")]})
    facts = _required(facts, "facts")
    _particulars(kind, fine_amount, due_on, bars_bidding_until)
    record = AccountabilityRecord(number=f"tmp{uuid.uuid4().hex[:16]}", organization=organization,
                                  project=project, kind=kind, trigger=Trigger.MANUAL, facts=facts,
                                  proposed_by=actor, fine_amount=fine_amount, due_on=due_on,
                                  bars_bidding_until=bars_bidding_until)
    validate(record, exclude=["number"])
    record.save()
    record.number = record_number(record.pk)
    record.save(update_fields=["number"])
    audit_record_create(actor=actor, obj=record)
    notify_bureau(record, "proposed")
    return record


@transaction.atomic
def record_confirm(*, actor: User, record: AccountabilityRecord, reason: str, kind: str | None = None,
                   fine_amount: Decimal | None = None, due_on: datetime.date | None = None,
                   bars_bidding_until: datetime.date | None = None, version: Any = None) -> AccountabilityRecord:
    """Confirm a proposal with the reason, the measure (the proposed one unless changed) and its particulars:
    it goes on the unit's record and the unit is told."""
    record = _lock(record, "confirm", actor, version)
    reason = _required(reason, "reason")
    kind = kind or record.kind
    _particulars(kind, fine_amount, due_on, bars_bidding_until)
    _move(record, "confirm", actor=actor, reason=reason, kind=kind, fine_amount=fine_amount, due_on=due_on,
          bars_bidding_until=bars_bidding_until, decision_reason=reason, decided_by=actor,
          decided_at=timezone.now())
    notify(recipients=_unit_users(record), event_key=f"accountability:{record.pk}:confirmed",
           title=_("%(number)s %(measure)s · %(unit)s: %(state)s") % {
               "number": record.number, "measure": record.get_kind_display(), "unit": record.organization,
               "state": record.get_state_display()},
           body=reason[:500], url=record.get_absolute_url(), target=record, level="warning")
    return record


@transaction.atomic
def record_dismiss(*, actor: User, record: AccountabilityRecord, reason: str,
                   version: Any = None) -> AccountabilityRecord:
    """Dismiss a proposal, with the reason; it stays on file, off the unit's record."""
    record = _lock(record, "dismiss", actor, version)
    reason = _required(reason, "reason")
    _move(record, "dismiss", actor=actor, reason=reason, decision_reason=reason, decided_by=actor,
          decided_at=timezone.now())
    notify_bureau(record, "dismissed")
    return record


@transaction.atomic
def record_complete(*, actor: User, record: AccountabilityRecord, note: str,
                    files: Sequence[UploadedFile] = (), version: Any = None) -> AccountabilityRecord:
    """Record that a confirmed measure was carried out: how, with the proof (the interview's minutes, the fine's
    receipt, the notice, the order to stop work)."""
    record = _lock(record, "complete", actor, version)
    note = _required(note, "completion_note")
    checked = documents.check(files, "files")
    documents.store(actor=actor, target=record, purpose=Purpose.RECORD, checked=checked)
    _move(record, "complete", actor=actor, reason=note, completion_note=note, completed_at=timezone.now())
    return record
