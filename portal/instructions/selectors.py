"""Reads of leaders' instructions, always through the access policy; each a fixed number of queries."""

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet

from portal.accounts.models import User
from portal.core import policy

from .models import Instruction, InstructionState
from .permissions import holder_q


def _rows(qs: QuerySet[Instruction]) -> QuerySet[Instruction]:
    return qs.select_related("author", "answered_by", "holder_organization", "target_type").prefetch_related(
        "holder_users")


def instruction_list(*, user: User, state: str = "", holding: bool = False, target_type: str = "",
                     target_id: str = "") -> QuerySet[Instruction]:
    """The instructions `user` sees, newest first; `holding`: only those the user holds."""
    qs = policy.visible(user, Instruction)
    if state:
        qs = qs.filter(state=state)
    if holding:
        qs = qs.filter(holder_q(user))
    if target_type:
        app_label, _dot, model = target_type.lower().partition(".")
        qs = qs.filter(target_type__app_label=app_label, target_type__model=model)
    if target_id:
        qs = qs.filter(target_id=str(target_id))
    return _rows(qs)


def instructions_on(*, user: User, target: models.Model) -> list[Instruction]:
    """The instructions on `target` that `user` sees, newest first (two queries)."""
    ct = ContentType.objects.get_for_model(target, for_concrete_model=True)
    return list(_rows(policy.visible(user, Instruction).filter(target_type=ct, target_id=str(target.pk))))


def open_held(*, user: User, rows: bool = True) -> QuerySet[Instruction]:
    """Open instructions waiting for `user`'s answer (`rows`: with everything a list shows; else the author)."""
    qs = Instruction.objects.filter(holder_q(user), state=InstructionState.OPEN)
    return _rows(qs) if rows else qs.select_related("author")


def open_written(*, user: User, rows: bool = True) -> QuerySet[Instruction]:
    """Open instructions `user` wrote, waiting for an answer."""
    qs = Instruction.objects.filter(author=user, state=InstructionState.OPEN)
    return _rows(qs) if rows else qs.select_related("author")
