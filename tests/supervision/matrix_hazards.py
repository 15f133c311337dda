"""Access-matrix rows of the hazards part (loaded by tests/access_matrix_spec.py)."""

from access_matrix_spec import BUREAU, E, L

REPORTERS = BUREAU | {"inspector"}  # supervision.add_hazard
HAZARD = {"pk": "hazard"}
HAZARD_ID = {"id": "hazard"}
PROJECT = {"pk": "project"}

PAGES = {
    "supervision:hazard-board": E(),
    "supervision:hazard-board-export": E(),
    "supervision:hazard-detail": E(args=HAZARD),
    "supervision:hazard-photos": E(args=HAZARD, action="attach"),
    "supervision:hazard-move": E(args={"pk": "hazard", "move": L("reject")}, action="move:reject"),
    "supervision:project-hazards": E(args=PROJECT),
    "supervision:project-hazards-export": E(args=PROJECT),
    "supervision:hazard-create": E(args=PROJECT, who=REPORTERS),
}

API = {
    "supervision_hazards_list": E(),
    "supervision_hazards_create": E(who=REPORTERS),
    "supervision_hazards_retrieve": E(args=HAZARD_ID),
    "supervision_hazards_acknowledge_create": E(args=HAZARD_ID, action="move:acknowledge"),
    "supervision_hazards_submit_create": E(args=HAZARD_ID, action="move:submit"),
    "supervision_hazards_reject_create": E(args=HAZARD_ID, action="move:reject"),
    "supervision_hazards_close_create": E(args=HAZARD_ID, action="move:close"),
    "supervision_hazards_photos_create": E(args=HAZARD_ID, action="attach"),
    "supervision_hazard_criteria_list": E(),
}


def WORLD(both, users) -> dict:  # noqa: N802  (the name the spec loader reads)
    from supervision.models import Hazard

    return {"hazard": both(Hazard.objects.filter(voided_at__isnull=True))}
