"""Map pages: a project's Location tab (see, draw, upload, clear) and the map of every project the user may see,
filtered like the project list. The shapes are drawn in the browser (static/js/gis.js) from the page's JSON:
the settings (`map_config`), the project's geometry, or /api/v1/projects/map/ for the map of all projects."""

import json
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_safe

from portal.core import policy
from portal.core.views import form_submit
from projects.models import Phase, Project
from projects.widgets import region_options_json

from . import geojson, selectors, services
from .forms import LocationForm, MapFilterForm

UNLOCATED_SHOWN = 12


@login_required
def project_map(request):
    form = MapFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    api_query = form.api_query() if filters else {}
    unlocated = selectors.project_map_unlocated(user=request.user, search=filters.get("q", ""), filters=filters)
    return render(request, "projects/gis/map.html", {
        "form": form, "config": selectors.map_config(),
        "features_url": reverse("project-map-list") + (f"?{urlencode(api_query)}" if api_query else ""),
        "list_url": reverse("projects:list") + (f"?{request.GET.urlencode()}" if request.GET else ""),
        "unlocated": unlocated[:UNLOCATED_SHOWN], "unlocated_count": unlocated.count(),
        "phase_legend": [(k, label, selectors.PHASE_COLOURS[k]) for k, label in Phase.choices],
        "status_legend": [(k, label, selectors.STATUS_COLOURS[k]) for k, label in selectors.MapStatus.choices],
    })


@login_required
@require_safe
@gzip_page
def region_options(request):
    """The GB/T 2260 list for the region picker (projects/widgets.py, static/js/regions.js), fetched once by the
    page that needs it instead of being written into every page: one query, ≈110 KB of JSON (≈25 KB compressed),
    an ETag so that a browser holding it gets 304, and an hour in the browser's cache before it asks again."""
    body, etag = region_options_json()
    response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    patch_cache_control(response, private=True, max_age=3600)
    return get_conditional_response(request, etag=etag, response=response)


def _geojson_download(project: Project) -> HttpResponse:
    if project.location is None:
        raise Http404("This project has no location.")
    feature = {"type": "Feature", "geometry": project.location,
               "properties": {"code": project.code, "name": project.name}}
    response = HttpResponse(json.dumps(feature, ensure_ascii=False), content_type="application/geo+json")
    response["Content-Disposition"] = f'attachment; filename="{project.code}-location.geojson"'
    return response


@login_required
def project_location(request, pk: int):
    project = policy.get_or_404(request.user, Project.objects.select_related("owner"), pk=pk)
    if request.GET.get("format") == "geojson":
        return _geojson_download(project)
    if request.method == "POST":
        policy.require(request.user, "manage", project)
    form = LocationForm(request.POST or None, request.FILES or None,
                        initial={"version": geojson.fingerprint(project.location)})
    success = _("The location was cleared.") if request.POST.get("action") == "clear" else _("The location was saved.")
    location = project.location
    return form_submit(
        request, form,
        lambda data: services.project_location_set(actor=request.user, project=project, geometry=data["location"],
                                                   version=data["version"]),
        success=success, redirect_to=reverse("projects:location", args=[project.pk]),
        template="projects/gis/location.html",
        context={
            "project": project, "tab": "location", "config": selectors.map_config(), "location": location,
            "may_manage": policy.can(request.user, "manage", project),
            "summary": geojson.summary(location),
            "bbox": geojson.bbox(location) if location else None,
            "point": geojson.representative_point(location) if location else None,
            "history": selectors.location_history(project=project),
        },
    )
