"""Access-matrix rows of the safety records (loaded by tests/access_matrix_spec.py)."""

from access_matrix_spec import BUREAU, PROJECT, E

# Who keeps a project's safety records besides bureau staff: the users of its owner and its contractor
# (organisation A's `owner` and `contractor` on A's projects); the policy decides per project.
KEEPERS = BUREAU | {"owner", "contractor"}

PAGES = {
    "supervision:project-safety": E(args=PROJECT),
    "supervision:project-safety-export": E(args=PROJECT),
    "supervision:safety-roster-create": E(args=PROJECT, who=KEEPERS),
    "supervision:safety-roster-edit": E(args={"pk": "safety_roster_line"}, action="change"),
    "supervision:project-safety-trainings": E(args=PROJECT),
    "supervision:project-safety-trainings-export": E(args=PROJECT),
    "supervision:safety-training-create": E(args=PROJECT, who=KEEPERS),
    "supervision:safety-training-detail": E(args={"pk": "safety_training"}),
    "supervision:project-safety-incidents": E(args=PROJECT),
    "supervision:project-safety-incidents-export": E(args=PROJECT),
    "supervision:safety-incident-create": E(args=PROJECT, who=KEEPERS),
    "supervision:safety-incidents": E(),
    "supervision:safety-incidents-export": E(),
    "supervision:safety-incident-detail": E(args={"pk": "safety_incident"}),
}

API = {
    "supervision_safety_roster_list": E(),
    "supervision_safety_roster_create": E(who=KEEPERS),
    "supervision_safety_roster_retrieve": E(args={"id": "safety_roster_line"}),
    "supervision_safety_roster_partial_update": E(args={"id": "safety_roster_line"}, action="change"),
    "supervision_safety_trainings_list": E(),
    "supervision_safety_trainings_create": E(who=KEEPERS),
    "supervision_safety_trainings_retrieve": E(args={"id": "safety_training"}),
    "supervision_incidents_list": E(),
    "supervision_incidents_create": E(who=KEEPERS),
    "supervision_incidents_retrieve": E(args={"id": "safety_incident"}),
}


def WORLD(both, users) -> dict:  # noqa: N802  (the spec's name)
    from supervision.models import Incident, SafetyResponsibility, TrainingRecord

    return {"safety_roster_line": both(SafetyResponsibility.objects.all()),
            "safety_training": both(TrainingRecord.objects.all()),
            "safety_incident": both(Incident.objects.all())}
