"""Forms of cross-region work. Region fields offer the project's regions and the counties inside them; the
services check the region again (the API may send any code)."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Organization, User

from ..models import CommandRole, RegionWorkKind, RegionWorkStatus, WorkUnit
from ..progress.forms import PartForm

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        indent = "　" if obj.level == "county" else ""
        return f"{indent}{obj.name}（{obj.code}）"


def _region_field(regions, label, required=True) -> RegionChoiceField:
    from portal.core.models import Region

    return RegionChoiceField(label=capfirst(label), required=required,
                             queryset=Region.objects.filter(code__in=[r.code for r in regions]).order_by("code"))


class VersionedForm(PartForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)


class JointCommandForm(VersionedForm):
    name = forms.CharField(label=_("name"), max_length=200,
                           help_text=_("e.g. 杭温高铁工程建设联合指挥部"))
    established_on = forms.DateField(label=_("established on"), required=False, widget=DATE)
    lead_region = forms.ModelChoiceField(label=_("lead region"), queryset=None, required=False)
    office = forms.CharField(label=_("office address"), max_length=200, required=False)
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_region"] = _region_field(regions, _("lead region"), required=False)


class MemberForm(PartForm):
    region = forms.ModelChoiceField(label=_("region"), queryset=None)
    role = forms.ChoiceField(label=_("role"), choices=CommandRole.choices, initial=CommandRole.MEMBER)
    name = forms.CharField(label=_("name"), max_length=100)
    position = forms.CharField(label=_("position"), max_length=100, required=False,
                               help_text=_("e.g. 金华市人民政府副市长"))
    organization = forms.ModelChoiceField(label=_("organisation"), required=False,
                                          queryset=Organization.objects.active().order_by("name"))
    user = forms.ModelChoiceField(label=_("portal user"), required=False,
                                  queryset=User.objects.filter(is_active=True).order_by("full_name"),
                                  help_text=_("If the member uses the portal, they are told of blocked items."))
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"] = _region_field(regions, _("region"))


class WorkItemForm(VersionedForm):
    region = forms.ModelChoiceField(label=_("region"), queryset=None)
    kind = forms.ChoiceField(label=_("kind"), choices=RegionWorkKind.choices)
    title = forms.CharField(label=_("title"), max_length=200, help_text=_("e.g. 义乌段永久用地征收"))
    unit = forms.ChoiceField(label=_("unit"), choices=WorkUnit.choices)
    planned_quantity = forms.DecimalField(label=_("planned quantity"), max_digits=14, decimal_places=2)
    completed_quantity = forms.DecimalField(label=_("completed quantity"), max_digits=14, decimal_places=2,
                                            initial=0)
    status = forms.ChoiceField(label=_("status"), choices=RegionWorkStatus.choices)
    blockers = forms.CharField(label=_("blockers"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("Required when the item is blocked, e.g. 个别户诉求未达成一致"))
    responsible_organization = forms.ModelChoiceField(label=_("responsible organisation"), required=False,
                                                      queryset=Organization.objects.active().order_by("name"))
    due_date = forms.DateField(label=_("due date"), required=False, widget=DATE)

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"] = _region_field(regions, _("region"))

    def service_kwargs(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class WorkReportForm(VersionedForm):
    completed_quantity = forms.DecimalField(label=_("completed quantity"), max_digits=14, decimal_places=2)
    status = forms.ChoiceField(label=_("status"), choices=RegionWorkStatus.choices)
    blockers = forms.CharField(label=_("blockers"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("Required when the item is blocked"))


class WorkFilterForm(PartForm):
    region = forms.ChoiceField(label=_("region"), required=False)
    kind = forms.ChoiceField(label=_("kind"), required=False, choices=[("", _("All kinds")), *RegionWorkKind.choices])
    status = forms.ChoiceField(label=_("status"), required=False,
                               choices=[("", _("All statuses")), *RegionWorkStatus.choices])

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", _("All regions"))] + [(r.code, r.name) for r in regions]
