"""The forms of the tendering pages: they parse the input; every rule is the services' (the refusals are shown on
the named fields by `form_add_application_error`)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Organization, OrganizationKind, User

from ..models import CertificateKind, PersonCertificate, QualificationGrade, QualificationKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
COMPANY_KINDS = [k for k in OrganizationKind.values if k not in (OrganizationKind.BUREAU, OrganizationKind.DEPARTMENT)]


def companies():
    return Organization.objects.filter(kind__in=COMPANY_KINDS, voided_at__isnull=True).order_by("name")


class QualificationForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Organisation"), queryset=Organization.objects.none())
    kind = forms.ChoiceField(label=_("Qualification"), choices=QualificationKind.choices)
    grade = forms.ChoiceField(label=_("Grade"), choices=QualificationGrade.choices)
    certificate_number = forms.CharField(label=_("Certificate number"), max_length=50)
    issuer = forms.CharField(label=_("Issued by"), max_length=100, required=False)
    issued_on = forms.DateField(label=_("Issued on"), required=False, widget=DATE)
    expires_on = forms.DateField(label=_("Expires on"), widget=DATE)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = companies()
        if editing:
            del self.fields["organization"]


class CertificateForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Organisation"), queryset=Organization.objects.none())
    person_name = forms.CharField(label=_("Holder"), max_length=50)
    kind = forms.ChoiceField(label=_("Certificate"), choices=CertificateKind.choices)
    grade = forms.CharField(label=_("Grade / specialty"), max_length=50, required=False)
    certificate_number = forms.CharField(label=_("Certificate number"), max_length=50)
    expires_on = forms.DateField(label=_("Expires on"), widget=DATE)
    user = forms.ModelChoiceField(label=_("Portal account"), required=False, queryset=User.objects.none())

    def __init__(self, *args, organization: Organization | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = companies()
        users = User.objects.filter(is_active=True, organization__kind__in=COMPANY_KINDS).order_by("full_name")
        if organization is not None:
            del self.fields["organization"]
            users = users.filter(organization=organization)
        self.fields["user"].queryset = users


class LotForm(forms.Form):
    code = forms.CharField(label=_("Lot number"), max_length=30, help_text=_("E.g. SG-01"))
    name = forms.CharField(label=_("Lot name"), max_length=200)
    scope = forms.CharField(label=_("Scope of work"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    estimated_amount = forms.CharField(label=_("Estimated amount (yuan)"), max_length=30)
    required_kind = forms.ChoiceField(label=_("Required qualification"), choices=QualificationKind.choices)
    required_grade = forms.ChoiceField(label=_("Minimum grade"), choices=QualificationGrade.choices)
    bid_open_on = forms.DateField(label=_("Bid opening"), required=False, widget=DATE)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class BidForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Bidder"), queryset=Organization.objects.none())
    amount = forms.CharField(label=_("Bid amount (yuan)"), max_length=30)
    project_manager = forms.ModelChoiceField(label=_("Project manager (constructor)"), required=False,
                                             queryset=PersonCertificate.objects.none())
    safety_officer = forms.ModelChoiceField(label=_("Safety officer"), required=False,
                                            queryset=PersonCertificate.objects.none())
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = companies()
        live = PersonCertificate.objects.filter(voided_at__isnull=True).select_related("organization")
        self.fields["project_manager"].queryset = live.filter(kind=CertificateKind.CONSTRUCTOR)
        self.fields["safety_officer"].queryset = live.filter(kind__in=[CertificateKind.SAFETY_B,
                                                                      CertificateKind.SAFETY_C])


class FilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": _("Organisation or certificate number")}))
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    expiring = forms.BooleanField(label=_("Expiring within 60 days"), required=False)

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All kinds")), *kinds]

    def filters(self) -> dict:
        if not self.is_valid():
            return {"search": "", "kind": "", "expiring": False}
        data = self.cleaned_data
        return {"search": data["q"].strip(), "kind": data["kind"], "expiring": data["expiring"]}
