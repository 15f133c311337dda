"""The region picker of the project form: the GB/T 2260 list (portal/core/regions.py) offered by name, filling the
same six-digit codes the form has always taken (static/js/regions.js)."""

from django import forms

from portal.core.models import Region


def region_label(name: str, parent_name: str | None) -> str:
    """杭州市 · 西湖区 for a county, 浙江省 · 杭州市 for a city, 浙江省 for a province."""
    return f"{parent_name} · {name}" if parent_name else name


class RegionPicker(forms.TextInput):
    """The codes field (kept, so that a browser without scripts still takes typed codes) with a search box over
    every division by name or code; the names of the chosen regions are listed under it."""

    template_name = "projects/widgets/region_picker.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        rows = Region.objects.order_by("code").values_list("code", "name", "parent__name")
        options = [(code, f"{region_label(n, parent)}（{code}）") for code, n, parent in rows]
        labels = dict(options)
        codes = [c for c in str(value or "").replace(",", " ").replace("，", " ").replace("、", " ").split() if c]
        context["widget"].update({
            "options": options,
            "chosen": [(c, labels.get(c, c)) for c in dict.fromkeys(codes)],
            "list_id": f"{context['widget']['attrs'].get('id', name)}_list",
        })
        return context
