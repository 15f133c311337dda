"""Access-matrix rows of the smart site's live view (loaded by tests/access_matrix_spec.py): a project's live page,
its event stream (not read by the matrix: only its answer's status), and one device's chart JSON."""

from access_matrix_spec import E

PROJECT = {"project_pk": "project"}

PAGES = {
    "supervision:project-site": E(args=PROJECT),
    "supervision:project-site-stream": E(args=PROJECT),
    "supervision:device-series": E(args={"pk": "live_device"}),
}


def WORLD(both, users) -> dict:  # noqa: N802  (the name the spec loader reads)
    """A device in service with a metric on each side's project (the demo's, or one registered here — committed,
    like the demo — through the service)."""
    from projects.models import Project
    from supervision.models import Device, DeviceKind
    from supervision.sites import services

    staff = users["staff"]
    for side, project in both(Project.objects.all(), "pk").items():
        if project is None or Device.objects.filter(project=project, voided_at__isnull=True).exclude(
                kind=DeviceKind.CAMERA).exists():
            continue
        services.device_register(actor=staff, project=project, kind=DeviceKind.DUST, serial=f"MATRIX-LIVE-{side.upper()}",
                                 name="矩阵扬尘监测仪", location="矩阵测试区", responsible=project.owner)
    return {"live_device": both(Device.objects.filter(voided_at__isnull=True).exclude(kind=DeviceKind.CAMERA))}
