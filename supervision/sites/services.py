"""Writes of the smart site: registering, editing and retiring devices and issuing their tokens; a project's or a
device's own rules; clearing an alert by hand; raising a hazard from an alert; a camera's events; and the sweep
that judges what only the passing of time decides (an averaging window that closed without a later reading, an
alert whose quiet spell has passed). Readings come in through `ingest`."""

import contextlib
import datetime
import functools
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import Organization, Role, User
from portal.audit.models import AuditAction
from portal.audit.services import audit_record, audit_record_create, diff, snapshot
from portal.core import policy
from portal.core.errors import ApplicationError, ErrorCode
from portal.core.services import check_version, lock, object_void, users_with_role, validate
from portal.notifications.models import Notification
from portal.notifications.services import notify
from projects.models import Project

from ..hazards.permissions import may_report
from ..models import (
    KIND_METRICS,
    TOKEN_PREFIX,
    Alert,
    AlertLevel,
    AlertState,
    CameraEvent,
    CameraEventKind,
    Device,
    DeviceKind,
    HazardGrade,
    Rule,
    RuleKind,
    RuleState,
)
from ..safety.services import project_organizations
from .engine import Engine, effective_rules
from .ingest import load_engine, save, token_hash
from .permissions import may_register

DEVICE_FIELDS = ("kind", "serial", "name", "location", "latitude", "longitude", "responsible", "rated_capacity",
                 "stream_url")
STREAM_SCHEMES = ("rtsp://", "rtmp://", "http://", "https://")
RULE_FIELDS = ("warning_level", "alarm_level", "time_from", "time_to", "window_minutes", "allowed_per_day",
               "reference", "sustain_minutes", "clear_minutes", "raises_hazard", "source", "active", "name")


def _refuse(message: str, field: str) -> None:
    raise ApplicationError(message, {field: [message]})


def _forbidden(message: str | None = None) -> ApplicationError:
    return ApplicationError(message or _("You may not do this."), code=ErrorCode.FORBIDDEN)


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


# -------------------------------------------------------------------------------------------------- devices
def _check_device(device: Device, project: Project) -> None:
    errors: dict[str, list[str]] = {}
    if device.responsible_id is not None and device.responsible_id not in {
            o.pk for o in project_organizations(project)}:
        errors["responsible"] = [_("Choose an organisation taking part in the project.")]
    if device.kind == DeviceKind.CRANE and not device.rated_capacity:
        errors["rated_capacity"] = [_("A tower crane needs its rated load moment.")]
    if device.rated_capacity is not None and device.rated_capacity <= 0:
        errors["rated_capacity"] = [_("Must be greater than zero.")]
    if device.kind == DeviceKind.CAMERA:
        if not device.stream_url:
            errors["stream_url"] = [_("A camera needs its stream address.")]
        elif not device.stream_url.lower().startswith(STREAM_SCHEMES):
            errors["stream_url"] = [_("Use an rtsp://, rtmp://, http:// or https:// address.")]
    elif device.stream_url:
        errors["stream_url"] = [_("Only a camera has a stream address.")]
    if (device.latitude is None) != (device.longitude is None):
        errors["latitude" if device.latitude is None else "longitude"] = [
            _("Give both latitude and longitude, or neither.")]
    if errors:
        raise ApplicationError(_("Please correct the errors below."), errors)


@transaction.atomic
def device_register(*, actor: User, project: Project, **values: Any) -> tuple[Device, str]:
    """Register a device on `project`'s site; returns it and its token, shown this once (only its hash is
    kept)."""
    if project is None or not may_register(actor, project):
        raise ApplicationError(_("You may not register devices on this project."),
                               {"project": [_("Select a valid choice.")]}, code=ErrorCode.FORBIDDEN)
    unknown = set(values) - set(DEVICE_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    serial = (values.get("serial") or "").strip()
    values["serial"] = serial
    for name in ("name", "location", "stream_url"):
        values[name] = (values.get(name) or "").strip()
    token = new_token()
    device = Device(project=project, registered_by=actor, token_hash=token_hash(token),
                    token_hint=token[:len(TOKEN_PREFIX) + 4], token_rotated_at=timezone.now(), token_rotated_by=actor,
                    **values)
    if serial and Device.objects.filter(serial=serial).exists():
        _refuse(_("A device with this serial number is registered already."), "serial")
    validate(device, exclude=["token_hash", "token_hint"])
    _check_device(device, project)
    try:
        with transaction.atomic():
            device.save()
    except IntegrityError:
        _refuse(_("A device with this serial number is registered already."), "serial")
    audit_record_create(actor=actor, obj=device)
    return device, token


@transaction.atomic
def device_update(*, actor: User, device: Device, version: Any = None, **values: Any) -> Device:
    if not policy.can(actor, "change", device):
        raise _forbidden()
    device = lock(device)
    check_version(device, version)
    unknown = set(values) - (set(DEVICE_FIELDS) - {"kind", "serial"})
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    before = snapshot(device)
    for name, value in values.items():
        setattr(device, name, value.strip() if isinstance(value, str) else value)
    validate(device, exclude=["token_hash", "token_hint"])
    _check_device(device, device.project)
    device.version += 1
    device.save()
    audit_record(actor=actor, obj=device, action=AuditAction.UPDATE, changes=diff(before, snapshot(device)))
    return device


@transaction.atomic
def device_rotate_token(*, actor: User, device: Device) -> tuple[Device, str]:
    """Issue a new token; the old one stops working at once."""
    if not policy.can(actor, "change", device):
        raise _forbidden()
    device = lock(device)
    token = new_token()
    device.token_hash, device.token_hint = token_hash(token), token[:len(TOKEN_PREFIX) + 4]
    device.token_rotated_at, device.token_rotated_by = timezone.now(), actor
    device.version += 1
    device.save(update_fields=["token_hash", "token_hint", "token_rotated_at", "token_rotated_by", "version",
                               "updated_at"])
    audit_record(actor=actor, obj=device, action=AuditAction.UPDATE, reason=_("Token rotated"),
                 changes={"token": ["…", device.token_hint + "…"]})
    return device, token


def device_retire(*, actor: User, device: Device, reason: str) -> Device:
    """Retire (void) a device: its readings and alerts stay; new readings are refused."""
    if not policy.can(actor, "change", device):
        raise _forbidden()
    return object_void(actor=actor, obj=device, reason=reason)


# ---------------------------------------------------------------------------------------------------- rules
def _default_for(key: str) -> Rule | None:
    return Rule.objects.filter(key=key, project__isnull=True, device__isnull=True).first()


def _tightens(rule: Rule, default: Rule) -> dict[str, list[str]]:
    """Where a project's rule would loosen the default it replaces."""
    errors: dict[str, list[str]] = {}
    looser = _("A project may only tighten the default (%(value)s).")
    for name in ("warning_level", "alarm_level"):
        mine, theirs = getattr(rule, name), getattr(default, name)
        if theirs is not None and (mine is None or mine > theirs):
            errors[name] = [looser % {"value": f"{theirs:g}"}]
    for name in ("allowed_per_day", "sustain_minutes"):
        if getattr(rule, name) > getattr(default, name):
            errors[name] = [looser % {"value": getattr(default, name)}]
    if default.window_minutes and rule.window_minutes != default.window_minutes:
        errors["window_minutes"] = [_("The averaging window is the default's (%(value)s minutes).")
                                    % {"value": default.window_minutes}]
    if not rule.active and default.active:
        errors["active"] = [_("A project may not switch a default rule off.")]
    if (rule.time_from, rule.time_to) != (default.time_from, default.time_to):
        errors["time_from"] = [_("A project keeps the default's hours (fewer hours would judge less).")]
    if default.raises_hazard and not rule.raises_hazard:
        errors["raises_hazard"] = [_("A project may not stop an alarm of this rule from raising a hazard.")]
    if rule.clear_minutes < default.clear_minutes:
        errors["clear_minutes"] = [looser % {"value": default.clear_minutes}]
    return errors


def _check_rule(rule: Rule) -> None:
    errors: dict[str, list[str]] = {}
    if rule.warning_level is None and rule.alarm_level is None:
        errors["alarm_level"] = [_("Give a warning level, an alarm level or both.")]
    if (rule.warning_level is not None and rule.alarm_level is not None
            and rule.warning_level > rule.alarm_level):
        errors["warning_level"] = [_("The warning level cannot be above the alarm level.")]
    if (rule.time_from is None) != (rule.time_to is None):
        errors["time_to"] = [_("Give both ends of the time of day, or neither.")]
    if rule.kind == RuleKind.AVERAGE and not rule.window_minutes:
        errors["window_minutes"] = [_("An average needs its window.")]
    if rule.window_minutes and (1440 % rule.window_minutes):
        errors["window_minutes"] = [_("The window must divide the day (5, 10, 15, 30, 60 … minutes).")]
    reference = rule.reference if rule.reference_id is not None else None
    if reference is not None:
        if rule.kind != RuleKind.AVERAGE:
            errors["reference"] = [_("Only an average is judged against a reference device.")]
        elif (reference.project_id != (rule.project_id or getattr(rule.device, "project_id", None))
              or reference.kind != rule.device_kind or reference.pk == rule.device_id):
            errors["reference"] = [_("Choose another device of the same kind on this project.")]
    if rule.kind != RuleKind.EVENT and rule.metric not in KIND_METRICS.get(rule.device_kind, ()):
        errors["metric"] = [_("This kind of device does not measure it.")]
    if not (rule.source or "").strip():
        errors["source"] = [_("Name where the values come from (a standard, the design, the special plan).")]
    if errors:
        raise ApplicationError(_("Please correct the errors below."), errors)


@transaction.atomic
def rule_set(*, actor: User, key: str, project: Project | None = None, device: Device | None = None,
             version: Any = None, **values: Any) -> Rule:
    """Set a project's (or one device's) own values of rule `key`, replacing the default for it. A project may
    only tighten a default; a device's values (the designer's control values of a monitoring point) may differ,
    with the document they come from in `source`."""
    if device is not None:
        project = device.project
    if project is None or not may_register(actor, project) or (device is not None
                                                               and not policy.can(actor, "change", device)):
        raise _forbidden(_("You may not set the rules of this site."))
    unknown = set(values) - set(RULE_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    default = _default_for(key)
    scope: dict[str, Any] = ({"device": device} if device is not None
                             else {"project": project, "device__isnull": True})
    existing = Rule.objects.select_for_update().filter(key=key, **scope).first()
    base = existing or (Rule.objects.filter(key=key, project=project, device__isnull=True).first()
                        if device is not None else None) or default
    if base is None:
        raise ApplicationError(_("There is no such rule."), {"key": [_("There is no such rule.")]})
    if existing is not None:
        check_version(existing, version)
    rule = existing or Rule(key=key, project=None if device is not None else project, device=device,
                            device_kind=base.device_kind, metric=base.metric, event_kind=base.event_kind,
                            kind=base.kind, name=base.label, warning_level=base.warning_level,
                            alarm_level=base.alarm_level, time_from=base.time_from, time_to=base.time_to,
                            window_minutes=base.window_minutes, allowed_per_day=base.allowed_per_day,
                            sustain_minutes=base.sustain_minutes, clear_minutes=base.clear_minutes,
                            raises_hazard=base.raises_hazard, source=base.source)
    if device is not None and device.kind != rule.device_kind:
        _refuse(_("This rule is not for this kind of device."), "key")
    before = snapshot(rule) if existing else {}
    for name, value in values.items():
        setattr(rule, name, value.strip() if isinstance(value, str) else value)
    rule.changed_by = actor
    validate(rule, exclude=["project", "device", "reference", "changed_by"])
    _check_rule(rule)
    if device is None and default is not None:
        errors = _tightens(rule, default)
        if errors:
            raise ApplicationError(_("Please correct the errors below."), errors)
    if existing:
        rule.version += 1
    rule.save()
    if existing:
        audit_record(actor=actor, obj=rule, action=AuditAction.UPDATE, changes=diff(before, snapshot(rule)))
    else:
        audit_record_create(actor=actor, obj=rule)
    return rule


@transaction.atomic
def rule_reset(*, actor: User, rule: Rule) -> None:
    """Drop a project's or device's own rule: the default (or the project's rule) applies again. Its alerts keep
    pointing at it, so a rule with alerts is switched off instead."""
    if rule.project_id is None and rule.device_id is None:
        raise _forbidden(_("A shipped default is changed by bureau staff, not reset."))
    if not policy.can(actor, "change", rule.device or rule):
        raise _forbidden(_("You may not set the rules of this site."))
    audit_record(actor=actor, obj=rule, action=AuditAction.VOID, reason=_("Back to the default rule"))
    if rule.alerts.exists():
        Rule.objects.filter(pk=rule.pk).update(key=f"{rule.key}~{rule.pk}"[:40], active=False)
    else:
        rule.delete()


@transaction.atomic
def default_rule_update(*, actor: User, rule: Rule, version: Any = None, **values: Any) -> Rule:
    """Bureau staff change a shipped default (for every project that has not its own)."""
    if rule.project_id is not None or rule.device_id is not None or not actor.has_perm("supervision.change_rule"):
        raise _forbidden()
    rule = lock(rule, live=False)
    check_version(rule, version)
    unknown = set(values) - set(RULE_FIELDS) - {"reference"}
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    before = snapshot(rule)
    for name, value in values.items():
        setattr(rule, name, value.strip() if isinstance(value, str) else value)
    rule.changed_by = actor
    validate(rule, exclude=["project", "device", "reference", "changed_by"])
    _check_rule(rule)
    rule.version += 1
    rule.save()
    audit_record(actor=actor, obj=rule, action=AuditAction.UPDATE, changes=diff(before, snapshot(rule)))
    return rule


# --------------------------------------------------------------------------------------------------- alerts
def _lock_alert(alert: Alert, version: Any) -> Alert:
    Device.objects.select_for_update().filter(pk=alert.device_id).first()  # the engine's lock, taken first
    locked = Alert.objects.select_for_update(of=("self",)).select_related("project", "device", "rule").get(
        pk=alert.pk)
    check_version(locked, version)
    return locked


@transaction.atomic
def alert_clear(*, actor: User, alert: Alert, note: str, version: Any = None) -> Alert:
    """Clear an open alert by hand, with a note saying why (a faulty sensor, the cause removed …)."""
    note = (note or "").strip()
    if not note:
        _refuse(_("Say why the alert is cleared."), "note")
    alert = _lock_alert(alert, version)
    if not alert.is_open:
        raise ApplicationError(_("The alert is cleared already."), code=ErrorCode.INVALID_TRANSITION)
    if not policy.can(actor, "clear", alert):
        raise _forbidden(_("You may not clear this alert."))
    alert.state, alert.cleared_at, alert.cleared_by, alert.clear_note = (AlertState.CLEARED, timezone.now(),
                                                                         actor, note)
    alert.version += 1
    alert.save(update_fields=["state", "cleared_at", "cleared_by", "clear_note", "version", "updated_at"])
    RuleState.objects.filter(device_id=alert.device_id, rule_key=alert.rule_key).update(
        breach_since=None, breach_level="", clear_since=None)
    audit_record(actor=actor, obj=alert, action=AuditAction.TRANSITION, from_state=AlertState.OPEN,
                 to_state=AlertState.CLEARED, reason=note)
    return alert


def system_user() -> User:
    """The account the smart site acts as when a rule raises a hazard by itself (it cannot sign in)."""
    user, created = User.objects.get_or_create(
        username="smart-site", defaults={"is_active": False, "first_name": "智慧工地", "last_name": ""})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def alert_raise_hazard(*, actor: User | None, alert: Alert, version: Any = None) -> Alert:
    """Open a hazard (supervision.hazards) from an alarm-level alert, on the device's responsible unit; once per
    alert. `actor` None: the rule raised it (the system account reports it)."""
    from ..hazards.services import hazard_report

    alert = _lock_alert(alert, version)
    if alert.hazard_id is not None:
        raise ApplicationError(_("A hazard has been raised from this alert already."), code=ErrorCode.ALREADY_GIVEN)
    if alert.level != AlertLevel.ALARM:
        _refuse(_("Only an alarm-level alert raises a hazard."), "level")
    if actor is not None and not may_report(actor, alert.project):
        raise _forbidden(_("You may not report a hazard on this project."))
    device = alert.device
    reporter = actor or system_user()
    rule = alert.rule
    local = timezone.localtime(alert.opened_at)
    description = _("Smart-site alarm: %(rule)s on %(device)s since %(when)s, worst %(worst)s (%(source)s).") % {
        "rule": rule.label, "device": device.name, "when": f"{local:%Y-%m-%d %H:%M}",
        "worst": alert.message, "source": rule.source}
    hazard = hazard_report(actor=reporter, project=alert.project, title=f"{rule.label} · {device.name}"[:200],
                           description=description, location=device.location, grade=HazardGrade.GENERAL,
                           responsible=device.responsible, source="smart-site", by_rule=actor is None)
    alert.hazard = hazard
    alert.version += 1
    alert.save(update_fields=["hazard", "version", "updated_at"])
    audit_record(actor=actor, obj=alert, action=AuditAction.UPDATE, reason=_("Hazard raised"),
                 changes={"hazard": [None, hazard.number]})
    return alert


def alerts_raised(alert_ids: Iterable[int]) -> int:
    """After an alert opened at, or rose to, alarm level: tell the bureau's leaders and staff and the responsible
    unit; raise a hazard where the rule says so. Keyed, so a task run twice tells nobody twice."""
    done = 0
    alerts = Alert.objects.filter(pk__in=list(alert_ids), level=AlertLevel.ALARM).select_related(
        "project", "device", "rule")
    leaders = users_with_role(Role.LEADER) + users_with_role(Role.BUREAU_STAFF)
    for alert in alerts:
        unit = users_with_role(organizations=[alert.device.responsible_id])
        title = _("Smart-site alarm: %(rule)s · %(device)s · %(project)s") % {
            "rule": alert.rule.label, "device": alert.device.name, "project": alert.project.name}
        notify(recipients=leaders + unit, event_key=f"site-alarm:{alert.pk}", title=title, body=alert.message,
               url=alert.get_absolute_url(), target=alert, level=Notification.Level.WARNING, email=False)
        if alert.rule.raises_hazard and alert.hazard_id is None and alert.is_open:
            with contextlib.suppress(ApplicationError):  # raised meanwhile, or no longer an alarm
                alert_raise_hazard(actor=None, alert=alert)
        done += 1
    return done


# ---------------------------------------------------------------------------------------------- camera events
@transaction.atomic
def camera_event(*, project_id: int, serial: str, token: str | None, ts: datetime.datetime, kind: str,
                 snapshot_file: UploadedFile | None = None, note: str = "") -> tuple[CameraEvent, Alert | None, bool]:
    """A camera's event into the alert flow: (event, its alert, whether it was new). The same event sent twice
    (device, time, kind) is stored once."""
    from .ingest import BadRequest

    device = Device.objects.select_for_update(of=("self",)).filter(serial=serial).first()
    if device is None:
        raise BadRequest(_("Unknown device."), "device")
    if device.project_id != project_id:
        raise BadRequest(_("The device belongs to another project."), "device")
    if device.voided_at is not None:
        raise BadRequest(_("The device is retired."), "device")
    if not token or not secrets.compare_digest(token_hash(token), device.token_hash):
        raise BadRequest(_("The token is not this device's."), "token")
    if device.kind != DeviceKind.CAMERA:
        raise BadRequest(_("Only a camera posts events."), "device")
    if kind not in CameraEventKind.values:
        raise BadRequest(_("Unknown event: choose one of %(kinds)s.") % {"kinds": ", ".join(CameraEventKind.values)},
                         "kind")
    now = timezone.now()
    if ts > now + datetime.timedelta(seconds=settings.SITE_INGEST_FUTURE_SECONDS):
        raise BadRequest(_("The time is in the future."), "ts")
    if ts < now - datetime.timedelta(hours=settings.SITE_INGEST_MAX_AGE_HOURS):
        raise BadRequest(_("The event is older than %(hours)d hours.") % {"hours": settings.SITE_INGEST_MAX_AGE_HOURS},
                         "ts")
    existing = CameraEvent.objects.filter(device=device, ts=ts, kind=kind).first()
    if existing is not None:
        return existing, existing.alert, False
    if snapshot_file is not None:
        _check_snapshot(snapshot_file)
    engine = load_engine({device.pk: device})
    alert = engine.event(device, ts, kind)
    save(engine)
    event = CameraEvent(device=device, ts=ts, kind=kind, note=(note or "")[:200], alert=alert)
    if snapshot_file is not None:
        event.snapshot.save(snapshot_file.name or "snapshot.jpg", snapshot_file, save=False)
    event.save()
    Device.objects.filter(pk=device.pk).update(last_seen_at=now)
    if engine.raised:
        from .tasks import alerts_raised as task

        ids = [a.pk for a in engine.raised]
        transaction.on_commit(lambda: task.delay(ids))
    return event, alert, True


def _check_snapshot(upload: UploadedFile) -> None:
    import filetype

    from .ingest import BadRequest

    if upload.size and upload.size > settings.SITE_SNAPSHOT_MAX_BYTES:
        raise BadRequest(_("The snapshot is larger than %(mb)d MB.")
                         % {"mb": settings.SITE_SNAPSHOT_MAX_BYTES // (1024 * 1024)}, "snapshot")
    head = upload.read(262)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ("image/jpeg", "image/png", "image/webp"):
        raise BadRequest(_("The snapshot must be a JPEG, PNG or WebP image."), "snapshot")


# ---------------------------------------------------------------------------------------------------- sweep
def sweep(now: datetime.datetime | None = None) -> dict[str, int]:
    """What only time decides: judge averaging windows that ended without a later reading (2 minutes' grace for
    late readings), and clear alerts whose quiet spell has passed — an event rule's since the last event, any
    other since the value went back under. Device by device, under the device's lock."""
    now = now or timezone.now()
    grace = datetime.timedelta(minutes=2)
    device_ids = set(RuleState.objects.filter(window_start__isnull=False, window_start__lt=now - grace
                                              - datetime.timedelta(minutes=15)).values_list("device_id", flat=True))
    device_ids |= set(Alert.objects.filter(state=AlertState.OPEN).values_list("device_id", flat=True))
    windows = cleared = 0
    for device_id in sorted(device_ids):
        with transaction.atomic():
            device = Device.objects.select_for_update(of=("self",)).filter(pk=device_id).first()
            if device is None:
                continue
            engine = load_engine({device.pk: device})
            rules = {r.key: r for r in effective_rules([device]).get(device.pk, [])}
            for (_d, key), state in list(engine.states.items()):
                rule = rules.get(key)
                if (rule is None or rule.kind != RuleKind.AVERAGE or state.window_start is None
                        or state.window_start + datetime.timedelta(minutes=rule.window_minutes or 15) + grace > now):
                    continue
                engine.close_window(device, rule, state)
                windows += 1
            for (_d, key), alert in list(engine.alerts.items()):
                rule = rules.get(key) or alert.rule
                memory = engine.states.get((device.pk, key))
                quiet = datetime.timedelta(minutes=rule.clear_minutes)
                if rule.kind == RuleKind.EVENT:
                    due = alert.last_at + quiet <= now
                else:
                    due = (memory is not None and memory.clear_since is not None
                           and memory.clear_since + quiet <= now)
                if due or key not in rules:  # quiet long enough, or its rule is no longer in force
                    engine.clear(alert, now)
                    cleared += 1
            save(engine)
            if engine.raised:
                from .tasks import alerts_raised as task

                transaction.on_commit(functools.partial(task.delay, [a.pk for a in engine.raised]))
    return {"windows": windows, "cleared": cleared}


def engine_for_tests(devices: dict[int, Device]) -> Engine:
    return load_engine(devices)


def responsible_units(project: Project) -> list[Organization]:
    return project_organizations(project)
