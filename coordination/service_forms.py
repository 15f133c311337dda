"""The forms of the meetings, liaison officers, service log and call-back pages. They parse input only: every
rule is the service's (coordination.services), whose refusals the views put on these forms."""

import datetime
from typing import cast

from django import forms
from django.db.models import Q
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html, format_html_join
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


class FastSelectMultiple(forms.SelectMultiple):
    """A multi-select of many options written in one pass (no template per option); its `choices` are plain
    (value, label) pairs the form reads with one values query."""

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name, "multiple": True})
        chosen = {str(v) for v in (value or [])}
        options = format_html_join("", "<option value=\"{}\"{}>{}</option>", (
            (key, " selected" if str(key) in chosen else "", label) for key, label in self.choices))
        return format_html("<select{}>{}</select>", flatatt(final), options)


def meeting_organizations(project_ids, keep=()):
    """The organisations a meeting on the projects `project_ids` may invite: their owners and active participants,
    every government department and the bureau, plus `keep` (those the meeting has already)."""
    from projects.models import Project, ProjectParticipant

    ids = list(project_ids)
    taking_part = (Q(pk__in=ProjectParticipant.objects.active().filter(project_id__in=ids).values("organization_id"))
                   | Q(pk__in=Project.objects.filter(pk__in=ids, owner_id__isnull=False).values("owner_id"))
                   ) if ids else Q(pk__in=[])
    offered = Q(voided_at__isnull=True) & (Q(kind__in=[OrganizationKind.DEPARTMENT, OrganizationKind.BUREAU])
                                           | taking_part)
    return Organization.objects.filter(offered | Q(pk__in=list(keep))).order_by("kind", "name", "pk")


def meeting_users(organizations, keep=()):
    """The active users of `organizations`, plus `keep` (the meeting's attendees already)."""
    return (User.objects.filter(Q(is_active=True, organization__in=organizations.order_by().values("pk"))
                                | Q(pk__in=list(keep)))
            .select_related("organization").order_by("organization__name", "full_name", "username", "pk"))


class MeetingForm(forms.Form):
    """A meeting's particulars (create and edit); `version` guards the edit against a concurrent one.

    The projects come first: the attending organisations offered are those taking part in the chosen projects
    (`project_ids`), the departments and the bureau, and the attending users those organisations' active users;
    `keep_organizations`/`keep_users` (the meeting's own, on edit) stay offered. A posted organisation or user
    outside these lists is refused, naming the field."""

    projects = ProjectsChoiceField(label=_("projects"), queryset=None, widget=FastSelectMultiple,
                                   help_text=_("At least one; hold Ctrl (⌘) to choose several."))
    kind = forms.ChoiceField(label=_("kind"), choices=MeetingKind.choices)
    title = forms.CharField(label=_("title"), max_length=120)
    held_at = forms.DateTimeField(label=_("date and time"), input_formats=DATETIME_FORMATS,
                                  widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                             format="%Y-%m-%dT%H:%M"))
    place = forms.CharField(label=_("place"), max_length=200)
    organizations: forms.ModelMultipleChoiceField = forms.ModelMultipleChoiceField(
        label=_("attending organisations"), queryset=None, required=False, widget=FastSelectMultiple)
    attendees = UsersChoiceField(label=_("attending users"), queryset=None, required=False,
                                 widget=FastSelectMultiple, help_text=_("They are told of the meeting."))
    other_attendees = forms.CharField(label=_("other attendees"), required=False, max_length=4000,
                                      widget=forms.Textarea(attrs={"rows": 3}),
                                      help_text=_("People without a portal account, one per line."))
    agenda = forms.CharField(label=_("agenda"), required=False, max_length=8000,
                             widget=forms.Textarea(attrs={"rows": 5}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, projects, project_ids=(), keep_organizations=(), keep_users=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelMultipleChoiceField, self.fields["projects"])
        field.queryset = projects.select_related(None).only("id", "name")
        # Thousands of projects, organisations, users: the options from one values query each (the querysets
        # still validate what is posted).
        field.widget.choices = list(projects.select_related(None).values_list("pk", "name"))
        orgs = meeting_organizations(project_ids, keep_organizations)
        field = cast(forms.ModelMultipleChoiceField, self.fields["organizations"])
        field.queryset = orgs
        field.widget.choices = list(orgs.values_list("pk", "name"))
        users = meeting_users(orgs, keep_users)
        field = cast(forms.ModelMultipleChoiceField, self.fields["attendees"])
        field.queryset = users
        field.widget.choices = [
            (pk, f"{full_name or username} · {org}" if org else (full_name or username))
            for pk, full_name, username, org in users.values_list("pk", "full_name", "username",
                                                                  "organization__name")]

    @staticmethod
    def initial_for(meeting) -> dict:
        return {"kind": meeting.kind, "title": meeting.title, "held_at": timezone.localtime(meeting.held_at),
                "place": meeting.place, "projects": list(meeting.projects.values_list("pk", flat=True)),
                "organizations": list(meeting.organizations.values_list("pk", flat=True)),
                "attendees": list(meeting.attendees.values_list("pk", flat=True)),
                "other_attendees": meeting.other_attendees, "agenda": meeting.agenda, "version": meeting.version}

    @classmethod
    def initial_from(cls, data) -> dict:
        """The posted values as the initial values of a re-rendered, unsaved form (the "Update the lists"
        button)."""
        multiple = {"projects", "organizations", "attendees"}
        return {name: data.getlist(name) if name in multiple else data.get(name)
                for name in cls.base_fields if name in data}

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


