"""Access-matrix rows of the overview part (see tests/access_matrix_spec.py): a project's quality & safety page,
its figures in the API, the inspector's work list and its export, and the download of a supervision document (whoever may see the
record it belongs to: `supervision.documents.DocumentPolicy`)."""

from access_matrix_spec import PROJECT, E

INSPECTORS = frozenset({"inspector"})

PAGES = {
    "supervision:project-quality": E(args=PROJECT),
    "supervision:my-work": E(who=INSPECTORS),
    "supervision:my-work-export": E(who=INSPECTORS),
    "supervision:document": E(args={"pk": "supervision_document"}),
}

API = {
    "supervision_project_quality_retrieve": E(args={"id": "project"}),
}


def WORLD(both, users) -> dict:  # noqa: N802  (the spec's name)
    """A supervision document on each side: `both` picks by the project of the record the document is on."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Case, IntegerField, OuterRef, Subquery, When

    from supervision import models as m

    project_of = {m.Hazard: "project_id", m.DangerousWork: "project_id", m.InspectionPlan: "project_id",
                  m.Sample: "plan__project_id", m.Rectification: "project_id", m.MaterialDelivery: "project_id",
                  m.TrainingRecord: "project_id", m.Incident: "project_id", m.AccountabilityRecord: "project_id",
                  m.SafetyResponsibility: "project_id", m.TenderLot: "project_id", m.Contract: "project_id"}
    whens = [When(target_type=ContentType.objects.get_for_model(model),
                  then=Subquery(model.objects.filter(pk=OuterRef("target_id")).values(path)[:1]))
             for model, path in project_of.items()]
    docs = m.Document.objects.annotate(target_project=Case(*whens, output_field=IntegerField()))
    return {"supervision_document": both(docs, "target_project")}
