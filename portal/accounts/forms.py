from django import forms
from django.utils.translation import gettext_lazy as _

from portal.core.models import Region

from .models import CreditStanding, Organization


class OrganizationForm(forms.ModelForm):
    region = forms.ModelChoiceField(
        label=_("region"), queryset=Region.objects.exclude(level=Region.Level.COUNTY), required=False
    )

    class Meta:
        model = Organization
        fields = ["name", "short_name", "kind", "department_code", "credit_code", "region", "contact_phone", "address"]


class CreditStandingForm(forms.Form):
    standing = forms.ChoiceField(label=_("New credit standing"), choices=CreditStanding.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
