"""Demo data of the overview part: runs after every other part's demo. It makes sure a supervision document is
on record on each side of the demo — on a record of 之江交通's projects and on one of 浙水's — so the document
download page can be shown (and tried) for a record one may and one may not see. Parts that attach their own
documents (a hazard's photo, a test report …) leave nothing to do here. Idempotent."""

from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q

from portal.accounts.models import User

from .. import documents
from ..models import Document, Hazard, InspectionPlan, Purpose

OWNERS = ("之江交通建设投资有限公司", "浙水水利水电开发有限公司")
_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _records_of(owner: str):
    """The hazards and inspection plans on the owner's projects (the kinds a document is most often on)."""
    return [(model, model.objects.filter(project__owner__name=owner, voided_at__isnull=True).order_by("pk"))
            for model in (Hazard, InspectionPlan)]


def seed() -> dict:
    actor = User.objects.filter(username="staff").first()
    made = 0
    if actor is None:
        return {}
    for owner in OWNERS:
        records = _records_of(owner)
        held = Q()
        for model, qs in records:
            held |= Q(target_type=ContentType.objects.get_for_model(model), target_id__in=qs.values("pk"))
        if Document.objects.filter(held).exists():
            continue
        target = next((qs.first() for _model, qs in records if qs.exists()), None)
        if target is None:
            continue
        documents.attach(actor=actor, target=target, purpose=Purpose.RECORD,
                         files=[SimpleUploadedFile("现场检查记录.pdf", _PDF, content_type="application/pdf")])
        made += 1
    return {"supervision_overview_documents": made}
