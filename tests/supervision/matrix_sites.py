"""Access-matrix rows of the smart site's registry, rules and alerts pages (loaded by tests/access_matrix_spec.py).

Who registers devices and sets a project's rules is the device policy's `change` (bureau staff, and the users of an
organisation owning or building the device's project — `permissions.may_register` for a project), so the pages that
take a project and register or set rules on it are checked against a device of that project."""

from access_matrix_spec import BUREAU, POST_ONLY, E, L

REPORTERS = BUREAU | {"inspector"}  # supervision.add_hazard: raise a hazard from an alarm
PROJECT = {"project_pk": "project"}
DEVICE = {"pk": "site_device"}
ALERT = {"pk": "site_alert"}
# A page that takes a project and registers on it (or sets its rules): allowed to whoever may change its devices.
ON_DEVICE_PROJECT = {"project_pk": "site_device.project"}

PAGES = {
    "supervision:project-site-devices": E(args=PROJECT),
    "supervision:project-site-devices-export": E(args=PROJECT),
    "supervision:device-create": E(args=ON_DEVICE_PROJECT, guard="site_device", action="change"),
    "supervision:device-detail": E(args=DEVICE),
    "supervision:device-edit": E(args=DEVICE, action="change"),
    "supervision:device-token": E(args=DEVICE, action="change"),
    "supervision:device-retire": E(args=DEVICE, action="change"),
    "supervision:device-rule-edit": E(args={**DEVICE, "key": L("crane.load_moment")}, action="change"),
    "supervision:camera-snapshot": E(args={"pk": "site_camera_event"}, guard="site_camera_event.device"),
    "supervision:project-site-rules": E(args=PROJECT),
    "supervision:site-rule-edit": E(args={**ON_DEVICE_PROJECT, "key": L("crane.load_moment")},
                                    guard="site_device", action="change"),
    "supervision:site-rule-reset": E(args={"pk": "site_rule"}, action="change", methods=POST_ONLY),
    "supervision:site-rules-defaults": E(),
    "supervision:site-rule-default-edit": E(args={"pk": "site_default_rule"}, who=BUREAU),
    "supervision:site-alerts": E(),
    "supervision:site-alerts-export": E(),
    "supervision:project-site-alerts": E(args=PROJECT),
    "supervision:project-site-alerts-export": E(args=PROJECT),
    "supervision:alert-detail": E(args=ALERT),
    "supervision:alert-clear": E(args=ALERT, action="clear", methods=POST_ONLY),
    "supervision:alert-hazard": E(args=ALERT, who=REPORTERS, methods=POST_ONLY),
}

# A camera event is seen with its camera.
WORLD_GUARDS = {"site_camera_event": "device"}

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
       b"\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def WORLD(both, users) -> dict:  # noqa: N802  (the name the spec loader reads)
    """On each side a tower crane with the warning its over-limit reading opened (through the ingestion path), a
    camera with an event and its snapshot, and a project rule — made here (committed, like the demo), on projects
    the other smart-site tests and the demo's sites do not use where there are such: "own" a project A's owner and
    contractor both run (not 杭温高速铁路, the site the tests use), "other" one none of A's users may see."""
    import datetime

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from portal.core import policy
    from projects.models import Project
    from supervision.dangerous.selectors import managed_projects
    from supervision.models import Alert, CameraEvent, Device, DeviceKind, Rule
    from supervision.sites import ingest, services

    staff = users["staff"]
    live = Project.objects.filter(voided_at__isnull=True).exclude(name="杭温高速铁路义乌至温州段")
    # the projects with no smart site of their own yet (the demo's sites, other parts' worlds), where they exist
    quiet = live.exclude(pk__in=Device.objects.exclude(serial__startswith="MATRIX-PAGES-").values("project_id"))
    run_by_a = managed_projects(users["owner"]).filter(pk__in=managed_projects(users["contractor"]).values("pk"))
    seen_by_a: set[int] = set()
    for name in ("owner", "contractor", "liaison"):
        seen_by_a |= set(policy.visible(users[name], Project).values_list("pk", flat=True))

    def pick(qs):
        return (quiet.filter(pk__in=qs.values("pk")).order_by("-pk").first()
                or live.filter(pk__in=qs.values("pk")).order_by("-pk").first())

    sides = {"own": pick(run_by_a), "other": pick(live.exclude(pk__in=seen_by_a))}

    def device(project, side: str, kind: str, **extra) -> tuple[Device, str | None]:
        serial = f"MATRIX-PAGES-{side.upper()}-{kind.upper()}"
        found = Device.objects.filter(serial=serial).first()
        if found is not None:
            return found, None
        return services.device_register(actor=staff, project=project, kind=kind, serial=serial, name=f"矩阵{kind}",
                                        location="矩阵测试区", responsible=project.owner, **extra)

    def token_of(found: Device, token: str | None) -> str:
        return token or services.device_rotate_token(actor=staff, device=found)[1]

    out: dict[str, dict] = {kind: {} for kind in ("site_device", "site_alert", "site_rule", "site_camera_event")}
    for side, project in sides.items():
        crane, token = device(project, side, DeviceKind.CRANE, rated_capacity=1000.0)
        if not Alert.objects.filter(device=crane, state="open").exists():
            ts = (timezone.now() - datetime.timedelta(minutes=1)).isoformat()  # 95 %: a warning, no hazard raised
            ingest.ingest(project.pk, [ingest.Row(0, crane.serial, token_of(crane, token), ts, "load_moment", 950.0)])
        camera, camera_token = device(project, side, DeviceKind.CAMERA, stream_url="rtsp://10.0.0.9/matrix")
        if not CameraEvent.objects.filter(device=camera).exists():
            services.camera_event(project_id=project.pk, serial=camera.serial, token=token_of(camera, camera_token),
                                  ts=timezone.now() - datetime.timedelta(minutes=1), kind="no_helmet",
                                  snapshot_file=SimpleUploadedFile("matrix.png", PNG, content_type="image/png"))
        rule = Rule.objects.filter(key="formwork.axial_force", project=project, device__isnull=True).first()
        if rule is None:
            rule = services.rule_set(actor=staff, key="formwork.axial_force", project=project, warning_level=75.0,
                                     alarm_level=95.0, source="矩阵测试：高支模专项方案")
        out["site_device"][side] = crane
        out["site_alert"][side] = Alert.objects.filter(device=crane, state="open").first()
        out["site_rule"][side] = rule
        out["site_camera_event"][side] = CameraEvent.objects.filter(device=camera).order_by("pk").first()
    default = Rule.objects.get(key="crane.load_moment", project__isnull=True, device__isnull=True)
    return {**out, "site_default_rule": {"own": default, "other": None}}
