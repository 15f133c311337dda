"""Access-matrix rows of tendering and qualifications (loaded by tests/access_matrix_spec.py)."""

from access_matrix_spec import BUREAU, POST_ONLY, PROJECT, E

QUALIFICATION, QUALIFICATION_ID = {"pk": "qualification"}, {"id": "qualification"}
CERTIFICATE, CERTIFICATE_ID = {"pk": "certificate"}, {"id": "certificate"}
LOT, LOT_ID = {"pk": "lot"}, {"id": "lot"}

PAGES = {
    # The registers list what the user may see (the bureau all, a company its own); the bureau records.
    "supervision:qualification-list": E(),
    "supervision:qualification-export": E(),
    "supervision:qualification-create": E(who=BUREAU),
    "supervision:qualification-edit": E(args=QUALIFICATION, action="change"),
    "supervision:qualification-expiring": E(),
    "supervision:certificate-list": E(),
    "supervision:certificate-export": E(),
    "supervision:certificate-create": E(who=BUREAU),
    "supervision:certificate-edit": E(args=CERTIFICATE, action="change"),
    "supervision:organization-qualifications": E(args={"pk": "organization"}),
    # A project's lots: seen with the project, managed by its owner and the bureau.
    "supervision:project-lots": E(args=PROJECT),
    "supervision:project-lots-export": E(args=PROJECT),
    "supervision:lot-create": E(args=PROJECT, action="manage"),
    "supervision:lot-detail": E(args=LOT),
    "supervision:lot-edit": E(args=LOT, action="change"),
    "supervision:lot-bid-add": E(args=LOT, action="change"),
    "supervision:lot-award": E(args=LOT, action="move:award", methods=POST_ONLY),
    "supervision:lot-cancel": E(args=LOT, action="move:cancel"),
}

API = {
    "supervision_qualifications_list": E(),
    "supervision_qualifications_create": E(who=BUREAU),
    "supervision_qualifications_retrieve": E(args=QUALIFICATION_ID),
    "supervision_qualifications_partial_update": E(args=QUALIFICATION_ID, action="change"),
    "supervision_certificates_list": E(),
    "supervision_certificates_create": E(who=BUREAU),
    "supervision_certificates_retrieve": E(args=CERTIFICATE_ID),
    "supervision_certificates_partial_update": E(args=CERTIFICATE_ID, action="change"),
    "supervision_lots_list": E(),
    "supervision_lots_create": E(),  # the service asks `manage` on the project named in the body
    "supervision_lots_retrieve": E(args=LOT_ID),
    "supervision_lots_partial_update": E(args=LOT_ID, action="change"),
    "supervision_lots_bids_create": E(args=LOT_ID, action="change"),
    "supervision_lots_award_create": E(args=LOT_ID, action="move:award"),
    "supervision_lots_cancel_create": E(args=LOT_ID, action="move:cancel"),
}


def WORLD(both, users) -> dict:  # noqa: N802  (the name the spec loader reads)
    from supervision.models import PersonCertificate, Qualification, TenderLot

    def held(model, own: str, other: str) -> dict:
        live = model.objects.filter(voided_at__isnull=True).order_by("pk")
        return {"own": live.filter(organization__name=own).first(), "other": live.filter(organization__name=other).first()}

    # A's contractor (华东路桥) holds the "own" ones; 江南水电 (a unit none of A's users belongs to) the "other".
    return {
        "qualification": held(Qualification, "华东路桥建设集团有限公司", "江南水电工程局有限公司"),
        "certificate": held(PersonCertificate, "华东路桥建设集团有限公司", "江南水电工程局有限公司"),
        "lot": both(TenderLot.objects.filter(voided_at__isnull=True)),
    }
