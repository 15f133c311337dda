import datetime
from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Role, User
from portal.core import workdays

from .models import ApprovalCase, ApprovalStage, CaseState, CatalogueItem, RequiredDocument
from .services import DECISIONS

QUEUE_FILTERS = [("open", _("Waiting for decision")), ("all", _("All items")), ("decided", _("Decided items"))]


class CaseFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, widget=forms.TextInput(
        attrs={"type": "search", "placeholder": _("Case number or project")}))
    state = forms.ChoiceField(label=_("state"), required=False, choices=[("", _("All states")), *CaseState.choices])
    stage = forms.ChoiceField(label=_("stage"), required=False,
                              choices=[("", _("All stages")), *ApprovalStage.choices])


class ApplicationForm(forms.Form):
    """The one application form (一张表单) shared by every stage; stored as `ApprovalCase.form_data`."""

    FIELDS = ("scale", "land_area", "location", "contact", "phone")

    scale = forms.CharField(label=_("Construction scale"), max_length=500,
                            widget=forms.Textarea(attrs={"rows": 2}),
                            help_text=_("For example: dual six-lane, 48.6 km in total"))
    land_area = forms.DecimalField(label=_("Land area (m²)"), min_value=Decimal("0.01"), max_digits=14,
                                   decimal_places=2, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    location = forms.CharField(label=_("Location"), max_length=200)
    contact = forms.CharField(label=_("Contact person"), max_length=50)
    phone = forms.RegexField(
        label=_("Contact phone"), regex=r"^(1\d{10}|0\d{2,3}-?\d{7,8})$", max_length=20,
        error_messages={"invalid": _("Enter an 11-digit mobile number or a landline such as 0571-87050000.")},
    )

    @classmethod
    def initial_for(cls, case: ApprovalCase) -> dict:
        return {k: case.form_data.get(k, "") for k in cls.FIELDS}

    def form_data(self) -> dict[str, str]:
        data = {k: str(self.cleaned_data[k]).strip() for k in self.FIELDS}
        data["land_area"] = format(self.cleaned_data["land_area"].normalize(), "f")
        return data


class CaseCreateForm(ApplicationForm):
    project = forms.ModelChoiceField(label=_("project"), queryset=None,
                                     help_text=_("Projects your organisation takes part in."))
    stage = forms.ChoiceField(label=_("stage"), choices=ApprovalStage.choices)

    field_order = ["project", "stage", *ApplicationForm.FIELDS]

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects


class DocumentUploadForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("PDF, OFD, Word, Excel, JPEG or PNG; at most 20 MB."))


class CommitmentForm(forms.Form):
    """容缺受理: one due date for each missing non-core document, named `due_<required document id>`."""

    def __init__(self, *args, missing: list[RequiredDocument], today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.missing_core = [d for d in missing if d.is_core]
        for doc in missing:
            if doc.is_core:
                continue
            latest = workdays.add_workdays(today, doc.item.time_limit_days)
            self.fields[f"due_{doc.pk}"] = forms.DateField(
                label=doc.name, widget=forms.DateInput(attrs={"type": "date", "min": today.isoformat(),
                                                              "max": latest.isoformat()}, format="%Y-%m-%d"),
                help_text=_("%(item)s · by %(latest)s at the latest (the item's time limit)") % {
                    "item": doc.item.name, "latest": latest.isoformat()},
            )

    def commitments(self) -> dict[int, datetime.date]:
        return {int(name.removeprefix("due_")): value for name, value in self.cleaned_data.items()
                if name.startswith("due_") and value}


class SubmitForm(forms.Form):
    """Submitting to the window. With core documents missing (services.SubmissionGaps.needs_confirmation) the
    applicant ticks `confirm_missing`; otherwise the form has no field and the button submits at once."""

    def __init__(self, *args, gaps, **kwargs):
        super().__init__(*args, **kwargs)
        self.gaps = gaps
        if gaps.needs_confirmation:
            self.fields["confirm_missing"] = forms.BooleanField(
                label=_("Submit anyway: I know that %(missing)s of %(total)s required documents are missing") % {
                    "missing": len(gaps.missing), "total": gaps.required},
                error_messages={"required": _("Confirm that you submit with %(missing)s documents missing.") % {
                    "missing": len(gaps.missing)}})

    def confirmed(self) -> bool:
        return bool(self.cleaned_data.get("confirm_missing"))


class CorrectionForm(forms.Form):
    items = forms.CharField(label=_("What is missing"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000,
                            help_text=_("One item per line. List everything in this one notice (一次性告知)."))
    message = forms.CharField(label=_("Message to the applicant"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def clean_items(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["items"].splitlines() if line.strip()]


class ReviewDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect, choices=[])
    opinion = forms.CharField(label=_("Opinion"), required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("Required when you reject or ask for a correction."))
    conditions = forms.CharField(label=_("Conditions"), required=False, max_length=5000,
                                 widget=forms.Textarea(attrs={"rows": 3}),
                                 help_text=_("Required when you approve with conditions."))

    def __init__(self, *args, labels: dict[str, str], decisions=DECISIONS, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [(d, labels[d]) for d in DECISIONS if d in decisions]


class AttendeeChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        org = obj.organization.short_name or obj.organization.name if obj.organization else ""
        return f"{obj.get_full_name()}（{org}）" if org else obj.get_full_name()


class JointReviewForm(forms.Form):
    scheduled_at = forms.DateTimeField(
        label=_("Date and time"), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    location = forms.CharField(label=_("Location"), max_length=200)
    attendees = AttendeeChoiceField(label=_("Attendees"), queryset=User.objects.none(),
                                    widget=forms.CheckboxSelectMultiple,
                                    help_text=_("Reviewers of the departments concerned and bureau staff."))

    def __init__(self, *args, case: ApprovalCase, **kwargs):
        super().__init__(*args, **kwargs)
        departments = case.reviews.values("department_id")
        self.fields["attendees"].queryset = User.objects.filter(
            Q(groups__name=Role.BUREAU_STAFF)
            | Q(groups__name=Role.DEPARTMENT_REVIEWER, organization_id__in=departments),
            is_active=True,
        ).select_related("organization").distinct().order_by("organization__kind", "organization__name", "full_name")


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=_("Minutes"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4}))


class CatalogueItemForm(forms.ModelForm):
    time_limit_days = forms.IntegerField(label=_("time limit (working days)"), min_value=1, max_value=365)

    class Meta:
        model = CatalogueItem
        fields = ["name", "time_limit_days", "is_active"]


class RequiredDocumentForm(forms.ModelForm):
    class Meta:
        model = RequiredDocument
        fields = ["name", "is_core"]
