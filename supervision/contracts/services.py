"""Writes of contracts: record one (the project's owner or bureau staff), change its terms while it runs, complete
or terminate it, and add versions of its documents.

Every write locks the contract, checks the version the user read (a stale one is refused, HTTP 409) and audits
itself; the terms are checked by `supervision.contracts.rules` before anything is stored."""

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from portal.accounts.models import Organization, Role, User
from portal.audit.models import AuditAction
from portal.audit.services import audit_record, audit_record_create, diff, snapshot
from portal.core import fsm, policy, uploads
from portal.core.errors import ApplicationError, ErrorCode
from portal.core.services import check_version, lock, users_with_role, validate
from portal.notifications.services import notify

from ..models import Contract, ContractDocument, ContractState
from . import rules

TERM_FIELDS = ("lot", "number", "title", "kind", "employer", "contractor", "amount", "start_on", "finish_on",
               "quality_standard", "delay_penalty_per_day", "delay_penalty_cap", "quality_penalty_clause",
               "advance_share", "retention_share", "payment_share", "defects_months", "signed_on")
AUDITED = TERM_FIELDS


def _check_terms(terms: dict[str, Any], project, contractor: Organization | None, lot) -> dict[str, Any]:
    errors = rules.term_refusals(terms)
    if (why := rules.lot_refusal(lot, project.pk, contractor.pk if contractor else None)) is not None:
        errors.setdefault("lot", []).append(why)
    if errors:
        first = next(iter(errors.values()))[0]
        raise ApplicationError(first if len(errors) == 1 else _("Please correct the errors below."), errors)
    return {k: (rules.decimal_of(v) if k in (*rules.MONEY_FIELDS, *rules.PERCENT_FIELDS) and v not in (None, "")
                else v) for k, v in terms.items()}


def _save(contract: Contract) -> None:
    validate(contract)
    try:
        with transaction.atomic():
            contract.save()
    except IntegrityError:
        raise ApplicationError(_("A contract has this number."),
                               {"number": [_("A contract has this number.")]}) from None


def _notify(contract: Contract, what: str, body: str = "", level: str = "info") -> None:
    notify(recipients=users_with_role(Role.CONTRACTOR, organizations=[contract.contractor_id, contract.employer_id]),
           event_key=f"supervision:contract:{contract.pk}:{what}:{contract.version}",
           title=_("Contract %(number)s: %(state)s") % {"number": contract.number,
                                                        "state": contract.get_state_display()},
           body=body, url=contract.get_absolute_url(), target=contract, level=level)


@transaction.atomic
def contract_create(*, actor: User, project, employer: Organization | None = None,
                    contractor: Organization | None = None, lot=None, **terms: Any) -> Contract:
    """Record a signed contract of `project` (its owner or bureau staff). The employer defaults to the project's
    owner; a contract on a lot is with the unit the lot was awarded to."""
    if project is None or not policy.can(actor, "manage", project):
        raise ApplicationError(_("You may not do this."), code=ErrorCode.FORBIDDEN)
    if contractor is None:
        raise ApplicationError(_("Please correct the errors below."),
                               {"contractor": [_("This field is required.")]})
    employer = employer or project.owner
    checked = _check_terms({**terms, "amount": terms.get("amount")}, project, contractor, lot)
    contract = Contract(project=project, employer=employer, contractor=contractor, lot=lot, created_by=actor,
                        **{k: v for k, v in checked.items() if k in TERM_FIELDS and v is not None})
    _save(contract)
    audit_record_create(actor=actor, obj=contract)
    _notify(contract, "signed")
    return contract


@transaction.atomic
def contract_update(*, actor: User, contract: Contract, version: Any = None, **changes: Any) -> Contract:
    """Change the terms of a running (signed) contract — a supplementary agreement; every change is audited."""
    contract = lock(contract, related=("project", "lot"))
    check_version(contract, version)
    policy.require(actor, "change", contract)
    if contract.state != ContractState.SIGNED:
        raise ApplicationError(_("Only a running contract can be changed."),
                               {"state": [_("Only a running contract can be changed.")]},
                               code=ErrorCode.INVALID_TRANSITION)
    changes = {k: v for k, v in changes.items() if k in TERM_FIELDS}
    lot = changes.get("lot", contract.lot)
    contractor = changes.get("contractor", contract.contractor)
    terms = {**{k: getattr(contract, k) for k in ("start_on", "finish_on")}, **changes}
    checked = _check_terms(terms, contract.project, contractor, lot)
    before = snapshot(contract, AUDITED)
    for name, value in checked.items():
        if name in TERM_FIELDS and (value is not None or name == "lot"):
            setattr(contract, name, value)
    changed = diff(before, snapshot(contract, AUDITED))
    if not changed:
        return contract
    contract.version += 1
    _save(contract)
    audit_record(actor=actor, obj=contract, action=AuditAction.UPDATE, changes=changed)
    return contract


def _move(contract: Contract, name: str, actor: User, reason: str = "") -> Contract:
    before, after = fsm.move(contract, name, user=actor)
    contract.version += 1
    contract.save()
    audit_record(actor=actor, obj=contract, action=AuditAction.TRANSITION, from_state=before, to_state=after,
                 reason=reason)
    _notify(contract, name, reason, "warning" if name == "terminate" else "info")
    return contract


@transaction.atomic
def contract_complete(*, actor: User, contract: Contract, version: Any = None) -> Contract:
    """The works are accepted: the contract is completed (its retention runs through the defects period)."""
    contract = lock(contract)
    check_version(contract, version)
    return _move(contract, "complete", actor)


@transaction.atomic
def contract_terminate(*, actor: User, contract: Contract, reason: str, version: Any = None) -> Contract:
    """End a running contract before completion, with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Say why the contract is terminated."),
                               {"reason": [_("This field is required.")]})
    contract = lock(contract)
    check_version(contract, version)
    return _move(contract, "terminate", actor, reason)


@transaction.atomic
def contract_document_add(*, actor: User, contract: Contract, title: str, upload: UploadedFile | None,
                          note: str = "") -> ContractDocument:
    """Add a document to a contract: a new upload under an existing title is its next version (the earlier ones
    stay). The contract row is locked, so two uploads of one title at once get versions n and n + 1."""
    title = (title or "").strip()
    if not title:
        raise ApplicationError(_("Please correct the errors below."), {"title": [_("This field is required.")]})
    try:
        checked = uploads.validate_upload(upload)
    except ApplicationError as exc:
        raise ApplicationError(exc.message, {"file": [exc.message]}, code=exc.code) from exc
    contract = lock(contract)
    policy.require(actor, "change", contract)
    last = contract.documents.filter(title=title).aggregate(v=Max("version"))["v"] or 0
    doc = ContractDocument(contract=contract, title=title[:200], version=last + 1, original_name=checked.name,
                           sha256=checked.sha256, size=checked.size, content_type=checked.content_type,
                           note=(note or "").strip()[:200], uploaded_by=actor)
    doc.file.save(uploads.storage_name(contract.pk, checked), checked.content, save=False)
    doc.save()
    audit_record(actor=actor, obj=contract, action=AuditAction.UPDATE,
                 changes={"documents": [None, f"{doc.title} v{doc.version}"]})
    return doc

