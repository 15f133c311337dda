"""The forms of the meetings, liaison officers, service log and call-back pages. They parse input only: every
rule is the service's (coordination.services), whose refusals the views put on these forms."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Organization, OrganizationKind, Role, User

from .models import IssueCategory, MeetingKind, ServiceKind

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
MONTH_FORMAT = "%Y-%m"


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _user_label(user: User) -> str:
    org = f" · {user.organization.name}" if user.organization else ""
    return f"{user.full_name or user.username}{org}"


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _user_label(obj)


class UsersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return _user_label(obj)


class ProjectChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class ProjectsChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


def liaison_officers():
    return (User.objects.filter(groups__name=Role.LIAISON_OFFICER, is_active=True).select_related("organization")
            .distinct().order_by("full_name", "username"))


def departments():
    return Organization.objects.filter(kind=OrganizationKind.DEPARTMENT, voided_at__isnull=True).order_by("name")


# --------------------------------------------------------------------------------------------------- meetings
class MeetingFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100, widget=forms.TextInput(
        attrs={"type": "search", "placeholder": _("Title, place or agenda")}))
    kind = forms.ChoiceField(label=_("kind"), required=False, choices=[("", _("All kinds")), *MeetingKind.choices])
    project = ProjectChoiceField(label=_("project"), required=False, queryset=None, empty_label=_("All projects"))
    date_from = forms.DateField(label=_("from"), required=False, widget=_date_input())
    date_to = forms.DateField(label=_("to"), required=False, widget=_date_input())

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects.select_related(None).only("id", "name")

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end of the range is before its start."))
        return data


class MeetingForm(forms.Form):
    """A meeting's particulars (create and edit); `version` guards the edit against a concurrent one."""

    kind = forms.ChoiceField(label=_("kind"), choices=MeetingKind.choices)
    title = forms.CharField(label=_("title"), max_length=120)
    held_at = forms.DateTimeField(label=_("date and time"), input_formats=DATETIME_FORMATS,
                                  widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                             format="%Y-%m-%dT%H:%M"))
    place = forms.CharField(label=_("place"), max_length=200)
    projects = ProjectsChoiceField(label=_("projects"), queryset=None,
                                   help_text=_("At least one; hold Ctrl (⌘) to choose several."))
    organizations: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(label=_("attending organisations"), queryset=None,
                                                   required=False)
    attendees = UsersChoiceField(label=_("attending users"), queryset=None, required=False,
                                 help_text=_("They are told of the meeting."))
    other_attendees = forms.CharField(label=_("other attendees"), required=False, max_length=4000,
                                      widget=forms.Textarea(attrs={"rows": 3}),
                                      help_text=_("People without a portal account, one per line."))
    agenda = forms.CharField(label=_("agenda"), required=False, max_length=8000,
                             widget=forms.Textarea(attrs={"rows": 5}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["projects"].queryset = projects.select_related(None).only("id", "name")
        self.fields["organizations"].queryset = Organization.objects.filter(voided_at__isnull=True).exclude(
            kind=OrganizationKind.BUREAU).order_by("kind", "name")
        self.fields["attendees"].queryset = User.objects.filter(is_active=True).select_related(
            "organization").order_by("organization__name", "full_name", "username")

    @staticmethod
    def initial_for(meeting) -> dict:
        return {"kind": meeting.kind, "title": meeting.title, "held_at": timezone.localtime(meeting.held_at),
                "place": meeting.place, "projects": list(meeting.projects.all()),
                "organizations": list(meeting.organizations.all()), "attendees": list(meeting.attendees.all()),
                "other_attendees": meeting.other_attendees, "agenda": meeting.agenda, "version": meeting.version}

    def data_for_service(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=_("minutes"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DecisionForm(forms.Form):
    """One new decision of the minutes; a row left empty is skipped."""

    text = forms.CharField(label=_("decision"), required=False, max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    project = ProjectChoiceField(label=_("project"), required=False, queryset=None)
    department: forms.ModelChoiceField = forms.ModelChoiceField(label=_("responsible department"), required=False, queryset=None)
    category = forms.ChoiceField(label=_("category"), choices=IssueCategory.choices, initial=IssueCategory.OTHER)

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects
        self.fields["department"].queryset = departments()

    def clean(self):
        data = super().clean()
        if not (data.get("text") or "").strip() and (data.get("project") or data.get("department")):
            self.add_error("text", _("Write the decision, or clear its project and department."))
        return data

    def decision(self) -> dict | None:
        data = self.cleaned_data
        if not (data.get("text") or "").strip():
            return None
        return {"text": data["text"], "project": data.get("project"), "department": data.get("department"),
                "category": data.get("category") or IssueCategory.OTHER}


DecisionFormSet = forms.formset_factory(DecisionForm, extra=3, max_num=20, validate_max=True)


# ------------------------------------------------------------------------------------------------ service log
class ServiceLogFilterForm(forms.Form):
    officer = UserChoiceField(label=_("liaison officer"), required=False, queryset=None,
                              empty_label=_("All officers"))
    project = ProjectChoiceField(label=_("project"), required=False, queryset=None, empty_label=_("All projects"))
    kind = forms.ChoiceField(label=_("kind"), required=False, choices=[("", _("All kinds")), *ServiceKind.choices])
    date_from = forms.DateField(label=_("from"), required=False, widget=_date_input())
    date_to = forms.DateField(label=_("to"), required=False, widget=_date_input())

    def __init__(self, *args, projects, officers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects.select_related(None).only("id", "name")
        if officers is None:
            del self.fields["officer"]
        else:
            self.fields["officer"].queryset = officers

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end of the range is before its start."))
        return data


class ServiceLogForm(forms.Form):
    project = ProjectChoiceField(label=_("project"), queryset=None)
    kind = forms.ChoiceField(label=_("kind"), choices=ServiceKind.choices, initial=ServiceKind.VISIT)
    occurred_on = forms.DateField(label=_("date"), widget=_date_input())
    contacts = forms.CharField(label=_("people met"), required=False, max_length=200)
    summary = forms.CharField(label=_("what was discussed"), max_length=8000, widget=forms.Textarea(attrs={"rows": 5}))
    follow_up = forms.CharField(label=_("follow-up"), required=False, max_length=4000,
                                widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects


# -------------------------------------------------------------------------------------------------- call-backs
def parse_month(value: str | None) -> datetime.date | None:
    """"2026-11" → 2026-11-01; None for anything else."""
    try:
        return datetime.datetime.strptime((value or "").strip(), MONTH_FORMAT).date()  # noqa: DTZ007 (a date)
    except ValueError:
        return None


class CallBackForm(forms.Form):
    REACHED = (("yes", _("Reached")), ("no", _("Could not be reached")))
    SATISFIED = (("", "—"), ("yes", _("Satisfied")), ("no", _("Not satisfied")))

    reached = forms.ChoiceField(label=_("reached?"), choices=REACHED, widget=forms.RadioSelect, initial="yes")
    contact = forms.CharField(label=_("person spoken to"), required=False, max_length=100)
    answer = forms.CharField(label=_("answer"), required=False, max_length=4000,
                             widget=forms.Textarea(attrs={"rows": 4}))
    satisfied = forms.ChoiceField(label=_("satisfied"), required=False, choices=SATISFIED)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        satisfied = {"yes": True, "no": False}.get(data.get("satisfied") or "")
        return {"reached": data["reached"] == "yes", "contact": data.get("contact", ""),
                "answer": data.get("answer", ""), "satisfied": satisfied}


