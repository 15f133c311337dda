"""Which sub-works are dangerous (危大工程) and which are beyond a certain scale (超过一定规模的危大工程), from the
parameters the thresholds of 建办质〔2018〕31号 are written in (附件1 and 附件2). Pure functions: the register,
the edit form, the API and the demo all ask `classify`, so every door refuses the same works with the same words.

- Deep excavation: depth ≥ 3 m; ≥ 5 m beyond a certain scale.
- Formwork support: height ≥ 5 m, span ≥ 10 m, total load ≥ 10 kN/m² or line load ≥ 15 kN/m; beyond a certain
  scale from 8 m, 18 m, 15 kN/m², 20 kN/m (any one parameter is enough).
- Lifting: with a non-conventional method or equipment, a single lift ≥ 10 kN; ≥ 100 kN beyond a certain scale.
  With hoisting machinery (the conventional way) the work is dangerous whatever the weight, and beyond a certain
  scale from a lifting capacity of 300 kN.
- Scaffolding (floor-standing steel tube): height ≥ 24 m; ≥ 50 m beyond a certain scale.
- Tunnelling (暗挖) is always beyond a certain scale; demolition and other works are dangerous by their kind."""

from decimal import Decimal
from typing import NamedTuple

from django.utils.translation import gettext as _

from portal.core.errors import ApplicationError

from ..models import DangerousWorkKind

D = Decimal

EXCAVATION_DEPTH = (D(3), D(5))
FORMWORK = {  # field: (dangerous from, beyond a certain scale from)
    "height_m": (D(5), D(8)),
    "span_m": (D(10), D(18)),
    "area_load_kn_m2": (D(10), D(15)),
    "line_load_kn_m": (D(15), D(20)),
}
UNCONVENTIONAL_LIFT_KN = (D(10), D(100))
CONVENTIONAL_LARGE_LIFT_KN = D(300)
SCAFFOLD_HEIGHT = (D(24), D(50))

PARAMETERS = ("depth_m", "height_m", "span_m", "area_load_kn_m2", "line_load_kn_m", "lifting_kn")


class Classification(NamedTuple):
    dangerous: bool
    large_scale: bool
    criteria: str
    # The fields a refusal names when the work is not dangerous.
    fields: tuple[str, ...] = ()


def _num(value) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _labels() -> dict[str, str]:
    return {
        "depth_m": _("excavation depth"),
        "height_m": _("support height"),
        "span_m": _("span"),
        "area_load_kn_m2": _("total construction load"),
        "line_load_kn_m": _("concentrated line load"),
        "lifting_kn": _("single lift weight"),
    }


_UNITS = {"depth_m": "m", "height_m": "m", "span_m": "m", "area_load_kn_m2": "kN/m²", "line_load_kn_m": "kN/m",
          "lifting_kn": "kN"}


def _met(field: str, value: Decimal, limit: Decimal, large: bool) -> str:
    text = _("%(what)s %(value)s %(unit)s ≥ %(limit)s %(unit)s") % {
        "what": _labels()[field], "value": _fmt(value), "limit": _fmt(limit), "unit": _UNITS[field]}
    return f"{text} ({_('beyond a certain scale')})" if large else text


def classify(*, kind: str, depth_m=None, height_m=None, span_m=None, area_load_kn_m2=None, line_load_kn_m=None,
             lifting_kn=None, unconventional_lifting: bool = False) -> Classification:
    """(dangerous?, beyond a certain scale?, the threshold met as text, fields at fault when not dangerous)."""
    values = {"depth_m": _num(depth_m), "height_m": _num(height_m), "span_m": _num(span_m),
              "area_load_kn_m2": _num(area_load_kn_m2), "line_load_kn_m": _num(line_load_kn_m),
              "lifting_kn": _num(lifting_kn)}
    if kind == DangerousWorkKind.EXCAVATION:
        return _one("depth_m", values["depth_m"], EXCAVATION_DEPTH)
    if kind == DangerousWorkKind.SCAFFOLD:
        return _one("height_m", values["height_m"], SCAFFOLD_HEIGHT)
    if kind == DangerousWorkKind.FORMWORK:
        given: dict[str, Decimal] = {f: v for f in FORMWORK if (v := values[f]) is not None}
        large = [f for f, v in given.items() if v >= FORMWORK[f][1]]
        if large:
            return Classification(True, True, "；".join(_met(f, given[f], FORMWORK[f][1], True) for f in large))
        met = [f for f, v in given.items() if v >= FORMWORK[f][0]]
        if met:
            return Classification(True, False, "；".join(_met(f, given[f], FORMWORK[f][0], False) for f in met))
        return Classification(False, False, "", tuple(given) or ("height_m",))
    if kind == DangerousWorkKind.LIFTING:
        weight = values["lifting_kn"]
        if weight is None:
            return Classification(False, False, "", ("lifting_kn",))
        if unconventional_lifting:
            prefix = _("Non-conventional lifting method") + "："
            result = _one("lifting_kn", weight, UNCONVENTIONAL_LIFT_KN)
            return result._replace(criteria=prefix + result.criteria) if result.dangerous else result
        if weight >= CONVENTIONAL_LARGE_LIFT_KN:
            return Classification(True, True, _met("lifting_kn", weight, CONVENTIONAL_LARGE_LIFT_KN, True))
        return Classification(True, False, _("Installation with hoisting machinery"))
    if kind == DangerousWorkKind.UNDERGROUND:
        return Classification(True, True, _("Tunnelling by the mining, shield or pipe-jacking method") + f" ({_('beyond a certain scale')})")
    if kind == DangerousWorkKind.DEMOLITION:
        return Classification(True, False, _("Demolition work"))
    if kind == DangerousWorkKind.OTHER:
        return Classification(True, False, _("Other dangerous work named in the special plan"))
    return Classification(False, False, "", ("kind",))


def _one(field: str, value: Decimal | None, limits: tuple[Decimal, Decimal]) -> Classification:
    if value is None:
        return Classification(False, False, "", (field,))
    if value >= limits[1]:
        return Classification(True, True, _met(field, value, limits[1], True))
    if value >= limits[0]:
        return Classification(True, False, _met(field, value, limits[0], False))
    return Classification(False, False, "", (field,))


def require_dangerous(**parameters) -> Classification:
    """`classify`, refusing a work below every threshold with a message on each parameter field at fault."""
    result = classify(**parameters)
    if not result.dangerous:
        message = _("Below every threshold of 建办质〔2018〕31号: this is not a dangerous work, no special plan "
                    "is registered for it.")
        if any(field in PARAMETERS for field in result.fields) and not all(
                parameters.get(f) not in (None, "") for f in result.fields):
            field_message = _("Enter the parameter the thresholds are written in.")
        else:
            field_message = _("Below the threshold of a dangerous work.")
        raise ApplicationError(message, {field: [field_message] for field in result.fields})
    return result
