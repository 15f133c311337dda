"""System checks of the map settings (portal/settings/base.py, README "Maps"): a value the maps cannot use stops
`manage.py check`, `migrate` and `runserver` with a message naming the setting, instead of a map drawn in the
wrong place. Registered when the app is ready (projects/gis/permissions.py imports this module)."""

from django.conf import settings
from django.core.checks import Error, register

TILE_CRS = ("wgs84", "gcj02")


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def _whole(value) -> int | None:
    number = _number(value)
    return int(number) if number is not None and number == int(number) else None


@register()
def check_map_settings(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    crs = str(getattr(settings, "MAP_TILE_CRS", "wgs84")).strip().lower()
    if crs not in TILE_CRS:
        errors.append(Error(
            f"MAP_TILE_CRS is {settings.MAP_TILE_CRS!r}; use \"wgs84\" (天地图, CGCS2000) or \"gcj02\" (高德-style tiles).",
            hint="Name the coordinate system of the tile server in MAP_TILE_URL.", id="gis.E001",
        ))
    center = list(getattr(settings, "MAP_CENTER", []) or [])
    lon, lat = (_number(center[0]), _number(center[1])) if len(center) == 2 else (None, None)
    if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        errors.append(Error(
            f"MAP_CENTER is {center!r}; give longitude and latitude in degrees, e.g. MAP_CENTER=120.15,29.2.",
            id="gis.E002",
        ))
    for name, low, high in (("MAP_ZOOM", 0, 18), ("MAP_TILE_MAX_ZOOM", 1, 22)):
        value = _whole(getattr(settings, name, low))
        if value is None or not low <= value <= high:
            errors.append(Error(f"{name} is {getattr(settings, name)!r}; use a whole number from {low} to {high}.",
                                id="gis.E003"))
    for name in ("MAP_TILE_URL", "MAP_TILE_OVERLAY_URL"):
        url = getattr(settings, name, "") or ""
        if url and not all(part in url for part in ("{z}", "{x}", "{y}")):
            errors.append(Error(
                f"{name} is {url!r}; an XYZ tile URL holds {{z}}, {{x}} and {{y}}, "
                "e.g. https://tiles.example.gov.cn/vec_w/{z}/{x}/{y}.png.", id="gis.E004",
            ))
        elif url and not url.startswith(("https://", "http://", "/")):
            errors.append(Error(f"{name} is {url!r}; give an http(s) URL or a path on this server.", id="gis.E004"))
    return errors
