"""Forms of the accountability pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.core.forms import MultipleFileField

from ..models import AccountabilityState, MeasureKind, Trigger


class RecordFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False,
                        widget=forms.TextInput(attrs={"placeholder": _("Number, unit, facts")}))
    kind = forms.ChoiceField(label=_("measure"), required=False,
                             choices=[("", _("All measures"))] + list(MeasureKind.choices))
    trigger = forms.ChoiceField(label=_("reason for the proposal"), required=False,
                                choices=[("", _("All reasons"))] + list(Trigger.choices))
    state = forms.ChoiceField(label=_("state"), required=False,
                              choices=[("", _("All states"))] + list(AccountabilityState.choices))

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {"q": (self.cleaned_data.get("q") or "").strip(), "kind": self.cleaned_data.get("kind") or "",
                "trigger": self.cleaned_data.get("trigger") or "", "state": self.cleaned_data.get("state") or ""}


class ParticularsMixin(forms.Form):
    fine_amount = forms.DecimalField(label=_("fine (yuan)"), required=False, max_digits=14, decimal_places=2,
                                     min_value=0)
    due_on = forms.DateField(label=_("to be carried out by"), required=False,
                             widget=forms.DateInput(attrs={"type": "date"}))
    bars_bidding_until = forms.DateField(label=_("barred from awards until"), required=False,
                                         widget=forms.DateInput(attrs={"type": "date"}))


class RecordCreateForm(ParticularsMixin):
    organization = forms.ModelChoiceField(label=_("unit held to account"), queryset=None)
    project = forms.ModelChoiceField(label=_("project"), queryset=None, required=False)
    kind = forms.ChoiceField(label=_("measure"), choices=MeasureKind.choices)
    facts = forms.CharField(label=_("facts"), widget=forms.Textarea(attrs={"rows": 4}))

    field_order = ["organization", "project", "kind", "facts", "fine_amount", "due_on", "bars_bidding_until"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from portal.accounts.models import Organization, OrganizationKind
        from projects.models import Project

        self.fields["organization"].queryset = Organization.objects.filter(voided_at__isnull=True).exclude(
            kind__in=[OrganizationKind.BUREAU, OrganizationKind.DEPARTMENT]).order_by("name")
        self.fields["project"].queryset = Project.objects.filter(voided_at__isnull=True).order_by("name")


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ConfirmForm(VersionForm, ParticularsMixin):
    kind = forms.ChoiceField(label=_("measure"), choices=MeasureKind.choices)
    reason = forms.CharField(label=_("reason for the decision"), widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=4000)

    field_order = ["kind", "reason", "fine_amount", "due_on", "bars_bidding_until"]


class DismissForm(VersionForm):
    reason = forms.CharField(label=_("reason for the decision"), widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=4000)


class CompleteForm(VersionForm):
    completion_note = forms.CharField(label=_("how it was carried out"), widget=forms.Textarea(attrs={"rows": 3}),
                                      max_length=4000)
    files = MultipleFileField(label=_("Proof"), required=False,
                              help_text=_("Minutes of the interview, the notice, the fine's receipt, the stop order."))
