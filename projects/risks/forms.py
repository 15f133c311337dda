from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.accounts.models import Organization
from projects.models import Project, Risk, RiskCategory, RiskStatus
from projects.models.risks import LIVE_RISK_STATUSES, RiskBand

from .selectors import LIVE

LIKELIHOOD_CHOICES = [
    (1, _("1 — Rare")), (2, _("2 — Unlikely")), (3, _("3 — Possible")), (4, _("4 — Likely")),
    (5, _("5 — Almost certain")),
]
IMPACT_CHOICES = [
    (1, _("1 — Negligible")), (2, _("2 — Minor")), (3, _("3 — Moderate")), (4, _("4 — Major")),
    (5, _("5 — Severe")),
]


class RiskForm(forms.ModelForm):
    """Register or edit a risk. Editing carries the `version` it started from (optimistic lock)."""

    likelihood = forms.TypedChoiceField(label=_("Likelihood"), choices=[("", "---------"), *LIKELIHOOD_CHOICES],
                                        coerce=int)
    impact = forms.TypedChoiceField(label=_("Impact"), choices=[("", "---------"), *IMPACT_CHOICES], coerce=int)
    status = forms.ChoiceField(label=_("Status"), choices=[(s, RiskStatus(s).label) for s in LIVE_RISK_STATUSES],
                               help_text=_("A risk is closed with its Close action, which asks for a note."))
    owner_organization = forms.ModelChoiceField(label=_("Responsible organisation"), queryset=Organization.objects.none(),
                                                required=False, help_text=_("An organisation taking part in the project."))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Risk
        fields = ["title", "category", "description", "likelihood", "impact", "owner_organization", "owner_name",
                  "mitigation", "status", "review_date"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "mitigation": forms.Textarea(attrs={"rows": 4}),
            "review_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_organization"].queryset = Organization.objects.filter(
            participations__project=project, participations__voided_at__isnull=True).distinct().order_by("kind", "name")
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self.fields["version"].required = True

    def fields_data(self) -> dict:
        return {k: self.cleaned_data[k] for k in self.Meta.fields}


class RiskFilterForm(forms.Form):
    category = forms.ChoiceField(label=_("category"), required=False,
                                 choices=[("", _("All categories")), *RiskCategory.choices])
    status = forms.ChoiceField(label=_("status"), required=False, choices=[
        ("", _("All statuses")), (LIVE, _("Open or mitigating")), *RiskStatus.choices])
    band = forms.ChoiceField(label=pgettext_lazy("risk", "band"), required=False,
                             choices=[("", _("All bands")), *RiskBand.choices])
    cell = forms.RegexField(label=_("cell"), regex=r"^[1-5]-[1-5]$", required=False, widget=forms.HiddenInput,
                            error_messages={"invalid": _("Use likelihood-impact, each from 1 to 5, e.g. 4-5.")})


class CloseForm(forms.Form):
    close_note = forms.CharField(label=_("Closing note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}),
                                 help_text=_("Why the risk no longer needs watching."))
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput)
