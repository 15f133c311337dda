"""Forms of the hazard pages: the board's filters, reporting a hazard, and the moves that take input."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.core.forms import MultipleFileField

from ..models import HazardGrade, HazardState
from . import criteria


class HazardFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("Number, title, location")}))
    project = forms.IntegerField(label=_("project"), required=False, widget=forms.HiddenInput)
    grade = forms.ChoiceField(label=_("grade"), required=False,
                              choices=[("", _("All grades"))] + list(HazardGrade.choices))
    state = forms.ChoiceField(label=_("state"), required=False,
                              choices=[("", _("All states")), ("open", pgettext_lazy("hazards", "Open"))]
                              + list(HazardState.choices))
    # A name to search rather than a list: at province scale the units number in thousands.
    responsible = forms.CharField(label=_("responsible unit"), required=False, max_length=100,
                                  widget=forms.TextInput(attrs={"placeholder": _("Name of the unit")}))
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"q": (data.get("q") or "").strip(), "project_id": data.get("project"),
                "grade": data.get("grade") or "", "state": data.get("state") or "",
                "responsible": (data.get("responsible") or "").strip(),
                "overdue": bool(data.get("overdue"))}


class HazardReportForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    location = forms.CharField(label=_("location on site"), max_length=200)
    description = forms.CharField(label=_("description"), widget=forms.Textarea(attrs={"rows": 4}))
    grade = forms.ChoiceField(label=_("grade"), choices=HazardGrade.choices, initial=HazardGrade.GENERAL)
    criterion = forms.ChoiceField(
        label=_("major-hazard criterion"), required=False,
        help_text=_("A major hazard names the clause of 房屋市政工程生产安全重大事故隐患判定标准（2022版） it meets."))
    responsible = forms.ModelChoiceField(label=_("responsible unit"), queryset=None)
    found_on = forms.DateField(label=_("found on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    due_on = forms.DateField(label=_("rectify by"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
                             help_text=_("Empty: 5 working days for a general hazard, 15 for a major one."))
    work_stopped = forms.BooleanField(label=_("work stopped where dangerous"), required=False)
    photos = MultipleFileField(label=_("photos"), required=False)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        from portal.accounts.models import Organization

        self.fields["criterion"].choices = [("", "—")] + criteria.choices()
        self.fields["responsible"].queryset = Organization.objects.filter(pk__in=[u.pk for u in units])


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class SubmitForm(VersionForm):
    measures = forms.CharField(label=_("rectification done"), widget=forms.Textarea(attrs={"rows": 4}))
    evidence = MultipleFileField(label=_("Rectification evidence"), required=False,
                                 help_text=_("Photos and records of the rectification; the hazard is closed only on "
                                             "evidence."))


class RejectForm(VersionForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class CloseForm(VersionForm):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           max_length=2000)


class PhotosForm(forms.Form):
    photos = MultipleFileField(label=_("photos"))
