"""Access-matrix rows of materials and third-party inspection (loaded by tests/access_matrix_spec.py)."""

from access_matrix_spec import BUREAU, BUREAU_READ, COMPANIES, POST_ONLY, E, L

PROJECT = {"pk": "project"}
AGENCY_USERS = frozenset({"inspector"})  # 衡正工程检测, a testing agency

PAGES = {
    "supervision:project-inspections": E(args=PROJECT),
    "supervision:inspection-deliveries": E(args=PROJECT),
    # supervision.add_materialdelivery (bureau staff, the companies); the service asks for a contractor of the project
    "supervision:inspection-delivery-create": E(args=PROJECT, who=BUREAU | COMPANIES),
    # bureau staff (add_inspectionplan), or an inspector assigned to the project
    "supervision:inspection-plan-create": E(args=PROJECT, who=BUREAU | AGENCY_USERS),
    "supervision:plan-detail": E(args={"pk": "inspection_plan"}),
    "supervision:inspection-sample-create": E(args={"pk": "inspection_plan"}, action="change"),
    "supervision:sample-detail": E(args={"pk": "inspection_sample"}),
    "supervision:inspection-sample-assign": E(args={"pk": "inspection_sample"}, action="move:assign", methods=POST_ONLY),
    "supervision:inspection-sample-result": E(args={"pk": "inspection_sample"}, action="move:pass"),
    "supervision:rectification-detail": E(args={"pk": "inspection_rectification"}),
    "supervision:inspection-rectification-move": E(args={"pk": "inspection_rectification", "move": L("submit")},
                                                   action="move:submit"),
    "supervision:inspection-board": E(who=BUREAU_READ),
    "supervision:inspection-rectifications": E(),
    "supervision:inspection-agency-samples": E(who=AGENCY_USERS),
}

API = {
    "supervision_inspections_deliveries_list": E(),
    "supervision_inspections_deliveries_create": E(who=BUREAU | COMPANIES),
    "supervision_inspections_deliveries_retrieve": E(args={"id": "inspection_delivery"}),
    "supervision_inspections_plans_list": E(),
    "supervision_inspections_plans_create": E(),
    "supervision_inspections_plans_retrieve": E(args={"id": "inspection_plan"}),
    "supervision_inspections_samples_list": E(),
    "supervision_inspections_samples_create": E(),
    "supervision_inspections_samples_retrieve": E(args={"id": "inspection_sample"}),
    "supervision_inspections_samples_assign_create": E(args={"id": "inspection_sample"}, action="move:assign"),
    "supervision_inspections_samples_result_create": E(args={"id": "inspection_sample"}, action="move:pass"),
    "supervision_inspections_rectifications_list": E(),
    "supervision_inspections_rectifications_retrieve": E(args={"id": "inspection_rectification"}),
    "supervision_inspections_rectifications_submit_create": E(args={"id": "inspection_rectification"}, action="move:submit"),
    "supervision_inspections_rectifications_reject_create": E(args={"id": "inspection_rectification"}, action="move:reject"),
    "supervision_inspections_rectifications_verify_create": E(args={"id": "inspection_rectification"}, action="move:verify"),
}


def WORLD(both, users) -> dict:  # noqa: N802  (the spec's name)
    from supervision.models import InspectionPlan, MaterialDelivery, Rectification, Sample

    return {
        "inspection_delivery": both(MaterialDelivery.objects.all()),
        "inspection_plan": both(InspectionPlan.objects.all()),
        "inspection_sample": both(Sample.objects.all(), "plan__project"),
        "inspection_rectification": both(Rectification.objects.all()),
    }
