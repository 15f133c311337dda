from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import ResponsibilityKind
from . import rules
from .imports import MAX_BYTES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PredecessorsField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Predecessors"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 500)
        kwargs.setdefault("help_text", _("WBS codes of the tasks that must finish first, with an optional lag in days, "
                                         "e.g. 2.1, 3.2+5"))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        try:
            return rules.parse_predecessors(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


class ProgressFields(forms.Form):
    # xgettext:no-python-format
    percent_complete = forms.IntegerField(label=_("% complete"), min_value=0, max_value=100, initial=0)
    actual_start = forms.DateField(label=_("actual start"), required=False, widget=DATE)
    actual_finish = forms.DateField(label=_("actual finish"), required=False, widget=DATE)
    note = forms.CharField(label=_("note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class TaskForm(ProgressFields):
    wbs = forms.RegexField(label=_("WBS code"), regex=rules.WBS_PATTERN, max_length=30,
                           help_text=_("1, 1.2 or 1.2.3; the parent code must exist."),
                           error_messages={"invalid": _("Use a WBS code such as 1, 1.2 or 1.2.3.")})
    name = forms.CharField(label=_("task name"), max_length=200)
    is_milestone = forms.BooleanField(label=_("milestone"), required=False,
                                      help_text=_("A single day: the planned finish is the planned start."))
    planned_start = forms.DateField(label=_("planned start"), widget=DATE)
    planned_finish = forms.DateField(label=_("planned finish"), required=False, widget=DATE,
                                     help_text=_("Leave empty for a milestone."))
    predecessors = PredecessorsField()

    field_order = ["wbs", "name", "is_milestone", "planned_start", "planned_finish", "predecessors",
                   "actual_start", "actual_finish", "percent_complete", "note", "version"]


class ProgressForm(ProgressFields):
    pass


class BaselineForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100, help_text=_("e.g. 合同工期基线, 2025年调整计划"))
    note = forms.CharField(label=_("note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"),
                           help_text=_("The layout of the export or the template; at most 2 MB and 2,000 tasks."),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)})
        return upload


class RaciToggleForm(forms.Form):
    task = forms.IntegerField()
    organization = forms.IntegerField()
    kind = forms.ChoiceField(choices=ResponsibilityKind.choices)


class OwedFilterForm(forms.Form):
    show = forms.ChoiceField(label=_("Show"), required=False, choices=[
        ("", _("Open tasks")), ("all", _("All tasks, finished ones too"))])
    organization = forms.IntegerField(required=False, widget=forms.HiddenInput)
