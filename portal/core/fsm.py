"""A workflow declared once on the model: its states, its moves, and for each move who may take it (a policy
action) and when (conditions). Pages, the API and the services all ask the workflow; nobody restates a rule.

    class ApprovalCase(models.Model):
        workflow = Workflow("state", [
            Transition("submit", source=["draft", "correction_requested"], target="submitted", label=_("Submit"),
                       permission="edit", conditions=[form_filled]),
            Transition("complete", source=[...], target="completed", system=True, conditions=[all_approved]),
        ])

- `move(obj, "submit", user=actor)` checks, in this order, the state (the move must start from the current one:
  `invalid_transition`, HTTP 409 — typically someone else moved it first), the permission (`policy.can(user,
  permission, obj)`: `forbidden`, 403) and every condition (the first refusal wins), then sets the state field
  and returns (from, to). The service around it locks the row, saves, audits and notifies. `user=None` is the
  system (a scan, a cascade): no permission is asked, the conditions still are.
- `available(obj, user)` lists the moves from the current state that the user holds the permission for, each
  enabled or disabled with the reason its first failing condition gave — so a page's buttons and the API's
  `moves` are the same, and a disabled button says why. System moves are never offered.
- A condition is `f(obj) -> None | str | Refusal`: nothing when the move may go ahead, otherwise the reason.
  A condition that raises refuses the move with a logged reason; it never becomes a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from .errors import ApplicationError, ErrorCode

logger = logging.getLogger("portal.workflow")


@dataclass(frozen=True)
class Refusal:
    """Why a move may not be taken now: the message, the error code, and the fields it concerns."""

    message: str
    code: str = ErrorCode.INVALID
    fields: dict[str, list[str]] = field(default_factory=dict)

    def error(self) -> ApplicationError:
        return ApplicationError(self.message, self.fields, code=self.code)


Condition = Callable[[Any], "None | str | Refusal"]


@dataclass(frozen=True)
class Transition:
    name: str
    source: Sequence[str]
    target: str
    label: Any = ""
    # The policy action (portal.core.policy) a user needs on the object; None: no check beyond the conditions.
    permission: str | None = None
    conditions: Sequence[Condition] = ()
    style: str = ""
    # Taken by the system only (a cascade or a scan): never offered, refused to a user.
    system: bool = False


@dataclass(frozen=True)
class Move:
    """A move as offered to one user now: enabled, or disabled with the reason."""

    transition: Transition
    enabled: bool
    reason: str = ""

    @property
    def name(self) -> str:
        return self.transition.name

    @property
    def label(self) -> Any:
        return self.transition.label

    @property
    def style(self) -> str:
        return self.transition.style

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "label": str(self.label), "enabled": self.enabled, "reason": self.reason}


def _refusal_of(result: None | str | Refusal) -> Refusal | None:
    if result is None or result == "":
        return None
    if isinstance(result, Refusal):
        return result
    return Refusal(str(result))


class Workflow:
    def __init__(self, state_field: str, transitions: Iterable[Transition]) -> None:
        self.state_field = state_field
        self.transitions = {t.name: t for t in transitions}

    def state(self, obj: Any) -> str:
        return getattr(obj, self.state_field)

    def _state_label(self, obj: Any) -> str:
        current = self.state(obj)
        return str(dict(obj._meta.get_field(self.state_field).flatchoices).get(current, current))

    def transition(self, name: str) -> Transition:
        try:
            return self.transitions[name]
        except KeyError:
            raise ApplicationError(_("Unknown action."), code=ErrorCode.INVALID) from None

    def state_refusal(self, obj: Any, t: Transition) -> Refusal | None:
        if self.state(obj) in t.source:
            return None
        shown = self._state_label(obj)
        return Refusal(_("This cannot be done while the state is “%(state)s”.") % {"state": shown},
                       ErrorCode.INVALID_TRANSITION,
                       {self.state_field: [_("Not allowed from “%(state)s”.") % {"state": shown}]})

    def permission_refusal(self, obj: Any, t: Transition, user: Any) -> Refusal | None:
        if t.system:
            return Refusal(_("This step is taken by the system."), ErrorCode.FORBIDDEN)
        if t.permission is None:
            return None
        from . import policy

        if policy.can(user, t.permission, obj):
            return None
        return Refusal(_("You may not do this."), ErrorCode.FORBIDDEN)

    def condition_refusal(self, obj: Any, t: Transition) -> Refusal | None:
        for condition in t.conditions:
            try:
                refusal = _refusal_of(condition(obj))
            except ApplicationError as exc:  # a condition may refuse by raising the service's own error
                refusal = Refusal(exc.message, exc.code, exc.extra)
            except Exception:
                logger.exception("workflow condition %s of %s.%s failed on %s:%s",
                                 getattr(condition, "__name__", condition), type(obj).__name__, t.name,
                                 obj._meta.label, obj.pk)
                refusal = Refusal(_("This cannot be checked right now; the failure was logged. Try again later."),
                                  ErrorCode.INVALID)
            if refusal is not None:
                return refusal
        return None

    def refusal(self, obj: Any, name: str, user: Any = None) -> Refusal | None:
        """Why `user` (None: the system) may not take move `name` now, or None when they may."""
        t = self.transition(name)
        return (self.state_refusal(obj, t)
                or (self.permission_refusal(obj, t, user) if user is not None else None)
                or self.condition_refusal(obj, t))

    def can_move(self, obj: Any, name: str, user: Any = None) -> bool:
        return name in self.transitions and self.refusal(obj, name, user) is None

    def move(self, obj: Any, name: str, *, user: Any) -> tuple[str, str]:
        """Set the state field for move `name` taken by `user` (None: the system); returns (from, to).
        Refuses with an ApplicationError giving the reason (state, permission or condition)."""
        refusal = self.refusal(obj, name, user)
        if refusal is not None:
            raise refusal.error()
        current = self.state(obj)
        target = self.transitions[name].target
        setattr(obj, self.state_field, target)
        return current, target

    def available(self, obj: Any, user: Any) -> list[Move]:
        """The moves from the current state that `user` holds the permission for, enabled or with the reason."""
        moves = []
        for t in self.transitions.values():
            if t.system or self.state(obj) not in t.source or self.permission_refusal(obj, t, user):
                continue
            refusal = self.condition_refusal(obj, t)
            moves.append(Move(t, refusal is None, str(refusal.message) if refusal else ""))
        return moves


def require_move_permission(obj: Any, name: str, user: Any) -> None:
    """Raise PermissionDenied (a 403, written to the security log) unless `user` holds the permission of move
    `name` — for a page or an endpoint that takes one move, before it reads the input."""
    from django.core.exceptions import PermissionDenied

    wf = workflow_of(obj)
    if wf.permission_refusal(obj, wf.transition(name), user) is not None:
        raise PermissionDenied(f"{name} {obj._meta.label}:{obj.pk}")


def workflow_of(obj: Any) -> Workflow:
    return type(obj).workflow


def move(obj: Any, name: str, *, user: Any) -> tuple[str, str]:
    """`obj`'s workflow's move `name` by `user` (None: the system); see Workflow.move."""
    return workflow_of(obj).move(obj, name, user=user)


def available(obj: Any, user: Any) -> list[Move]:
    """`obj`'s moves as offered to `user` now; see Workflow.available."""
    return workflow_of(obj).available(obj, user)
