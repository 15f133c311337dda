"""The filter bar of the inspector's work list."""

from django import forms
from django.utils.translation import gettext_lazy as _


class MyWorkFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100, widget=forms.TextInput(
        attrs={"type": "search", "placeholder": _("Number, title, location or project")}))
    project = forms.IntegerField(label=_("project"), required=False, min_value=1, widget=forms.HiddenInput)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def filters(self) -> dict:
        """The selector's keyword arguments (nothing filtered when the form is invalid)."""
        data = self.cleaned_data if self.is_valid() else {}
        return {"search": data.get("q") or "", "project": data.get("project"), "overdue": bool(data.get("overdue"))}
