"""Reads of the stage gates: a project's checklist for leaving its current stage (each line met or not, and what
blocks it), its documents and transitions, the lifecycle strip, and the checklist configuration."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.core import policy

from ..models import (
    STAGE_PHASE,
    GateConfirmation,
    GateRequirement,
    Phase,
    Project,
    ProjectDocument,
    RequirementKind,
    Stage,
    StageTransition,
    next_stage,
)
from .conditions import conditions_evaluate

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass
class ChecklistItem:
    """One line of a project's gate checklist as it stands now."""

    requirement: GateRequirement
    met: bool
    detail: str
    documents: list[ProjectDocument] = field(default_factory=list)
    confirmation: GateConfirmation | None = None

    def snapshot(self) -> dict[str, Any]:
        """The line as recorded with a stage transition."""
        r = self.requirement
        return {"requirement": r.pk, "title": r.title, "kind": r.kind, "condition": r.condition, "met": self.met,
                "detail": self.detail, "documents": [d.pk for d in self.documents],
                "confirmation": self.confirmation.pk if self.confirmation else None}


@dataclass
class Gate:
    """The gate a project stands before: its stage, the next one, and the checklist for leaving."""

    project: Project
    stage: str
    next_stage: str | None
    items: list[ChecklistItem]

    @property
    def unmet(self) -> list[ChecklistItem]:
        return [i for i in self.items if not i.met]

    @property
    def has_document_lines(self) -> bool:
        return any(i.requirement.kind == RequirementKind.DOCUMENT for i in self.items)

    @property
    def is_open(self) -> bool:
        """Every line is met and there is a next stage."""
        return self.next_stage is not None and not self.unmet

    def next_stage_label(self) -> "StrOrPromise":
        return Stage(self.next_stage).label if self.next_stage else ""


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "Y-m-d") if moment else "—"  # the bureau's day, not UTC's


def stage_requirements(*, project: Project, stage: str | None = None) -> list[GateRequirement]:
    """The active lines of the checklist for leaving `stage` (the project's current one) that apply to the
    project's type."""
    rows = GateRequirement.objects.filter(stage=stage or project.stage, active=True).order_by("order", "id")
    return [r for r in rows if r.applies_to(project)]


def gate_checklist(project: Project) -> list[ChecklistItem]:
    """Each requirement of leaving the project's current stage, met or not, with what blocks it. A document is
    met by a non-voided document uploaded for it, a confirmation by a non-voided confirmation, a condition by the
    records of the other parts (`conditions`). A fixed number of queries, whatever the number of lines."""
    return gate_for(project).items


def gate_for(project: Project) -> Gate:
    requirements = stage_requirements(project=project) if next_stage(project.stage) else []
    ids = {kind: [r.pk for r in requirements if r.kind == kind] for kind in RequirementKind.values}
    documents: dict[int, list[ProjectDocument]] = {}
    if ids[RequirementKind.DOCUMENT]:
        for doc in (ProjectDocument.objects.active().filter(project=project, requirement_id__in=ids[RequirementKind.DOCUMENT])
                    .select_related("uploaded_by").order_by("-created_at", "-id")):
            documents.setdefault(doc.requirement_id, []).append(doc)
    confirmations: dict[int, GateConfirmation] = {}
    if ids[RequirementKind.CONFIRMATION]:
        confirmations = {c.requirement_id: c for c in GateConfirmation.objects.active().filter(
            project=project, requirement_id__in=ids[RequirementKind.CONFIRMATION]).select_related("confirmed_by")}
    results = conditions_evaluate(project=project, conditions=[r.condition for r in requirements
                                                               if r.kind == RequirementKind.CONDITION])
    items = []
    for r in requirements:
        if r.kind == RequirementKind.DOCUMENT:
            docs = documents.get(r.pk, [])
            if docs:
                latest = docs[0]
                detail = _("“%(name)s” uploaded by %(who)s on %(day)s.") % {
                    "name": latest.original_name, "who": latest.uploaded_by.get_full_name(),
                    "day": _when(latest.created_at)}
            else:
                detail = _("Not uploaded yet.")
            items.append(ChecklistItem(r, bool(docs), detail, documents=docs))
        elif r.kind == RequirementKind.CONFIRMATION:
            c = confirmations.get(r.pk)
            if c is not None:
                detail = _("Confirmed by %(who)s on %(day)s.") % {"who": c.confirmed_by.get_full_name(),
                                                                   "day": _when(c.created_at)}
                if c.note:
                    detail += f" {c.note}"
            else:
                detail = _("Not confirmed yet by bureau staff.")
            items.append(ChecklistItem(r, c is not None, detail, confirmation=c))
        else:
            result = results[r.condition]
            items.append(ChecklistItem(r, result.met, result.detail))
    return Gate(project=project, stage=project.stage, next_stage=next_stage(project.stage), items=items)


def lifecycle_strip(
        project: Project) -> "list[tuple[str, StrOrPromise, list[tuple[str, StrOrPromise, str, int]]]]":
    """[(phase, phase label, [(stage, stage label, "done" | "current" | "todo", number from 1)])] in lifecycle
    order."""
    stages = list(Stage)
    current = stages.index(Stage(project.stage))
    phases: list[tuple[str, StrOrPromise, list[tuple[str, StrOrPromise, str, int]]]] = []
    for phase in Phase:
        row: list[tuple[str, StrOrPromise, str, int]] = [
            (s.value, s.label, "done" if i < current else "current" if i == current else "todo", i + 1)
            for i, s in enumerate(stages) if STAGE_PHASE[s] == phase]
        phases.append((phase.value, phase.label, row))
    return phases


def project_documents(*, user: User, project: Project) -> QuerySet[ProjectDocument]:
    """The project's documents (voided ones too, marked), newest first, with what the list shows."""
    return (policy.visible(user, ProjectDocument.objects.filter(project=project))
            .select_related("requirement", "uploaded_by", "voided_by").order_by("-created_at", "-id"))


def project_confirmations(*, user: User, project: Project) -> QuerySet[GateConfirmation]:
    return (policy.visible(user, GateConfirmation.objects.filter(project=project))
            .select_related("requirement", "confirmed_by", "voided_by").order_by("-created_at", "-id"))


def stage_transitions(*, user: User, project: Project) -> QuerySet[StageTransition]:
    return (policy.visible(user, StageTransition.objects.filter(project=project))
            .select_related("actor").order_by("-created_at", "-id"))


def requirement_list(*, stage: str = "", include_inactive: bool = True) -> QuerySet[GateRequirement]:
    """The checklist configuration, stage by stage."""
    qs = GateRequirement.objects.all()
    if stage:
        qs = qs.filter(stage=stage)
    if not include_inactive:
        qs = qs.filter(active=True)
    return qs.order_by("stage", "order", "id")
