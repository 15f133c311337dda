"""Writing, answering and withdrawing leaders' instructions. Each write runs in one transaction, locks the row it
changes (an instruction is answered once, however many holders press the button), records its audit event —
on the instruction, and on the object it was written on, whose history shows it — and notifies."""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.audit.models import AuditAction
from portal.audit.services import audit_record, audit_record_create
from portal.core import fsm, policy
from portal.core.errors import ApplicationError, ErrorCode
from portal.core.services import lock, users_with_role
from portal.notifications.services import notify

from . import targets
from .models import Instruction, InstructionState

MAX_TEXT = 2000


def may_write(user: Any) -> bool:
    """Only leaders write instructions (the model permission their role holds)."""
    return bool(user is not None and user.is_authenticated and user.is_active
                and user.has_perm("instructions.add_instruction"))


def _text(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ApplicationError(_("Please correct the errors below."), {field: [_("This field is required.")]})
    if len(value) > MAX_TEXT:
        raise ApplicationError(_("Please correct the errors below."), {field: [
            _("Ensure this value has at most %(max)d characters (it has %(n)d).") % {"max": MAX_TEXT, "n": len(value)}]})
    return value


def holder_users(instruction: Instruction) -> list[User]:
    """The active users who hold `instruction` now (one query for the group, one for the named users)."""
    users: dict[int, User] = {}
    if instruction.holder_organization_id is not None or instruction.holder_role:
        orgs = [instruction.holder_organization_id] if instruction.holder_organization_id is not None else None
        users.update((u.pk, u) for u in users_with_role(instruction.holder_role or None, organizations=orgs))
    users.update((u.pk, u) for u in instruction.holder_users.filter(is_active=True))
    return list(users.values())


def _url(obj: models.Model) -> str:
    get_url = getattr(obj, "get_absolute_url", None)
    return get_url() if callable(get_url) else ""


@transaction.atomic
def instruction_write(*, actor: User, target: models.Model, text: str) -> Instruction:
    """A leader writes an instruction on `target` (an object of a declared target type the leader may see); its
    holders are resolved now, stored, and notified."""
    if not may_write(actor):
        raise ApplicationError(_("Only a bureau leader may write an instruction."), code=ErrorCode.FORBIDDEN)
    if not targets.is_target(target):
        raise ApplicationError(_("Instructions cannot be written on this kind of object."),
                               {"target_type": [_("Select a valid choice.")]})
    if not policy.can(actor, "view", target):
        raise PermissionDenied(f"instruct {target._meta.label}:{target.pk}")
    text = _text(text, "text")
    holders = targets.holders_of(target)
    url = _url(target)
    instruction = Instruction.objects.create(
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=True), target_id=str(target.pk),
        target_repr=str(target)[:200], target_url=url[:300], author=actor, text=text,
        holder_organization_id=holders.organization_id, holder_role=holders.role,
        holder_label=str(holders.label)[:300],
    )
    if holders.user_ids:
        instruction.holder_users.set(holders.user_ids)
    audit_record_create(actor=actor, obj=instruction)
    audit_record(actor=actor, obj=target, action=AuditAction.UPDATE, changes={"instruction": [None, text]})
    notify(recipients=holder_users(instruction), event_key=f"instruction:{instruction.pk}:written",
           title=_("Leader's instruction on %(target)s") % {"target": instruction.target_repr}, body=text,
           url=instruction.get_absolute_url(), target=target, level="warning")
    return instruction


@transaction.atomic
def instruction_answer(*, actor: User, instruction: Instruction, answer: str) -> Instruction:
    """A holder answers the instruction, once: a second answer (by anyone) is refused as 409."""
    instruction = lock(instruction, live=False)
    before, after = fsm.move(instruction, "answer", user=actor)
    instruction.answer = _text(answer, "answer")
    instruction.answered_by = actor
    instruction.answered_at = timezone.now()
    instruction.save(update_fields=["state", "answer", "answered_by", "answered_at", "updated_at"])
    audit_record(actor=actor, obj=instruction, action=AuditAction.TRANSITION, from_state=before, to_state=after,
                 changes={"answer": [None, instruction.answer]})
    notify(recipients=[instruction.author], event_key=f"instruction:{instruction.pk}:answered",
           title=_("Your instruction on %(target)s was answered") % {"target": instruction.target_repr},
           body=instruction.answer, url=instruction.get_absolute_url())
    return instruction


@transaction.atomic
def instruction_withdraw(*, actor: User, instruction: Instruction, reason: str) -> Instruction:
    """The author withdraws an open instruction, with a reason; the holders are told."""
    instruction = lock(instruction, live=False)
    before, after = fsm.move(instruction, "withdraw", user=actor)
    reason = _text(reason, "reason")
    instruction.save(update_fields=["state", "updated_at"])
    audit_record(actor=actor, obj=instruction, action=AuditAction.TRANSITION, from_state=before, to_state=after,
                 reason=reason)
    notify(recipients=holder_users(instruction), event_key=f"instruction:{instruction.pk}:withdrawn",
           title=_("An instruction on %(target)s was withdrawn") % {"target": instruction.target_repr},
           body=reason, url=instruction.get_absolute_url())
    return instruction


def instruction_moves(user: User, instruction: Instruction) -> list[fsm.Move]:
    return fsm.available(instruction, user)


__all__ = ["InstructionState", "instruction_answer", "instruction_moves", "instruction_withdraw",
           "instruction_write", "may_write"]
