"""Forms of the issue-list pages: the list filters, raising an issue, an attachment, and the input of each
workflow move. They parse input only; every rule is the service's (coordination.services)."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.accounts.models import Organization
from portal.core.forms import MultipleFileField

from .models import DEFAULT_WORKDAYS, IssueCategory, IssueSource, IssueState
from .selectors import ORDERINGS, departments

ORDERING_CHOICES = [
    ("", _("Newest first")), ("created", _("Oldest first")), ("due", _("Due soonest first")),
    ("-due", _("Due latest first")), ("number", _("By number")), ("held", _("Held longest first")),
]
assert all(v.removeprefix("-") in ORDERINGS for v, _label in ORDERING_CHOICES if v)


class FastSelect(forms.Select):
    """A select of many options (every project of the province) written in one pass, not one template per
    option: the board's filter stays cheap with thousands of projects."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        current = "" if value is None else str(value)
        options = format_html_join("", "<option value=\"{}\"{}>{}</option>", (
            (key, " selected" if str(key) == current else "", label) for key, label in self.choices))
        return format_html("<select{}>{}</select>", forms.utils.flatatt(final), options)


class ProjectChoiceField(forms.ModelChoiceField):
    widget = FastSelect

    def label_from_instance(self, obj):
        return obj.name


class IssueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100, widget=forms.TextInput(
        attrs={"type": "search", "placeholder": _("Issue number or title")}))
    # A project's name or code (a part of it), or its id (?project=<id>, the project tab's link): a text box, not
    # a list of every project of the province.
    project = forms.CharField(label=_("project"), required=False, max_length=200, widget=forms.TextInput(
        attrs={"type": "search", "placeholder": _("Project name or code")}))
    category = forms.ChoiceField(label=_("category"), required=False,
                                 choices=[("", _("All categories")), *IssueCategory.choices])
    department: forms.ModelChoiceField[Organization] = forms.ModelChoiceField(
        label=_("responsible department"), required=False, queryset=None, empty_label=_("All departments"))
    state = forms.ChoiceField(label=_("state"), required=False, choices=[
        ("", _("All states")), ("open", _("Still open")), *IssueState.choices])
    source = forms.ChoiceField(label=_("source"), required=False,
                               choices=[("", _("All sources")), *IssueSource.choices])
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    ordering = forms.ChoiceField(label=_("Order"), required=False, choices=ORDERING_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["department"]).queryset = departments()

    def filters(self) -> dict:
        """The selector's keyword arguments (nothing filtered when the form is invalid)."""
        data = self.cleaned_data if self.is_valid() else {}
        project = (data.get("project") or "").strip()
        return {"search": data.get("q", ""), "project": int(project) if project.isdigit() else None,
                "project_text": "" if project.isdigit() else project, "category": data.get("category", ""),
                "department": data.get("department"), "state": data.get("state", ""),
                "source": data.get("source", ""), "overdue": bool(data.get("overdue")),
                "ordering": data.get("ordering", "")}


def category_choices():
    """Each category with its default time limit: "用地（10 个工作日）"."""
    from django.utils.translation import gettext

    return [(c.value, gettext("%(category)s (%(days)s working days)") % {
        "category": c.label, "days": DEFAULT_WORKDAYS[c]}) for c in IssueCategory]


RAISER_SOURCES = [(IssueSource.LIAISON.value, IssueSource.LIAISON.label),
                  (IssueSource.INSPECTION.value, IssueSource.INSPECTION.label)]


class IssueRaiseForm(forms.Form):
    """Raise an issue. A company user raises it for their own organisation; anyone else (liaison officer,
    inspector, bureau staff) names the company, one of the project's, and the source."""

    project = ProjectChoiceField(label=_("project"), queryset=None)
    title = forms.CharField(label=_("title"), max_length=120)
    category = forms.ChoiceField(label=_("category"), choices=())
    description = forms.CharField(label=_("description"), widget=forms.Textarea(attrs={"rows": 5}),
                                  max_length=5000, help_text=_("What blocks the project, since when, what is needed."))
    company = forms.ModelChoiceField(label=_("raising company"), queryset=Organization.objects.none(),
                                     help_text=_("The company whose difficulty it is: it confirms the answer."))
    source = forms.ChoiceField(label=_("source"), choices=RAISER_SOURCES)
    department: forms.ModelChoiceField[Organization] = forms.ModelChoiceField(
        label=_("responsible department"), required=False, queryset=None, help_text=_("Optional: the bureau assigns it when it signs for the issue."))
    attachments = MultipleFileField(label=_("attachments"), required=False,
                                    help_text=_("Several files at once: PDF, OFD, Word, Excel, JPEG or PNG; at most "
                                                "20 MB each."))

    def __init__(self, *args, projects, companies=None, company_raiser: bool, **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["project"])
        field.queryset = projects
        # Thousands of projects for bureau staff: the options straight from one values query (the queryset still
        # validates the choice).
        field.widget.choices = [("", field.empty_label or ""), *projects.values_list("pk", "name")]
        cast(forms.ChoiceField, self.fields["category"]).choices = category_choices()
        cast(forms.ModelChoiceField, self.fields["department"]).queryset = departments()
        if company_raiser:
            del self.fields["company"]
            del self.fields["source"]
        elif companies is not None:
            cast(forms.ModelChoiceField, self.fields["company"]).queryset = Organization.objects.filter(
                pk__in=[c.pk for c in companies]).order_by("name")


class AttachmentForm(forms.Form):
    file = forms.FileField(label=pgettext_lazy("upload", "File"),
                           help_text=_("PDF, OFD, Word, Excel, JPEG or PNG; at most 20 MB."))


class VersionForm(forms.Form):
    """A move's form: a hidden `version` guards against acting on a stale page (where the service takes it)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AssignForm(VersionForm):
    department: forms.ModelChoiceField[Organization] = forms.ModelChoiceField(
        label=_("responsible department"), queryset=None)
    note = forms.CharField(label=_("Note to the department"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["department"]).queryset = departments()


class DeclineForm(VersionForm):
    reason = forms.CharField(label=_("Why it is not your department's"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class ResolveForm(VersionForm):
    answer = forms.CharField(label=_("Answer to the company"), max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 5}))


class ConfirmForm(VersionForm):
    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))


class ReopenForm(VersionForm):
    comment = forms.CharField(label=_("What is still unsolved"), max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))


class RescheduleForm(VersionForm):
    due_on = forms.DateField(label=_("New deadline"), widget=forms.DateInput(attrs={"type": "date"},
                                                                               format="%Y-%m-%d"))
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
