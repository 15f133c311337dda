"""Writes of this part: setting or clearing a project's location."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.audit.models import AuditAction
from portal.audit.services import audit_record
from portal.core.errors import ApplicationError
from portal.core.services import lock, stale_error
from projects.models import Project

from . import geojson


def location_normalize(value: Any, *, field: str = "location") -> dict | None:
    """The geometry to store for `value` (GeoJSON object or text; None or "" clears), or ApplicationError
    naming `field` with what is wrong and where."""
    if value is None or (isinstance(value, str | bytes) and not value.strip()):
        return None
    try:
        return geojson.normalize(value)
    except geojson.GeoJSONError as exc:
        raise ApplicationError(_("The location is not valid GeoJSON: %(problem)s") % {"problem": str(exc)},
                               {field: [str(exc)]}) from exc


@transaction.atomic
def project_location_set(*, actor: User, project: Project, geometry: Any, version: str | None = None) -> Project:
    """Set the location of `project` to `geometry` (any GeoJSON `geojson.normalize` accepts; None clears it).

    `version` is the `geojson.fingerprint` of the location the caller's change was based on; when given and the
    stored location has changed since, the change is refused (someone else saved in between). Idempotent: the
    same location again changes nothing. The audit event records a summary ("LineString, 37 positions"), not
    the geometry, which may be thousands of positions."""
    location = location_normalize(geometry)
    locked = lock(project)
    if version is not None and version != geojson.fingerprint(locked.location):
        raise stale_error()
    if locked.location == location:
        return locked
    before = geojson.summary(locked.location)
    locked.location = location
    locked.save(update_fields=["location", "updated_at"])
    audit_record(actor=actor, obj=locked, action=AuditAction.UPDATE,
                 changes={"location": [before, geojson.summary(location)]})
    return locked
