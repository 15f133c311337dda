"""The forms of the contract pages: they parse the input; the terms' rules are the services' (`rules`), shown on
the named fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Organization, OrganizationKind

from ..models import ContractKind, ContractState, QualityStandard, TenderLot

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
COMPANY_KINDS = [k for k in OrganizationKind.values if k not in (OrganizationKind.BUREAU, OrganizationKind.DEPARTMENT)]


class ContractForm(forms.Form):
    number = forms.CharField(label=_("Contract number"), max_length=50)
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=ContractKind.choices)
    lot = forms.ModelChoiceField(label=_("Lot"), required=False, queryset=TenderLot.objects.none())
    employer = forms.ModelChoiceField(label=_("Employer (party A)"), required=False,
                                      queryset=Organization.objects.none(),
                                      help_text=_("Empty: the project's owner."))
    contractor = forms.ModelChoiceField(label=_("Contractor (party B)"), queryset=Organization.objects.none())
    # Amounts and shares as text: the rules say what is wrong with them (negative, more than two decimals …).
    amount = forms.CharField(label=_("Contract amount (yuan)"), max_length=30)
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE)
    start_on = forms.DateField(label=_("Start"), widget=DATE)
    finish_on = forms.DateField(label=_("Finish"), widget=DATE)
    quality_standard = forms.ChoiceField(label=_("Quality standard"), choices=QualityStandard.choices)
    delay_penalty_per_day = forms.CharField(label=_("Delay penalty per day (yuan)"), max_length=30, initial="0")
    # xgettext:no-python-format  (the % is a per cent sign)
    delay_penalty_cap = forms.CharField(label=_("Delay penalty cap (% of amount)"), max_length=10, initial="10")
    quality_penalty_clause = forms.CharField(label=_("Quality penalty clauses"), required=False,
                                             widget=forms.Textarea(attrs={"rows": 3}))
    advance_share = forms.CharField(label=_("Advance (%)"), max_length=10, initial="0",
                                    # xgettext:no-python-format  (the % is a per cent sign)
                                    help_text=_("0 (no advance) or 10–30 % of the contract amount."))
    retention_share = forms.CharField(label=_("Retention (%)"), max_length=10, initial="3",
                                      # xgettext:no-python-format  (the % is a per cent sign)
                                      help_text=_("At most 3 % of the contract amount."))
    payment_share = forms.CharField(label=_("Progress payment share (%)"), max_length=10, initial="80")
    defects_months = forms.IntegerField(label=_("Defects period (months)"), initial=12, min_value=1, max_value=24)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, project=None, lots=None, **kwargs):
        super().__init__(*args, **kwargs)
        orgs = Organization.objects.filter(kind__in=COMPANY_KINDS, voided_at__isnull=True).order_by("name")
        self.fields["employer"].queryset = orgs
        self.fields["contractor"].queryset = orgs
        if lots is not None:
            self.fields["lot"].queryset = lots


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Document"), max_length=200,
                            help_text=_("The same title again adds the next version."))
    file = forms.FileField(label=_("File"))
    note = forms.CharField(label=_("What changed"), max_length=200, required=False)


class ContractFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": _("Number, title, project or party")}))
    state = forms.ChoiceField(label=_("State"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("All states")), *ContractState.choices]
        self.fields["kind"].choices = [("", _("All kinds")), *ContractKind.choices]

    def filters(self) -> dict:
        if not self.is_valid():
            return {"search": "", "state": "", "kind": ""}
        return {"search": self.cleaned_data["q"].strip(), "state": self.cleaned_data["state"],
                "kind": self.cleaned_data["kind"]}
