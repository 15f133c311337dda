"""Access-matrix rows of the dangerous-works register (loaded by tests/access_matrix_spec.py)."""

from access_matrix_spec import BUREAU, POST_ONLY, PROJECT, E, L

# Who keeps a project's quality and safety records besides bureau staff: the users of its owner and its
# contractor (organisation A's `owner` and `contractor` on A's projects); the policy decides per project.
KEEPERS = BUREAU | {"owner", "contractor"}
WORK = {"pk": "dangerous_work"}

PAGES = {
    "supervision:dangerous-list": E(),
    "supervision:dangerous-export": E(),
    "supervision:project-dangerous": E(args=PROJECT),
    "supervision:project-dangerous-export": E(args=PROJECT),
    "supervision:dangerous-create": E(args=PROJECT, who=KEEPERS),
    "supervision:dangerous-detail": E(args=WORK),
    "supervision:dangerous-edit": E(args=WORK, action="change"),
    "supervision:dangerous-review": E(args=WORK, action="change"),
    "supervision:dangerous-attach": E(args=WORK, action="change", methods=POST_ONLY),
    "supervision:dangerous-move": E(args={**WORK, "move": L("approve_plan")}, action="move:approve_plan",
                                    methods=POST_ONLY),
}

WORK_ID = {"id": "dangerous_work"}
API = {
    "supervision_dangerous_works_list": E(),
    "supervision_dangerous_works_create": E(who=KEEPERS),
    "supervision_dangerous_works_retrieve": E(args=WORK_ID),
    "supervision_dangerous_works_partial_update": E(args=WORK_ID, action="change"),
    "supervision_dangerous_works_approve_plan_create": E(args=WORK_ID, action="move:approve_plan"),
    "supervision_dangerous_works_start_create": E(args=WORK_ID, action="move:start"),
    "supervision_dangerous_works_complete_create": E(args=WORK_ID, action="move:complete"),
    "supervision_dangerous_works_review_create": E(args=WORK_ID, action="change"),
    "supervision_dangerous_works_documents_create": E(args=WORK_ID, action="change"),
}


def WORLD(both, users) -> dict:  # noqa: N802  (the spec's name)
    from supervision.models import DangerousWork

    return {"dangerous_work": both(DangerousWork.objects.filter(large_scale=True))}
