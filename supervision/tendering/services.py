"""Writes of tendering and qualifications: qualifications and key people's certificates (bureau staff), a project's
lots and their bids (the project's owner or the bureau), the award and the cancellation, the expiry reminders.

Each write runs in one transaction and audits itself. The award locks the lot and checks the version read, so of
two awards of one lot at once one wins and the other is refused (HTTP 409): the second finds the lot awarded."""

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portal.accounts.models import Organization, Role, User
from portal.audit.models import AuditAction
from portal.audit.services import audit_record, audit_record_create, diff, snapshot
from portal.core import fsm, policy
from portal.core.errors import ApplicationError, ErrorCode
from portal.core.services import check_version, lock, today, users_with_role, validate
from portal.notifications.services import notify

from ..models import (
    EXPIRY_NOTICE_DAYS,
    Bid,
    CertificateKind,
    LotState,
    PersonCertificate,
    Qualification,
    TenderLot,
)
from . import rules

QUALIFICATION_FIELDS = ("kind", "grade", "certificate_number", "issuer", "issued_on", "expires_on")
CERTIFICATE_FIELDS = ("person_name", "user", "kind", "grade", "certificate_number", "expires_on")
LOT_FIELDS = ("code", "name", "scope", "estimated_amount", "required_kind", "required_grade", "bid_open_on")
MANAGER_KINDS = (CertificateKind.CONSTRUCTOR,)
SAFETY_KINDS = (CertificateKind.SAFETY_B, CertificateKind.SAFETY_C)


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, {field: [message]})


def money(value: Any, field: str, *, positive: bool = False) -> Decimal:
    """`value` as an amount in 元: a number, not negative (above zero when `positive`), at most two decimals."""
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise _invalid(field, _("Enter an amount in yuan.")) from None
    if not amount.is_finite():
        raise _invalid(field, _("Enter an amount in yuan."))
    if amount < 0 or (positive and amount == 0):
        raise _invalid(field, _("The amount must be above zero.") if positive
                       else _("The amount may not be negative."))
    if amount != amount.quantize(Decimal("0.01")):
        raise _invalid(field, _("An amount has at most two decimals (fen)."))
    return amount


UNIQUE_TOGETHER = {"Qualification": ("kind", "certificate_number"),
                   "PersonCertificate": ("kind", "certificate_number"), "TenderLot": ("project_id", "code")}


def _validate(obj, unique_field: str, unique_message: str) -> None:
    """The model's validation, a live record with the same key named on `unique_field` first (the partial
    unique constraint's own message names no field)."""
    key = {f: getattr(obj, f) for f in UNIQUE_TOGETHER[type(obj).__name__]}
    if type(obj).objects.filter(voided_at__isnull=True, **key).exclude(pk=obj.pk).exists():
        raise _invalid(unique_field, unique_message)
    validate(obj)


def _save_new(obj, actor: User, unique_field: str, unique_message: str):
    _validate(obj, unique_field, unique_message)
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise _invalid(unique_field, unique_message) from None
    audit_record_create(actor=actor, obj=obj)
    return obj


def _save_changes(obj, actor: User, fields: tuple[str, ...], changes: dict, unique_field: str,
                  unique_message: str, *, bump_version: bool = False):
    before = snapshot(obj, fields)
    for name, value in changes.items():
        if name in fields:
            setattr(obj, name, value)
    _validate(obj, unique_field, unique_message)
    after = snapshot(obj, fields)
    changed = diff(before, after)
    if not changed:
        return obj
    if bump_version:
        obj.version += 1
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        raise _invalid(unique_field, unique_message) from None
    audit_record(actor=actor, obj=obj, action=AuditAction.UPDATE, changes=changed)
    return obj


# ------------------------------------------------------------------------------------------- qualifications
def _require_bureau(actor: User, perm: str) -> None:
    if not actor.has_perm(perm):
        raise ApplicationError(_("You may not do this."), code=ErrorCode.FORBIDDEN)


@transaction.atomic
def qualification_create(*, actor: User, organization: Organization | None, **fields: Any) -> Qualification:
    """Record a qualification certificate an organisation holds (bureau staff)."""
    _require_bureau(actor, "supervision.add_qualification")
    if organization is None:
        raise _invalid("organization", _("This field is required."))
    q = Qualification(organization=organization, **{k: v for k, v in fields.items() if k in QUALIFICATION_FIELDS})
    return _save_new(q, actor, "certificate_number", _("A live qualification has this certificate number."))


@transaction.atomic
def qualification_update(*, actor: User, qualification: Qualification, **changes: Any) -> Qualification:
    q = lock(qualification)
    policy.require(actor, "change", q)
    return _save_changes(q, actor, QUALIFICATION_FIELDS, changes, "certificate_number",
                         _("A live qualification has this certificate number."))


@transaction.atomic
def certificate_create(*, actor: User, organization: Organization | None, **fields: Any) -> PersonCertificate:
    """Record a certificate one of an organisation's key people holds (bureau staff)."""
    _require_bureau(actor, "supervision.add_personcertificate")
    if organization is None:
        raise _invalid("organization", _("This field is required."))
    user = fields.get("user")
    if user is not None and user.organization_id != organization.pk:
        raise _invalid("user", _("Choose an account of the certificate holder's organisation."))
    c = PersonCertificate(organization=organization,
                          **{k: v for k, v in fields.items() if k in CERTIFICATE_FIELDS})
    return _save_new(c, actor, "certificate_number", _("A live certificate has this number."))


@transaction.atomic
def certificate_update(*, actor: User, certificate: PersonCertificate, **changes: Any) -> PersonCertificate:
    c = lock(certificate)
    policy.require(actor, "change", c)
    user = changes.get("user")
    if user is not None and user.organization_id != c.organization_id:
        raise _invalid("user", _("Choose an account of the certificate holder's organisation."))
    return _save_changes(c, actor, CERTIFICATE_FIELDS, changes, "certificate_number",
                         _("A live certificate has this number."))


# ------------------------------------------------------------------------------------------------------- lots
@transaction.atomic
def lot_create(*, actor: User, project, **fields: Any) -> TenderLot:
    """A lot of `project` (its owner, or bureau staff)."""
    if project is None or not policy.can(actor, "manage", project):
        raise ApplicationError(_("You may not do this."), code=ErrorCode.FORBIDDEN)
    fields["estimated_amount"] = money(fields.get("estimated_amount"), "estimated_amount")
    lot = TenderLot(project=project, **{k: v for k, v in fields.items() if k in LOT_FIELDS})
    return _save_new(lot, actor, "code", _("The project has a lot with this number."))


@transaction.atomic
def lot_update(*, actor: User, lot: TenderLot, version: Any = None, **changes: Any) -> TenderLot:
    """Change an open lot's description (its number, scope, estimate, required qualification)."""
    lot = lock(lot)
    check_version(lot, version)
    policy.require(actor, "change", lot)
    if lot.state != LotState.OPEN:
        raise ApplicationError(_("Only an open lot can be changed."), {"state": [_("Only an open lot can be changed.")]},
                               code=ErrorCode.INVALID_TRANSITION)
    if "estimated_amount" in changes:
        changes["estimated_amount"] = money(changes["estimated_amount"], "estimated_amount")
    return _save_changes(lot, actor, LOT_FIELDS, changes, "code", _("The project has a lot with this number."),
                         bump_version=True)


def _certificate_refusal(cert: PersonCertificate | None, org: Organization, kinds, field: str,
                         on: datetime.date) -> None:
    if cert is None:
        return
    if cert.organization_id != org.pk or cert.voided_at is not None:
        raise _invalid(field, _("Choose a certificate held by the bidder's people."))
    if cert.kind not in kinds:
        raise _invalid(field, _("This certificate does not qualify its holder for the post."))
    if cert.expires_on < on:
        raise _invalid(field, _("The certificate expired on %(date)s.") % {"date": cert.expires_on.isoformat()})


@transaction.atomic
def bid_add(*, actor: User, lot: TenderLot, organization: Organization | None, amount: Any,
            project_manager: PersonCertificate | None = None, safety_officer: PersonCertificate | None = None,
            note: str = "") -> Bid:
    """Record a unit's bid for an open lot, with the key people it names (their certificates must be the
    bidder's own, of the right kind and unexpired)."""
    lot = lock(lot, related=("project",))
    policy.require(actor, "change", lot)
    if lot.state != LotState.OPEN:
        raise ApplicationError(_("Bids are recorded on an open lot only."),
                               {"state": [_("Bids are recorded on an open lot only.")]},
                               code=ErrorCode.INVALID_TRANSITION)
    if organization is None:
        raise _invalid("organization", _("This field is required."))
    amount = money(amount, "amount", positive=True)
    on = today()
    _certificate_refusal(project_manager, organization, MANAGER_KINDS, "project_manager", on)
    _certificate_refusal(safety_officer, organization, SAFETY_KINDS, "safety_officer", on)
    bid = Bid(lot=lot, organization=organization, amount=amount, project_manager=project_manager,
              safety_officer=safety_officer, note=(note or "").strip())
    validate(bid, exclude=["lot", "organization"])
    if Bid.objects.filter(lot=lot, organization=organization).exists():
        raise _invalid("organization", _("This unit has bid for the lot already."))
    bid.save()
    audit_record(actor=actor, obj=lot, action=AuditAction.UPDATE,
                 changes={"bids": [None, f"{organization.name} {amount}"]})
    return bid


def award_refusals(lot: TenderLot, organization: Organization, on: datetime.date | None = None) -> list[str]:
    """Why `organization` may not be awarded `lot` (today unless `on`); empty when it may."""
    on = on or today()
    return rules.award_refusals(lot, rules.unit_standing(organization, on), on)


def _refuse_move(lot: TenderLot, name: str, actor: User) -> None:
    refusal = fsm.workflow_of(lot).refusal(lot, name, actor)
    if refusal is not None:
        raise refusal.error()


def _notify_lot(lot: TenderLot, recipients, what: str, body: str = "", level: str = "info") -> None:
    notify(recipients=recipients, event_key=f"supervision:lot:{lot.pk}:{what}:{lot.version}",
           title=_("Lot %(code)s %(name)s: %(state)s") % {"code": lot.code, "name": lot.name,
                                                         "state": lot.get_state_display()},
           body=body, url=lot.get_absolute_url(), target=lot, level=level)


@transaction.atomic
def lot_award(*, actor: User, lot: TenderLot, bid: Bid | None, version: Any = None) -> TenderLot:
    """Award an open lot to one of its bids, at the bid's amount. Refused (nothing changed) when the bidder's
    qualification is missing, expired or below the lot's, or the bidder is blacklisted or in a sanction period.
    Concurrency: the lot row is locked and the version checked; the loser of a race is told (409)."""
    lot = lock(lot, related=("project",))
    check_version(lot, version)
    _refuse_move(lot, "award", actor)
    if bid is None or bid.lot_id != lot.pk:
        raise _invalid("bid", _("Choose one of the lot's bids."))
    on = today()
    reasons = award_refusals(lot, bid.organization, on)
    if reasons:
        raise ApplicationError(_("The lot cannot be awarded to %(unit)s: %(reasons)s")
                               % {"unit": bid.organization.name, "reasons": " ".join(reasons)}, {"bid": reasons})
    lot.awarded_to, lot.awarded_amount, lot.awarded_on, lot.awarded_by = bid.organization, bid.amount, on, actor
    before, after = fsm.move(lot, "award", user=None)
    lot.version += 1
    lot.save()
    audit_record(actor=actor, obj=lot, action=AuditAction.TRANSITION, from_state=before, to_state=after,
                 changes={"awarded_to": [None, bid.organization.name], "awarded_amount": [None, str(bid.amount)]})
    _notify_lot(lot, users_with_role(Role.CONTRACTOR, organizations=[bid.organization_id]), "awarded")
    return lot


@transaction.atomic
def lot_cancel(*, actor: User, lot: TenderLot, reason: str, version: Any = None) -> TenderLot:
    """Cancel an open lot, or undo an award before a contract is signed on it, with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise _invalid("reason", _("Say why the lot is cancelled."))
    lot = lock(lot, related=("project",))
    check_version(lot, version)
    _refuse_move(lot, "cancel", actor)
    awarded_to = lot.awarded_to_id
    before, after = fsm.move(lot, "cancel", user=None)
    lot.version += 1
    lot.save()
    audit_record(actor=actor, obj=lot, action=AuditAction.TRANSITION, from_state=before, to_state=after,
                 reason=reason)
    if awarded_to:
        _notify_lot(lot, users_with_role(Role.CONTRACTOR, organizations=[awarded_to]), "cancelled", reason,
                    "warning")
    return lot


# ------------------------------------------------------------------------------------------ expiry reminders
def _remind(obj, holders, what: str, name: str, threshold: int, on: datetime.date) -> int:
    left = rules.days_left(obj.expires_on, on)
    if left < 0:
        body = _("%(what)s expired on %(date)s: renew it, or it no longer counts for an award.") % {
            "what": name, "date": obj.expires_on.isoformat()}
    else:
        body = _("%(what)s expires on %(date)s (%(days)s days left): renew it in time.") % {
            "what": name, "date": obj.expires_on.isoformat(), "days": left}
    made = notify(recipients=holders, event_key=f"supervision:{what}:{obj.pk}:expiry:{obj.expires_on}:{threshold}",
                  title=_("Expiring: %(what)s") % {"what": name}, body=body, target=obj,
                  level="warning" if threshold > 7 else "danger")
    return len(made)


def expiry_reminders_send(*, on: datetime.date | None = None) -> int:
    """Tell the holders of qualifications and certificates expiring within 60 days (or expired in the last
    week): once at 60, 30, 7 and 0 days left, keyed per threshold, so a second run the same day (or a retry)
    tells nobody twice. Returns the notifications made."""
    on = on or today()
    window = {"voided_at__isnull": True, "expires_on__lte": on + datetime.timedelta(days=EXPIRY_NOTICE_DAYS),
              "expires_on__gte": on - datetime.timedelta(days=7)}
    quals = list(Qualification.objects.filter(**window).select_related("organization"))
    certs = list(PersonCertificate.objects.filter(**window).select_related("organization", "user"))
    orgs = {q.organization_id for q in quals} | {c.organization_id for c in certs}
    people: dict[int, list[User]] = {o: [] for o in orgs}
    for user in users_with_role(None, organizations=orgs):
        if user.has_role(Role.CONTRACTOR) or user.has_role(Role.INSPECTOR):
            people[user.organization_id].append(user)
    made = 0
    for q in quals:
        threshold = rules.reminder_threshold(q.expires_on, on)
        if threshold is not None:
            made += _remind(q, people[q.organization_id], "qualification", str(q), threshold, on)
    for c in certs:
        threshold = rules.reminder_threshold(c.expires_on, on)
        if threshold is not None:
            holders = [*people[c.organization_id], *([c.user] if c.user_id else [])]
            made += _remind(c, holders, "certificate", str(c), threshold, on)
    return made
