"""Access-matrix rows of the BIM API (loaded by tests/access_matrix_spec.py), and the BIM objects of the fixture
world, which the BIM pages' rows (tests/projects/matrix_bim_pages.py) use too: on each side a model read for real
from a small building made with IfcOpenShell ("bim_model"), its first element ("bim_element") and a link of its
walls to a task of the project ("bim_link").

A model and a link are seen with their project and changed (upload, retry, link, unlink) by whoever may manage
it — the policy's `change`, which is `manage` on the project."""

from access_matrix_spec import E

ON_MODEL_PROJECT = {"project_pk": "bim_model.project"}
MODEL_ID = {"id": "bim_model"}
LINK_ID = {"id": "bim_link"}

API = {
    "projects_bim_models_list": E(args=ON_MODEL_PROJECT),
    "projects_bim_models_create": E(args=ON_MODEL_PROJECT, action="manage"),
    "bim_models_retrieve": E(args=MODEL_ID),
    "bim_models_retry_create": E(args=MODEL_ID, action="change"),
    "bim_models_elements_list": E(args={"model_pk": "bim_model"}),
    "bim_models_elements_retrieve": E(args={"model_pk": "bim_element.model", "global_id": "bim_element.global_id"},
                                      guard="bim_element.model"),
    "bim_models_links_retrieve": E(args=MODEL_ID),
    "bim_models_status_retrieve": E(args=MODEL_ID),
    "bim_models_findings_retrieve": E(args=MODEL_ID),
    "projects_bim_links_list": E(args=ON_MODEL_PROJECT),
    "projects_bim_links_create": E(args=ON_MODEL_PROJECT, action="manage"),
    "bim_links_destroy": E(args=LINK_ID, action="change"),
}

MATRIX_TITLE = "矩阵测试模型"


def WORLD(both, users) -> dict:  # noqa: N802  (the name the spec loader reads)
    """On each side a model uploaded by bureau staff and read (eagerly, as the tests run Celery) from a two-storey
    building, and a link of its walls to a task — made here (committed, like the demo) on projects the other BIM
    tests and the smart-site world do not use: "own" one A's owner manages (not 杭温高速铁路, the project the BIM
    tests use, nor one with a model of its own), "other" one none of A's users may see. Found again, not made twice, when the world is rebuilt."""
    import tempfile
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile

    from portal.core import policy
    from projects.bim import services
    from projects.bim.samples import build_ifc
    from projects.models import BimElement, BimLink, BimModel, Project, ScheduleTask

    staff = users["staff"]
    live = (Project.objects.filter(voided_at__isnull=True, tasks__voided_at__isnull=True, tasks__isnull=False)
            .exclude(name="杭温高速铁路义乌至温州段").distinct())
    # not a project with a model of its own (the demo's airport): the matrix's would become its current one
    live = live.exclude(pk__in=BimModel.objects.exclude(title=MATRIX_TITLE).values("project_id"))
    seen_by_a: set[int] = set()
    for name in ("owner", "contractor", "liaison"):
        seen_by_a |= set(policy.visible(users[name], Project).values_list("pk", flat=True))
    managed = policy.visible(users["owner"], Project, "manage").values("pk")
    sides = {"own": live.filter(pk__in=managed).order_by("-pk").first(),
             "other": live.exclude(pk__in=seen_by_a).order_by("-pk").first()}

    out: dict[str, dict] = {"bim_model": {}, "bim_element": {}, "bim_link": {}}
    for side, project in sides.items():
        model = BimModel.objects.filter(project=project, title=MATRIX_TITLE, state="ready").order_by("-pk").first()
        if model is None:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "matrix.ifc"
                build_ifc(path)
                upload = SimpleUploadedFile("matrix.ifc", path.read_bytes())
            model = services.model_upload(actor=staff, project=project, upload=upload, title=MATRIX_TITLE)
            model.refresh_from_db()  # read once the upload committed (Celery runs eagerly in the tests)
        link = BimLink.objects.filter(project=project, name=MATRIX_TITLE).first()
        if link is None and model.state == "ready":
            task = ScheduleTask.objects.active().filter(project=project).order_by("sort_key", "pk").first()
            link = services.link_create(actor=staff, project=project, task=task, kind="class", ifc_class="IfcWall",
                                        name=MATRIX_TITLE)
        out["bim_model"][side] = model
        out["bim_element"][side] = BimElement.objects.filter(model=model).order_by("index").first()
        out["bim_link"][side] = link
    return out
