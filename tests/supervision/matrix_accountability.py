"""Access-matrix rows of the accountability part (loaded by tests/access_matrix_spec.py)."""

from access_matrix_spec import BUREAU, E, L

RECORD = {"pk": "accountability"}
RECORD_ID = {"id": "accountability"}

PAGES = {
    "supervision:accountability-list": E(),
    "supervision:accountability-export": E(),
    "supervision:accountability-create": E(who=BUREAU),
    "supervision:accountability-detail": E(args=RECORD),
    "supervision:accountability-move": E(args={"pk": "accountability", "move": L("confirm")},
                                         action="move:confirm"),
    "supervision:accountability-unit": E(args={"pk": "organization"}),
    "supervision:project-accountability": E(args={"pk": "project"}),
}

API = {
    "supervision_accountability_list": E(),
    "supervision_accountability_create": E(who=BUREAU),
    "supervision_accountability_retrieve": E(args=RECORD_ID),
    "supervision_accountability_confirm_create": E(args=RECORD_ID, action="move:confirm"),
    "supervision_accountability_dismiss_create": E(args=RECORD_ID, action="move:dismiss"),
    "supervision_accountability_complete_create": E(args=RECORD_ID, action="move:complete"),
}


def WORLD(both, users) -> dict:  # noqa: N802  (the name the spec loader reads)
    from supervision.models import AccountabilityRecord

    return {"accountability": both(AccountabilityRecord.objects.filter(voided_at__isnull=True,
                                                                       state="confirmed"))}
