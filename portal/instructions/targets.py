"""Which objects take an instruction, and who holds one on each.

An app declares, for each of its models a leader may write on, a function `holders(obj) -> Holders`
(`instruction_targets` of its `portal_plugin()`, e.g. {"projects.Project": "projects.instructions.holders"}). The
portal never imports the apps: it asks the registry (`portal.core.plugins.instruction_targets`).

A holder is described by who may answer: the users of an organisation (`organization_id`), narrowed to a role
(`role`) when given — or, with no organisation, everyone holding `role` (the bureau's service window) — and the
named users (`user_ids`, e.g. a project's liaison officer). The holders are resolved when the instruction is
written and stored on it: a later change of the object (a case moving on from the window) does not move the
instruction to someone else; the holders it was addressed to answer it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext as _

from portal.core.errors import ApplicationError


@dataclass(frozen=True)
class Holders:
    organization_id: int | None = None
    role: str = ""
    user_ids: tuple[int, ...] = ()
    label: str = ""  # who holds it, in words ("之江交通建设投资有限公司、联络员 李四")

    def __post_init__(self) -> None:
        if self.organization_id is None and not self.role and not self.user_ids:
            raise ImproperlyConfigured("Holders must name an organisation, a role or users")


def registry() -> dict[str, Any]:
    from portal.core.plugins import instruction_targets

    return instruction_targets()


def target_types() -> list[str]:
    """The declared target types ("projects.project", …)."""
    return sorted(registry())


def target_model(target_type: str) -> type[models.Model]:
    """The model of a declared target type; refused naming `target_type` otherwise."""
    key = (target_type or "").strip().lower()
    if key not in registry():
        raise ApplicationError(_("Instructions cannot be written on this kind of object."),
                               {"target_type": [_("Not a valid choice: %(value)s") % {"value": target_type}]})
    return apps.get_model(key)


def is_target(obj: models.Model) -> bool:
    return obj._meta.label_lower in registry()


def holders_of(obj: models.Model) -> Holders:
    holders = registry()[obj._meta.label_lower](obj)
    if not isinstance(holders, Holders):
        raise ImproperlyConfigured(f"the instruction holders of {obj._meta.label} must be a Holders")
    return holders
