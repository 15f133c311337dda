"""Pages of the smart site (apart from the live view): a project's device registry (register, edit, issue a new
token, retire), its alert rules beside the shipped defaults they tighten, the alerts of a project and the
bureau's one list of them across projects, and one alert with clearing it by hand and raising a hazard from it.

Reads go through `selectors`, access through `portal.core.policy` (another organisation's project, device or alert
is a 404); every write is one service call whose refusal is shown on the form with nothing changed. A device's
token is shown once, on the answer to the request that issued it (not cached), and never again: only its hash is
kept."""

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.accounts.models import Organization
from portal.core import policy
from portal.core.errors import ApplicationError, ErrorCode
from portal.core.exports import EXPORT_MAX_ROWS, table_xlsx, xlsx_response
from portal.core.forms import ReasonForm, form_add_application_error
from portal.core.uploads import file_response
from portal.core.views import paginate
from projects.selectors import project_for

from ..hazards.permissions import may_report
from ..models import Alert, AlertLevel, CameraEvent, Device, Rule
from . import selectors, services
from .forms import (
    AlertClearForm,
    AlertFilterForm,
    DeviceEditForm,
    DeviceFilterForm,
    DeviceForm,
    RuleForm,
    VersionForm,
)
from .permissions import may_register

PAGE_SIZE = 50


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _frame(project, here: str, **more) -> dict:
    """The context of a page in the project's quality & safety tab, smart-site part, sub-page `here`."""
    return {"project": project, "tab": "quality", "part": "site", "here": here, **more}


def _show(form, exc: ApplicationError) -> int:
    """Put a service's refusal on the form; the answer's status."""
    form_add_application_error(form, exc)
    if exc.extra and not form.non_field_errors() and not any(k in form.fields for k in exc.extra):
        form.add_error(None, exc.message)
    return exc.http_status


def _status(form, status: int = 200) -> int:
    return 400 if form.errors and status == 200 else status


def _organizations(project):
    return Organization.objects.filter(pk__in=[o.pk for o in services.responsible_units(project)]).order_by("name")


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else None


# ---------------------------------------------------------------------------------------------------- devices
def _devices(request, project):
    form = DeviceFilterForm(request.GET or None)
    return form, selectors.device_list(user=request.user, project=project, **form.filters())


@login_required
def project_devices(request, project_pk: int):
    project = project_for(request.user, project_pk)
    form, devices = _devices(request, project)
    return render(request, "supervision/sites/devices.html", _frame(
        project, "devices", form=form, page=paginate(request, devices, PAGE_SIZE), query=_query(request),
        may_register=may_register(request.user, project), export_max=EXPORT_MAX_ROWS))


@login_required
def project_devices_export(request, project_pk: int):
    project = project_for(request.user, project_pk)
    _form, devices = _devices(request, project)
    headers = [_("serial number"), _("name"), _("kind"), _("location on site"), _("latitude"), _("longitude"),
               _("responsible unit"), _("rated capacity"), _("video stream address"), _("token starts with"),
               _("token issued"), _("last reading"), _("open alerts"), _("retired")]
    return xlsx_response(table_xlsx(devices, title=_("Site devices"), headers=headers, row=lambda d: [
        d.serial, d.name, str(d.get_kind_display()), d.location, d.latitude, d.longitude, d.responsible.name,
        d.rated_capacity, d.stream_url, f"{d.token_hint}…", _local(d.token_rotated_at), _local(d.last_seen_at),
        d.open_alerts, _local(d.voided_at)]), f"site-devices-{project.code or project.pk}")


def _token_page(request, device: Device, token: str, *, new: bool):
    """The one answer that shows a device's token; never cached, and never shown again."""
    response = render(request, "supervision/sites/device_token.html", _frame(
        device.project, "devices", device=device, token=token, new=new,
        ingest_url=request.build_absolute_uri(reverse("supervision-ingest-readings", args=[device.project_id]))))
    add_never_cache_headers(response)
    return response


@login_required
def device_create(request, project_pk: int):
    project = project_for(request.user, project_pk)
    if not may_register(request.user, project):
        raise PermissionDenied
    form = DeviceForm(request.POST or None, organizations=_organizations(project))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device, token = services.device_register(actor=request.user, project=project, **form.cleaned_data)
        except ApplicationError as exc:
            status = _show(form, exc)
        else:
            return _token_page(request, device, token, new=True)
    return render(request, "supervision/sites/device_form.html", _frame(
        project, "devices", form=form, heading=_("Register a device")), status=_status(form, status))


def _device(request, pk: int) -> Device:
    return policy.get_or_404(request.user, Device.objects.select_related(
        "project", "project__owner", "responsible", "registered_by", "token_rotated_by", "voided_by"), pk=pk)


def _changeable(request, pk: int) -> Device:
    device = _device(request, pk)
    policy.require(request.user, "change", device)
    return device


@login_required
def device_detail(request, pk: int):
    device = _device(request, pk)
    user = request.user
    return render(request, "supervision/sites/device_detail.html", _frame(
        device.project, "devices", device=device, may_change_device=policy.can(user, "change", device),
        rules=selectors.device_rules(user=user, device=device),
        latest=selectors.latest_values(user=user, device=device),
        alerts=selectors.alert_list(user=user, state="", device=device)[:50],
        overloads=selectors.overload_events(user=user, device=device),
        camera_events=selectors.camera_events(user=user, device=device)))


@login_required
def device_edit(request, pk: int):
    device = _changeable(request, pk)
    form = DeviceEditForm(request.POST or None, instance=device, organizations=_organizations(device.project),
                          kind=device.kind, initial={"version": device.version})
    status = 200
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        version = values.pop("version", None)
        try:
            services.device_update(actor=request.user, device=device, version=version, **values)
        except ApplicationError as exc:
            status = _show(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(device)
    return render(request, "supervision/sites/device_form.html", _frame(
        device.project, "devices", form=form, device=device, heading=_("Edit %(device)s") % {"device": device}),
        status=_status(form, status))


@login_required
def device_token(request, pk: int):
    """GET: ask to confirm; POST: issue a new token (the old one stops working at once) and show it once."""
    device = _changeable(request, pk)
    if request.method == "POST":
        try:
            device, token = services.device_rotate_token(actor=request.user, device=device)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect(device)
        return _token_page(request, device, token, new=False)
    return render(request, "supervision/sites/device_token_confirm.html", _frame(
        device.project, "devices", device=device))


@login_required
def device_retire(request, pk: int):
    device = _changeable(request, pk)
    form = ReasonForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.device_retire(actor=request.user, device=device, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            status = _show(form, exc)
        else:
            messages.success(request, _("The device is retired: its readings and alerts stay, new readings are "
                                        "refused."))
            return redirect(device)
    return render(request, "supervision/sites/device_retire.html", _frame(
        device.project, "devices", device=device, form=form), status=_status(form, status))


@login_required
def camera_snapshot(request, pk: int):
    """The snapshot a camera posted with an event, for whoever may see the camera."""
    event = get_object_or_404(CameraEvent.objects.filter(
        device__in=policy.visible(request.user, Device.objects.all())), pk=pk)
    name = event.snapshot.name.rsplit("/", 1)[-1] if event.snapshot else "snapshot"
    return file_response(event.snapshot, name, mimetypes.guess_type(name)[0] or "application/octet-stream")


# ------------------------------------------------------------------------------------------------------ rules
@login_required
def project_rules(request, project_pk: int):
    project = project_for(request.user, project_pk)
    return render(request, "supervision/sites/rules.html", _frame(
        project, "rules", kinds=selectors.project_rule_table(user=request.user, project=project),
        may_set=may_register(request.user, project)))


def _references(project, kind: str, exclude: Device | None = None):
    qs = Device.objects.filter(project=project, kind=kind, voided_at__isnull=True).order_by("name")
    return qs.exclude(pk=exclude.pk) if exclude is not None else qs


def _rule_page(request, form, *, run, done: str, back: str, default: Rule, own: Rule | None = None,
               project_rule: Rule | None = None, frame: dict | None = None):
    """The one shape of the three rule forms: a valid POST calls `run(values, version)` (a service); the page
    shows the default's values (and the project's, and the rule's own) above the form."""
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            run(form.values(), form.cleaned_data.get("version"))
        except ApplicationError as exc:
            status = _show(form, exc)
        else:
            messages.success(request, done)
            return redirect(back)
    context = {"form": form, "default": default, "back": back, "unit": selectors.rule_unit(default),
               "default_values": selectors.rule_values(default),
               "own_values": selectors.rule_values(own) if own is not None else None,
               "project_values": selectors.rule_values(project_rule) if project_rule is not None else None}
    template = "supervision/sites/rule_form.html" if frame else "supervision/sites/rule_default_form.html"
    return render(request, template, {**context, **(frame or {})}, status=_status(form, status))


@login_required
def site_rule_edit(request, project_pk: int, key: str):
    """The project's own values of rule `key` (they may only tighten the default)."""
    project = project_for(request.user, project_pk)
    default = selectors.default_rule(key)
    if default is None:
        raise Http404
    if not may_register(request.user, project):
        raise PermissionDenied
    own = selectors.project_rule(user=request.user, project=project, key=key)
    form = RuleForm(request.POST or None, instance=own or default, rule_kind=default.kind, scope="project",
                    references=_references(project, default.device_kind),
                    initial={"version": own.version if own else None, "source": own.source if own else ""})
    return _rule_page(
        request, form, done=_("The project's values of the rule are saved."),
        back=reverse("supervision:project-site-rules", args=[project.pk]),
        run=lambda values, version: services.rule_set(actor=request.user, key=key, project=project,
                                                      version=version, **values),
        default=default, own=own, frame=_frame(project, "rules", scope="project"))


@login_required
def device_rule_edit(request, pk: int, key: str):
    """A device's own values of rule `key` (the designer's control values of a monitoring point), with the
    document they come from."""
    device = _changeable(request, pk)
    chain = selectors.device_rule_chain(user=request.user, device=device, key=key)
    if chain is None:
        raise Http404
    base = chain.device or chain.project or chain.default
    form = RuleForm(request.POST or None, instance=base, rule_kind=chain.default.kind, scope="device",
                    references=_references(device.project, device.kind, exclude=device),
                    initial={"version": chain.device.version if chain.device else None,
                             "source": chain.device.source if chain.device else ""})
    return _rule_page(
        request, form, done=_("The device's own values of the rule are saved."), back=device.get_absolute_url(),
        run=lambda values, version: services.rule_set(actor=request.user, key=key, device=device,
                                                      version=version, **values),
        default=chain.default, own=chain.device, project_rule=chain.project,
        frame=_frame(device.project, "devices", device=device, scope="device"))


@login_required
@require_POST
def site_rule_reset(request, pk: int):
    """Drop a project's or a device's own values of a rule: the default (or the project's values) apply again."""
    rule = policy.get_or_404(request.user, Rule.objects.select_related("device", "project"), pk=pk)
    if rule.device_id is not None:  # a device's rule is seen with its device
        policy.get_or_404(request.user, Device, pk=rule.device_id)
    try:
        services.rule_reset(actor=request.user, rule=rule)
    except ApplicationError as exc:
        if exc.code == ErrorCode.FORBIDDEN:
            raise PermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Back to the default values of the rule."))
    if rule.device is not None:
        return redirect(rule.device)
    if rule.project_id is not None:
        return redirect("supervision:project-site-rules", rule.project_id)
    return redirect("supervision:site-rules-defaults")


@login_required
def site_rules_defaults(request):
    """The rules every device kind ships with, each with its source; bureau staff change them."""
    kinds: dict[str, list[selectors.RuleRow]] = {}
    for rule in selectors.default_rules(user=request.user):
        kinds.setdefault(str(rule.get_device_kind_display()), []).append(selectors.RuleRow(default=rule))
    return render(request, "supervision/sites/rules_defaults.html", {
        "kinds": kinds, "may_edit": request.user.has_perm("supervision.change_rule")})


@login_required
def site_rule_default_edit(request, pk: int):
    rule = policy.get_or_404(request.user, Rule.objects.filter(project__isnull=True, device__isnull=True), pk=pk)
    if not request.user.has_perm("supervision.change_rule"):
        raise PermissionDenied
    form = RuleForm(request.POST or None, instance=rule, rule_kind=rule.kind, scope="default",
                    initial={"version": rule.version})
    return _rule_page(
        request, form, done=_("The default rule is saved: it applies to every project without its own values."),
        back=reverse("supervision:site-rules-defaults"),
        run=lambda values, version: services.default_rule_update(actor=request.user, rule=rule, version=version,
                                                                 **values),
        default=rule, frame=None)


# ----------------------------------------------------------------------------------------------------- alerts
def _alerts(request, project=None):
    form = AlertFilterForm(request.GET or None, project_search=project is None)
    filters = form.filters()
    if project is not None:
        filters.pop("project_name", None)
    return form, selectors.alert_list(user=request.user, project=project, **filters)


def _alert_list_context(request, alerts) -> dict:
    return {"page": paginate(request, alerts, PAGE_SIZE), "counts": selectors.alert_counts(alerts),
            "query": _query(request), "export_max": EXPORT_MAX_ROWS}


def _alerts_xlsx(alerts, name: str):
    headers = [_("first crossed at"), _("project"), _("device"), _("serial number"), _("kind"), _("rule"),
               _("source"), _("level"), _("state"), _("first value"), _("worst value"), _("worst at"),
               _("last crossed at"), _("readings or events"), _("message"), _("responsible unit"), _("cleared at"),
               _("cleared by"), _("clearing note"), _("hazard")]
    return xlsx_response(table_xlsx(alerts, title=_("Smart-site alerts"), headers=headers, row=lambda a: [
        _local(a.opened_at), a.project.name, a.device.name, a.device.serial, str(a.device.get_kind_display()),
        a.rule.label, a.rule.source, str(a.get_level_display()), str(a.get_state_display()), a.first_value,
        a.worst_value, _local(a.worst_at), _local(a.last_at), a.count, a.message, a.device.responsible.name,
        _local(a.cleared_at), a.cleared_by.get_full_name() if a.cleared_by else "", a.clear_note,
        a.hazard.number if a.hazard else ""]), name)


@login_required
def site_alerts(request):
    """The bureau's one list of the smart-site alerts of every project the user may see, the open ones first."""
    form, alerts = _alerts(request)
    return render(request, "supervision/sites/alert_board.html", {"form": form, **_alert_list_context(request, alerts)})


@login_required
def site_alerts_export(request):
    _form, alerts = _alerts(request)
    return _alerts_xlsx(alerts, "site-alerts")


@login_required
def project_site_alerts(request, project_pk: int):
    project = project_for(request.user, project_pk)
    form, alerts = _alerts(request, project)
    return render(request, "supervision/sites/alerts.html", _frame(
        project, "alerts", form=form, **_alert_list_context(request, alerts)))


@login_required
def project_site_alerts_export(request, project_pk: int):
    project = project_for(request.user, project_pk)
    _form, alerts = _alerts(request, project)
    return _alerts_xlsx(alerts, f"site-alerts-{project.code or project.pk}")


def _alert(request, pk: int) -> Alert:
    return policy.get_or_404(request.user, Alert.objects.select_related(
        "project", "project__owner", "device", "device__responsible", "rule", "rule__device", "cleared_by",
        "hazard"), pk=pk)


def _may_raise(user, alert: Alert) -> bool:
    return alert.level == AlertLevel.ALARM and alert.hazard_id is None and may_report(user, alert.project)


def _alert_page(request, alert: Alert, *, clear_form=None, status: int = 200):
    user = request.user
    may_clear = policy.can(user, "clear", alert)
    if clear_form is None and may_clear:
        clear_form = AlertClearForm(initial={"version": alert.version})
    return render(request, "supervision/sites/alert_detail.html", _frame(
        alert.project, "alerts", alert=alert, unit=selectors.alert_unit(alert), clear_form=clear_form,
        may_clear=may_clear, may_raise=_may_raise(user, alert),
        camera_events=selectors.camera_events(user=user, alert=alert),
        overloads=list(alert.overloads.order_by("-ts")[:50])), status=status)


@login_required
def alert_detail(request, pk: int):
    return _alert_page(request, _alert(request, pk))


@login_required
@require_POST
def alert_clear(request, pk: int):
    """Clear an open alert by hand with a note. An alert someone cleared meanwhile is refused (409) by its
    version; a user who may not clear it gets 403."""
    alert = _alert(request, pk)
    if alert.is_open and not policy.can(request.user, "clear", alert):
        raise PermissionDenied
    form = AlertClearForm(request.POST)
    status = 200
    if form.is_valid():
        try:
            services.alert_clear(actor=request.user, alert=alert, note=form.cleaned_data["note"],
                                 version=form.cleaned_data["version"])
        except ApplicationError as exc:
            status = _show(form, exc)
            if exc.code == ErrorCode.STALE:
                form.add_error(None, _("Someone changed the alert meanwhile (it may be cleared already): "
                                       "reload the page."))
        else:
            messages.success(request, _("The alert is cleared."))
            return redirect(alert)
    return _alert_page(request, _alert(request, pk), clear_form=form, status=_status(form, status))


@login_required
@require_POST
def alert_hazard(request, pk: int):
    """Raise a hazard (supervision.hazards) from an alarm-level alert, on the device's responsible unit."""
    alert = _alert(request, pk)
    if not may_report(request.user, alert.project):
        raise PermissionDenied
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete: reload the page and try again."))
        return _alert_page(request, alert, status=400)
    try:
        alert = services.alert_raise_hazard(actor=request.user, alert=alert, version=form.cleaned_data["version"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _alert_page(request, _alert(request, pk), status=exc.http_status)
    messages.success(request, _("Hazard %(number)s was raised from the alert; the responsible unit was told.")
                     % {"number": alert.hazard.number})
    return redirect(alert)
