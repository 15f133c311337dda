"""Reads of the maps: the projects a user may see, with their locations, as one GeoJSON FeatureCollection; the
projects without a location; the location history of one project; and the map settings for the page.

The map answers in a fixed number of queries whatever the number of projects (one aggregate for its ETag and the
count of the unlocated ones, `project_map_state`; when the answer is not cached, one for the located rows with
their "late tasks" flag as an EXISTS subquery), and builds the features from plain value rows: no model instance,
no URL reversal per project (tests/projects/test_gis_api.py counts them)."""

import hashlib
import json
from datetime import date
from typing import cast

from django.conf import settings
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Mod
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from projects.models import OVERDUE_STAGES, STAGE_PHASE, Phase, Project, ScheduleTask, Stage
from projects.selectors import project_list

from . import geojson, simplify


class MapStatus:
    """How a project stands, for colouring the map: overdue wins over late tasks."""

    ON_TRACK = "on_track"
    LATE_TASKS = "late_tasks"
    OVERDUE = "overdue"
    choices = ((ON_TRACK, _("On track")), (LATE_TASKS, _("Late tasks")), (OVERDUE, _("Overdue")))


# One palette for the shapes (through the page's JSON config) and the legend; the phase colours are the ones of
# the phase badges in static/css/portal.css.
PHASE_COLOURS = {Phase.PLANNING.value: "#7d3c98", Phase.CONSTRUCTION.value: "#d68910", Phase.OPERATION.value: "#1e8449"}
STATUS_COLOURS = {MapStatus.ON_TRACK: "#1e8449", MapStatus.LATE_TASKS: "#d68910", MapStatus.OVERDUE: "#c0392b"}

# Orientation on the plain background (no tile server): the eleven prefecture-level cities of 浙江, at their
# city centres (longitude, latitude).
CITY_LABELS = (
    ("杭州", 120.155, 30.274), ("宁波", 121.550, 29.874), ("温州", 120.699, 27.994), ("嘉兴", 120.755, 30.746),
    ("湖州", 120.088, 30.894), ("绍兴", 120.580, 30.030), ("金华", 119.648, 29.079), ("衢州", 118.859, 28.970),
    ("舟山", 122.207, 29.985), ("台州", 121.421, 28.656), ("丽水", 119.923, 28.468),
)


# Built by scripts/build_map_outline.py; its source and licence: static/geo/README.md.
OUTLINE_FILE = "geo/zhejiang.json"


def map_config() -> dict:
    """What the browser needs to draw a map, from the settings (README "Maps"); given to the page as JSON."""
    subdomains = settings.MAP_TILE_SUBDOMAINS
    return {
        "tiles": {
            "url": settings.MAP_TILE_URL,
            "overlay_url": settings.MAP_TILE_OVERLAY_URL,
            "attribution": settings.MAP_TILE_ATTRIBUTION,
            "subdomains": subdomains.split(",") if "," in subdomains else subdomains,
            "crs": str(settings.MAP_TILE_CRS).strip().lower(),
            "max_zoom": int(float(settings.MAP_TILE_MAX_ZOOM)),
        },
        "center": [float(settings.MAP_CENTER[0]), float(settings.MAP_CENTER[1])],  # longitude, latitude
        "zoom": int(float(settings.MAP_ZOOM)),
        # The highest zoom of each simplified detail level: the map of all projects asks again past one.
        "detail_zooms": [level.max_zoom for level in simplify.LEVELS[:-1]],
        "cities": [{"name": name, "point": [lon, lat]} for name, lon, lat in CITY_LABELS],
        # The province outline under the projects when there are no tiles (Natural Earth, public domain).
        "outline_url": static(OUTLINE_FILE),
        "colours": {"phase": PHASE_COLOURS, "status": STATUS_COLOURS},
        "labels": {
            "phase": {k: str(v) for k, v in Phase.choices},
            "stage": {k: str(v) for k, v in Stage.choices},
            "status": {k: str(v) for k, v in MapStatus.choices},
            "code": str(_("Project code")), "stage_title": str(_("Stage")), "owner": str(_("Owner")),
            "status_title": str(_("Status")), "open": str(_("Open the project")),
            "location": str(_("Location tab")), "loading": str(_("Loading the projects…")),
            "failed": str(_("The projects could not be loaded: %(reason)s")),
            "drawn": str(_("%(n)s projects on the map")), "none": str(_("No project with a location matches.")),
            "zoom_in": str(_("Zoom in")), "zoom_out": str(_("Zoom out")),
        },
    }


def project_status(*, stage: str, planned_finish: date | None, late_tasks: bool, today: date) -> str:
    if planned_finish is not None and planned_finish < today and stage in OVERDUE_STAGES:
        return MapStatus.OVERDUE
    return MapStatus.LATE_TASKS if late_tasks else MapStatus.ON_TRACK


def late_tasks_exist(today: date) -> Exists:
    """EXISTS: the project has a live schedule task that should have finished before `today` and has not."""
    return Exists(ScheduleTask.objects.filter(
        project_id=OuterRef("pk"), voided_at__isnull=True, planned_finish__lt=today, percent_complete__lt=100,
    ))


def project_map_queryset(*, user: User, search: str = "", filters: dict | None = None) -> QuerySet[Project]:
    """The projects of the list page with the same search and filters (projects.selectors.project_list)."""
    return project_list(user=user, search=search, filters=filters).select_related(None)


_FACTS: dict[bytes, dict] = {}
FACTS_MAX = 20_000


def _facts(location_text: str, level: simplify.Level = simplify.FULL) -> tuple[str, str, str]:
    """The bbox, the representative point and the geometry at `level` of a stored geometry given as JSON text,
    each as JSON text. The bbox and the point are the stored geometry's, to the level's decimals (the bbox rounded
    outwards: it still holds the whole stored geometry).

    Kept per process, under a digest of the text (not the text itself, which may be megabytes): a province's map
    holds ~3,000 geometries of up to thousands of positions each, and walking their positions (or simplifying
    them) for every request cost more than everything else the map API does (bench/REPORT.md, j). A changed
    location is a new key."""
    key = hashlib.blake2b(location_text.encode(), digest_size=16).digest()
    hit = _FACTS.get(key)
    location = None
    if hit is None:
        location = json.loads(location_text)
        hit = {"bbox": json.dumps(geojson.bbox(location)), "point": json.dumps(geojson.representative_point(location))}
        if len(_FACTS) >= FACTS_MAX:
            _FACTS.clear()
        _FACTS[key] = hit
    if level is simplify.FULL:
        return hit["bbox"], hit["point"], location_text
    texts = hit.get(level.key)
    if texts is None:
        location = location if location is not None else json.loads(location_text)
        texts = hit[level.key] = (
            json.dumps(simplify.outward_bbox(geojson.bbox(location), level)),
            json.dumps(simplify.rounded_point(geojson.representative_point(location), level)),
            json.dumps(simplify.simplify(location, level), separators=(",", ":")),
        )
    return texts


def _stage_rank() -> Case:
    return Case(*[When(stage=stage, then=Value(i + 1)) for i, stage in enumerate(Stage.values)], default=Value(0))


def project_map_state(*, user: User, search: str = "", filters: dict | None = None, today: date | None = None
                      ) -> dict:
    """What the map of `user` with these filters is made of, in one aggregate query and without reading a
    geometry: the count of the located projects and a sum of a hash of their ids (which projects), their latest
    change and their owners' (code, name, location and owner name change only through services that stamp
    updated_at: a QuerySet.update() of those is not seen), the same sum weighted by stage, the sums over the
    overdue ones and over those with late tasks (the status changes with the date and the schedule without
    touching the project), and the count of the matching projects without a location. The map API's ETag and
    the key of its cached answer."""
    today = today or timezone.localdate()
    located = Q(location__isnull=False)
    # A multiplicative hash of each id (Knuth's constant, modulo a prime): a sum of them tells sets apart far better
    # than a sum of the ids, and stays well inside a 64-bit integer (≤ 4.3e9 per id, ×9 for the stage weight).
    spread = Mod(Cast("pk", BigIntegerField()) * Value(2654435761), Value(4294967311))
    late = Q(pk__in=ScheduleTask.objects.filter(voided_at__isnull=True, planned_finish__lt=today,
                                                percent_complete__lt=100).values("project_id"))
    overdue = Q(planned_finish__lt=today, stage__in=list(OVERDUE_STAGES))
    projects = project_map_queryset(user=user, search=search, filters=filters).order_by()
    state = projects.aggregate(
        n=Count("pk", filter=located), ids=Sum(spread, filter=located),
        changed=Max("updated_at", filter=located), owners=Max("owner__updated_at", filter=located),
        stages=Sum(spread * _stage_rank(), filter=located), late=Sum(spread, filter=located & late),
        overdue=Sum(spread, filter=located & overdue), without=Count("pk", filter=~located),
    )
    return state


def project_map_json(*, user: User, search: str = "", filters: dict | None = None,
                     today: date | None = None, level: simplify.Level = simplify.FULL,
                     without: int | None = None) -> str:
    """A GeoJSON FeatureCollection (as JSON text) of the located projects `user` may see, filtered like the list
    page, with the count of the others in the foreign member "without_location" (`without` when the caller has
    counted them already). Each feature: "id", "bbox", the geometry at `level` (the stored one by default) and
    properties id, code, name, phase, stage, status, owner, url and point (a representative position for a
    marker). The bbox and the point are the stored geometry's (to the level's decimals).

    The stored geometry is read as JSON text and written into the answer as it is: decoding and encoding again
    the geometries of every project was most of the time of a province-wide map."""
    today = today or timezone.localdate()
    projects = project_map_queryset(user=user, search=search, filters=filters)
    rows = (projects.filter(location__isnull=False)
            .annotate(late_tasks=late_tasks_exist(today), location_text=Cast("location", TextField()))
            .order_by("id").values_list("id", "code", "name", "stage", "planned_finish", "owner__name",
                                        "location_text", "late_tasks"))
    # reverse() once: per row it would cost more than the rest of the feature.
    detail_url = reverse("projects:detail", args=[987654321]).replace("987654321", "{}")
    features = []
    phase_of = cast(dict[str, Phase], STAGE_PHASE)  # the rows' stages are Stage values (str)
    for pk, code, name, stage, planned_finish, owner, location_text, late in rows:
        bbox, point, geometry = _facts(location_text, level)
        properties = json.dumps({
            "id": pk, "code": code, "name": name, "phase": phase_of[stage].value, "stage": stage,
            "status": project_status(stage=stage, planned_finish=planned_finish, late_tasks=late, today=today),
            "owner": owner, "url": detail_url.format(pk),
        }, ensure_ascii=False)
        features.append(f'{{"type":"Feature","id":{pk},"bbox":{bbox},"geometry":{geometry},'
                        f'"properties":{properties[:-1]},"point":{point}}}}}')
    if without is None:
        without = projects.filter(location__isnull=True).count()
    return f'{{"type":"FeatureCollection","features":[{",".join(features)}],"without_location":{without}}}'


def project_map_unlocated(*, user: User, search: str = "", filters: dict | None = None) -> QuerySet[Project]:
    """The visible, filtered projects without a location, by name (the map page lists the first few)."""
    return (project_map_queryset(user=user, search=search, filters=filters).filter(location__isnull=True)
            .order_by("name", "id").only("id", "code", "name"))


def location_history(*, project: Project, limit: int = 20) -> QuerySet[AuditEvent]:
    """The audit events of `project` that changed its location, newest first."""
    from django.contrib.contenttypes.models import ContentType

    return (AuditEvent.objects.filter(content_type=ContentType.objects.get_for_model(Project),
                                      object_id=str(project.pk), changes__has_key="location")
            .select_related("actor", "content_type").order_by("-created_at", "-id")[:limit])
