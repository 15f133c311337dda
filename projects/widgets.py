"""The region picker: the GB/T 2260 list (portal/core/regions.py) offered by name, filling the same six-digit codes
the fields have always taken (static/js/regions.js). One widget for the project form (several regions) and the
project list's and the map's filters (one region, `single=True`).

The list itself (≈3,200 divisions, ≈140 KB as HTML) is not in the page: the script fetches it once, when the search
box is first used, from projects:region-options (JSON with an ETag, compressed, cached by the browser). The page
carries only the names of the regions already chosen."""

import hashlib
import json
import re
from collections.abc import Iterable

from django import forms
from django.urls import reverse

from portal.core.models import Region

CODE = re.compile(r"\d{6}")


def region_label(name: str, parent_name: str | None) -> str:
    """杭州市 · 西湖区 for a county, 浙江省 · 杭州市 for a city, 浙江省 for a province."""
    return f"{parent_name} · {name}" if parent_name else name


def region_labels(codes: Iterable[str] | None = None) -> dict[str, str]:
    """code → "杭州市 · 西湖区（330106）", in code order, for `codes` (every division when None); one query."""
    rows = Region.objects.order_by("code")
    if codes is not None:
        rows = rows.filter(code__in=[c for c in codes if CODE.fullmatch(c)])
    return {code: f"{region_label(name, parent)}（{code}）"
            for code, name, parent in rows.values_list("code", "name", "parent__name")}


def region_options_json() -> tuple[bytes, str]:
    """The body of projects:region-options ({"regions": [label, …]}) and its ETag (a digest of the body)."""
    body = json.dumps({"regions": list(region_labels().values())}, ensure_ascii=False,
                      separators=(",", ":")).encode()
    return body, f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'


def split_codes(value) -> list[str]:
    return list(dict.fromkeys(c for c in re.split(r"[\s,，、]+", str(value or "")) if c))


class RegionPicker(forms.TextInput):
    """The codes field (kept, so that a browser without scripts still takes typed codes) with a search box over
    every division by name or code; the names of the chosen regions are listed under it. With `single`, a pick
    replaces the region chosen before (a filter takes one region)."""

    template_name = "projects/widgets/region_picker.html"

    def __init__(self, attrs=None, single: bool = False):
        super().__init__(attrs)
        self.single = single

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        codes = split_codes(value)
        labels = region_labels(codes) if codes else {}
        context["widget"].update({
            "chosen": [(c, labels.get(c, c)) for c in codes],
            "list_id": f"{context['widget']['attrs'].get('id', name)}_list",
            "options_url": reverse("projects:region-options"),
            "single": self.single,
        })
        return context
