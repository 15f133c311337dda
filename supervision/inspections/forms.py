"""Forms of the inspection pages. They parse input only; every rule is the service's
(supervision.inspections.services)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.core.forms import MultipleFileField

from ..models import KeyProcess, MaterialKind, RectificationState, SampleState

DATE = forms.DateInput(attrs={"type": "date"})


class DeliveryForm(forms.Form):
    contractor = forms.ModelChoiceField(label=_("receiving contractor"), queryset=None, required=False,
                                        help_text=_("Bureau staff record a delivery for one of the project's "
                                                    "contractors; a contractor records its own."))
    kind = forms.ChoiceField(label=_("material"), choices=MaterialKind.choices)
    specification = forms.CharField(label=_("specification"), max_length=100, help_text=_("E.g. HRB400E Φ25, C40"))
    supplier = forms.CharField(label=_("supplier"), max_length=200)
    batch_number = forms.CharField(label=_("batch number"), max_length=50)
    quantity = forms.DecimalField(label=_("quantity"), max_digits=14, decimal_places=3)
    unit = forms.CharField(label=_("unit"), max_length=10, help_text=_("t, m³, m …"))
    certificate_number = forms.CharField(label=_("certificate number"), max_length=50)
    delivered_on = forms.DateField(label=_("delivered on"), widget=DATE)
    certificates = MultipleFileField(label=_("quality certificate (scan)"), required=False)

    def __init__(self, *args, contractors=(), **kwargs):
        super().__init__(*args, **kwargs)
        from portal.accounts.models import Organization

        self.fields["contractor"].queryset = Organization.objects.filter(pk__in=[o.pk for o in contractors])


class PlanForm(forms.Form):
    contractor = forms.ModelChoiceField(label=_("contractor inspected"), queryset=None)
    process = forms.ChoiceField(label=_("key process"), choices=KeyProcess.choices)
    title = forms.CharField(label=_("title"), max_length=200)
    required_samples = forms.IntegerField(label=_("required samples"), min_value=1, max_value=100000)
    witness_share = forms.IntegerField(label=_("witnessed share (%)"), initial=30, min_value=0, max_value=100,
                                       # xgettext:no-python-format  (the % is a per cent sign)
                                       help_text=_("At least 30 % of the required samples are taken in a "
                                                   "witness's presence."))
    standard = forms.CharField(label=_("standard / acceptance criterion"), max_length=200, required=False)

    def __init__(self, *args, contractors=(), **kwargs):
        super().__init__(*args, **kwargs)
        from portal.accounts.models import Organization

        self.fields["contractor"].queryset = Organization.objects.filter(pk__in=[o.pk for o in contractors])


class SampleForm(forms.Form):
    location = forms.CharField(label=_("part / location sampled"), max_length=200)
    taken_on = forms.DateField(label=_("taken on"), widget=DATE)
    witnessed = forms.BooleanField(label=_("witnessed (见证取样)"), required=False)
    witness_name = forms.CharField(label=_("witness"), max_length=50, required=False)
    delivery = forms.ModelChoiceField(label=_("delivery"), queryset=None, required=False)
    elements = forms.CharField(label=_("model elements"), max_length=500, required=False,
                               help_text=_("IFC GlobalIds of the elements sampled, comma-separated (for BIM)."))

    def __init__(self, *args, deliveries=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["delivery"].queryset = deliveries


class ResultForm(forms.Form):
    passed = forms.TypedChoiceField(label=_("result"), coerce=lambda v: v == "pass",
                                    choices=[("pass", _("Passed")), ("fail", _("Failed"))],
                                    widget=forms.RadioSelect)
    tested_on = forms.DateField(label=_("tested on"), widget=DATE)
    report_number = forms.CharField(label=_("report number"), max_length=50)
    values = forms.CharField(label=_("measured values"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("One per line: name = value, e.g. 抗压强度 (MPa) = 42.5"))
    conclusion = forms.CharField(label=_("conclusion"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                 help_text=_("Required for a failure: what failed, what must be rectified."))
    report = MultipleFileField(label=_("test report"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean_values(self) -> dict:
        values = {}
        for line in (self.cleaned_data.get("values") or "").splitlines():
            if not line.strip():
                continue
            name, sep, value = line.partition("=")
            if not sep or not name.strip():
                raise forms.ValidationError(_("Write each value as name = value."))
            values[name.strip()] = value.strip()
        return values


class SubmitForm(forms.Form):
    measures = forms.CharField(label=_("measures taken"), widget=forms.Textarea(attrs={"rows": 4}))
    evidence = MultipleFileField(label=_("rectification evidence"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DeliveryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100, widget=forms.TextInput(
        attrs={"type": "search", "placeholder": _("Batch, specification, supplier or certificate")}))
    kind = forms.ChoiceField(label=_("material"), required=False, choices=[("", _("All materials")),
                                                                           *MaterialKind.choices])

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {"search": (data.get("q") or "").strip(), "kind": data.get("kind", "")}


class SampleFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100, widget=forms.TextInput(
        attrs={"type": "search", "placeholder": _("Sample, location, report or project")}))
    project = forms.IntegerField(label=_("project"), required=False, widget=forms.HiddenInput)
    process = forms.ChoiceField(label=_("key process"), required=False,
                                choices=[("", _("All key processes")), *KeyProcess.choices])
    state = forms.ChoiceField(label=_("state"), required=False, choices=[("", _("All states")),
                                                                         *SampleState.choices])
    # A name to search rather than a list: at province scale the agencies number in thousands.
    agency = forms.CharField(label=_("testing agency"), required=False, max_length=100,
                             widget=forms.TextInput(attrs={"placeholder": _("Name of the agency")}))
    date_from = forms.DateField(label=_("taken from"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("taken until"), required=False, widget=DATE)

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {"search": (data.get("q") or "").strip(), "project_id": data.get("project"),
                "process": data.get("process", ""), "state": data.get("state", ""),
                "agency": (data.get("agency") or "").strip(), "date_from": data.get("date_from"),
                "date_to": data.get("date_to")}


class RectificationFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100, widget=forms.TextInput(
        attrs={"type": "search", "placeholder": _("Rectification, sample or project")}))
    project = forms.IntegerField(label=_("project"), required=False, widget=forms.HiddenInput)
    state = forms.ChoiceField(label=_("state"), required=False, choices=[
        ("", _("All states")), ("open", _("Not closed")), *RectificationState.choices])
    due = forms.ChoiceField(label=_("deadline"), required=False, choices=[
        ("", _("Any deadline")), ("overdue", _("Overdue")), ("soon", _("Due within 2 working days"))])

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {"search": (data.get("q") or "").strip(), "project_id": data.get("project"),
                "state": data.get("state", ""), "due": data.get("due", "")}
