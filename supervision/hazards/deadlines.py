"""Hazards on the deadline engine (portal.core.deadlines): near the deadline → the responsible unit's users
(reminder), overdue → the unit's heads, some working days more → the leaders, in their daily digest. The same scan
proposes an accountability record for every open major hazard past its deadline (idempotent: one per hazard)."""

import datetime
import logging

from django.urls import reverse

from portal.core.deadlines import EscalationLadder, by_organization

from ..accountability.rules import propose_for_overdue_major_hazard
from ..models import OPEN_HAZARD_STATES, Hazard, HazardGrade

logger = logging.getLogger(__name__)


def open_hazards(day: datetime.date):
    return Hazard.objects.filter(state__in=OPEN_HAZARD_STATES, voided_at__isnull=True)


def describe_hazards(hazards) -> dict[int, tuple[str, str]]:
    marker = 987654321
    template = reverse("supervision:hazard-detail", args=[marker])
    return {pk: (f"{number} {title} — {project}", template.replace(str(marker), str(pk)))
            for pk, number, title, project in hazards.values_list("pk", "number", "title", "project__name")}


def overdue_major_hazards_step(day: datetime.date) -> dict[str, int]:
    """Every open major hazard past its deadline on `day` has its accountability proposal (a rerun proposes
    nothing twice; a proposal still undecided is raised to a work stop when the hazard is late enough)."""
    proposed = 0
    for hazard in open_hazards(day).filter(grade=HazardGrade.MAJOR, due_on__lt=day).select_related("project"):
        try:
            if propose_for_overdue_major_hazard(hazard, on=day) is not None:
                proposed += 1
        except Exception:
            logger.exception("deadline scan: proposing accountability for hazard %s failed", hazard.pk)
    return {"accountability_proposals": proposed}


def _list_url(rung: str) -> str:
    return reverse("supervision:hazard-board") + "?overdue=1"


HAZARD_LADDER = EscalationLadder(
    name="supervision.hazard",
    model=Hazard,
    open_items=open_hazards,
    due_field="due_on",
    audience="responsible_id",
    holders=by_organization(),
    heads=by_organization(heads_only=True),
    describe=describe_hazards,
    list_url=_list_url,
    steps=(overdue_major_hazards_step,),
)
