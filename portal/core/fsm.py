"""A workflow declared once on the model: its states, the moves that exist, and who may take each.

    class ApprovalCase(models.Model):
        workflow = Workflow("state", [
            Transition("submit", source=["draft", "correction_requested"], target="submitted", label=_("Submit")),
            ...
        ])

`workflow.move(obj, "submit")` changes the field only (the service around it locks, saves, audits and
notifies); a move the machine does not list raises ApplicationError naming the current state. `available()`
gives the moves a user may take now, so pages offer exactly those buttons.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from .errors import ApplicationError


@dataclass(frozen=True)
class Transition:
    name: str
    source: Sequence[str]
    target: str
    label: Any = ""
    # may(user, obj) -> bool: who may take this move (the access policy decides the object itself).
    may: Callable[[Any, Any], bool] | None = field(default=None, compare=False)
    style: str = ""


class Workflow:
    def __init__(self, state_field: str, transitions: Iterable[Transition]) -> None:
        self.state_field = state_field
        self.transitions = {t.name: t for t in transitions}

    def state(self, obj: Any) -> str:
        return getattr(obj, self.state_field)

    def can_move(self, obj: Any, name: str) -> bool:
        t = self.transitions.get(name)
        return t is not None and self.state(obj) in t.source

    def move(self, obj: Any, name: str) -> tuple[str, str]:
        """Set the state field for move `name`; returns (from, to). Refuses moves the machine does not list."""
        t = self.transitions[name]
        current = self.state(obj)
        if current not in t.source:
            label = obj._meta.get_field(self.state_field).flatchoices
            shown = dict(label).get(current, current)
            raise ApplicationError(
                _("This cannot be done while the state is “%(state)s”.") % {"state": shown},
                {self.state_field: [_("Not allowed from “%(state)s”.") % {"state": shown}]},
                code="invalid_transition",
            )
        setattr(obj, self.state_field, t.target)
        return current, t.target

    def available(self, obj: Any, user: Any) -> list[Transition]:
        return [
            t for t in self.transitions.values()
            if self.state(obj) in t.source and (t.may is None or t.may(user, obj))
        ]
