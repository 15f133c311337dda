"""Forms of monthly progress. Amounts are typed in 万元 (as the pages show them; portal.core.money.WanField,
which shows the 元 value beside the field) and handed to the services in 元; the services check everything
again, for the API."""

import datetime
from decimal import Decimal

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from portal.core.money import WanField

from .figures import month_add


class PartForm(forms.Form):
    """A form of this part: labels start with a capital (they are the models' lower-case verbose names). An error
    about a hidden field (the `version` a form was based on) is shown on top by templates/includes/form.html."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if field.label:
                field.label = capfirst(field.label)


def month_field(**kwargs) -> forms.DateField:
    return forms.DateField(input_formats=["%Y-%m", "%Y-%m-%d"], widget=forms.DateInput(
        attrs={"type": "month"}, format="%Y-%m"), **kwargs)


class PlanYearForm(PartForm):
    """The planned investment of the 12 months of one year, saved all at once or not at all. Fields are named
    after their month ("2026-03"), as the service names the month of a refused value."""

    stamp = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year
        self.months = [datetime.date(year, m, 1) for m in range(1, 13)]
        for month in self.months:
            self.fields[f"{month:%Y-%m}"] = WanField(
                label=_("%(year)s-%(month)02d") % {"year": year, "month": month.month}, required=False)

    def clean(self):
        data = super().clean()
        bad = [name for name in self.fields if name != "stamp" and name in self.errors]
        if bad:
            self.add_error(None, _("Nothing was saved. Check the planned investment of: %(months)s.")
                           % {"months": "、".join(bad)})
        return data

    def versions(self) -> dict[datetime.date, int]:
        from .services import plan_stamp_versions

        return plan_stamp_versions(self.cleaned_data.get("stamp", ""), self.months)

    def plans(self) -> dict[datetime.date, Decimal]:
        """The months in 元 (an empty field is a plan of 0)."""
        return {m: self.cleaned_data.get(f"{m:%Y-%m}") or Decimal("0.00") for m in self.months}


class ReportForm(PartForm):
    month = month_field(label=_("month"))
    completed_investment = WanField(label=_("investment completed in the month (10k yuan)"))
    physical_progress = forms.DecimalField(
        label=_("cumulative physical progress (%)"), min_value=Decimal("0"), max_value=Decimal("100"),
        max_digits=5, decimal_places=2, help_text=_("At the end of the month, for the whole project"))
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=2000, help_text=_("What was done, and why the month is behind plan if it is"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {"month": d["month"], "completed_investment": d["completed_investment"],
                "physical_progress": d["physical_progress"], "note": d.get("note", ""), "version": d.get("version")}


class CorrectForm(ReportForm):
    reason = forms.CharField(label=_("reason for the correction"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["month"]  # the month is in the address

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {"completed_investment": d["completed_investment"],
                "physical_progress": d["physical_progress"], "note": d.get("note", ""), "version": d["version"],
                "reason": d["reason"]}


class OverviewFilterForm(PartForm):
    q = forms.CharField(label=_("Search"), required=False, widget=forms.TextInput(
        attrs={"type": "search", "placeholder": _("Project name, code or owner")}))
    region = forms.RegexField(label=_("region"), regex=r"^\d{6}$", required=False,
                              error_messages={"invalid": _("Enter a six-digit division code.")})
    late = forms.BooleanField(label=_("Last month not reported"), required=False)
    progress_sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=[
        ("", _("Newest first")), ("behind", _("Most behind plan first")), ("rate", _("Completion rate, highest first")),
        ("-rate", _("Completion rate, lowest first")), ("investment", _("Investment, largest first")),
    ])


def default_plan_year(today: datetime.date) -> int:
    """The year a plan form opens on: next year from December on, when next year's plan is drawn up."""
    return month_add(today.replace(day=1), 1).year if today.month == 12 else today.year
