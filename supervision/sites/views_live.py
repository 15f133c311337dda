"""The live site page of a project (its "Smart site" tab: the devices' latest values, a chart per sensor metric with
its thresholds, the open alerts, all kept current by the event stream `stream.project_site_stream`), and the JSON
of one chart (`device_series`) the page's script reads for the 24 h / 7 d / 30 d / 1 y range picker."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.core import policy
from projects.selectors import project_for

from ..models import AlertLevel, Device
from . import live
from .permissions import may_register
from .stream import encode_cursor


def _labels() -> dict:
    """The words the page's script writes (in the reader's language)."""
    return {
        "warning": str(AlertLevel.WARNING.label), "alarm": str(AlertLevel.ALARM.label), "average": _("average"),
        "minimum": _("minimum"), "maximum": _("maximum"), "loading": _("Loading…"),
        "no_data": _("No readings in this range."), "error": _("The chart could not be loaded."), "live": _("Live"),
        "reconnecting": _("Reconnecting…"), "closed": _("Live updates stopped: reload the page."),
        "count": _("readings or events"), "since": _("open since"), "source": _("Source"),
        "not_drawn": _("Not drawn on the chart"),
    }


@login_required
@require_GET
def project_site(request, project_pk: int):
    project = project_for(request.user, project_pk)
    now = timezone.now()
    cards = live.site_devices(project)
    return render(request, "supervision/sites/live.html", {
        "project": project, "tab": "quality", "part": "site", "cards": cards,
        "charted": [card for card in cards if card.values], "alerts": live.open_alerts(project),
        "alerts_shown": live.OPEN_ALERTS_SHOWN, "may_register": may_register(request.user, project),
        "stream_url": reverse("supervision:project-site-stream", args=[project.pk]) + f"?since={encode_cursor(now)}",
        "ingest_url": live.url_or_none("supervision-ingest-readings", project.pk), "labels": _labels(), "now": now,
    })


def _error(field: str, message: str, status: int = 400) -> JsonResponse:
    code = "invalid" if status == 400 else "not_found"
    return JsonResponse({"error": {"code": code, "message": message, "fields": {field: [message]} if field else {}}},
                        status=status)


@login_required
@require_GET
def device_series(request, pk: int):
    """?metric=pm10&range=24h|7d|30d|1y → the points and threshold lines of one device's metric."""
    try:
        device = policy.get_or_404(request.user, Device.objects.select_related("project"), pk=pk)
    except Http404:
        return _error("", _("Not found."), 404)
    try:
        metric = live.parse_metric(device, request.GET.get("metric"))
    except ValueError as bad:
        return _error("metric", str(bad))
    try:
        live.parse_range(request.GET.get("range"))
    except ValueError as bad:
        return _error("range", str(bad))
    return JsonResponse(live.chart(device, metric, request.GET.get("range") or "24h"))
