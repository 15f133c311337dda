import re

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Organization, OrganizationKind, Role, User
from portal.core.models import Region
from portal.core.money import WanField

from .models import ParticipantRole, Phase, Project, ProjectLevel, ProjectType, Stage
from .widgets import RegionPicker


class ProjectForm(forms.ModelForm):
    owner = forms.ModelChoiceField(
        label=_("owner"), queryset=Organization.objects.active().filter(kind=OrganizationKind.OWNER)
    )
    # Typed in 万元 as every list shows it (the model and the API keep 元); the 元 value is shown beside it.
    total_investment = WanField(label=_("Total investment (10k yuan)"))
    # Picked by name from the GB/T 2260 list (projects/widgets.py); the field still holds the six-digit codes.
    region_codes = forms.CharField(
        label=_("regions"), required=False, widget=RegionPicker(attrs={"placeholder": "330100 330106"}),
        help_text=_("Type a city or county name (or its six-digit GB/T 2260 code) and pick it from the list; "
                    "without scripts, type the codes separated by spaces."),
    )

    class Meta:
        model = Project
        fields = ["code", "name", "project_type", "level", "stage", "total_investment", "planned_start",
                  "planned_finish", "owner", "description"]
        widgets = {
            "planned_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "planned_finish": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # after registration the stage moves only through its gate (projects:gates)
            del self.fields["stage"]
        if self.instance.pk and not self.is_bound:
            self.initial["region_codes"] = " ".join(self.instance.regions.values_list("code", flat=True))

    def clean_region_codes(self) -> list[Region]:
        codes = [c for c in re.split(r"[\s,，、]+", self.cleaned_data.get("region_codes") or "") if c]
        bad = [c for c in codes if not re.fullmatch(r"\d{6}", c)]
        if bad:
            raise forms.ValidationError(_("Not a six-digit division code: %(codes)s") % {"codes": "、".join(bad)})
        found = {r.code: r for r in Region.objects.filter(code__in=codes)}
        missing = [c for c in codes if c not in found]
        if missing:
            raise forms.ValidationError(_("Unknown division code: %(codes)s") % {"codes": "、".join(missing)})
        return [found[c] for c in dict.fromkeys(codes)]


class ProjectFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, widget=forms.TextInput(
        attrs={"type": "search", "placeholder": _("Project name, code or owner")}))
    project_type = forms.ChoiceField(label=_("type"), required=False, choices=[("", _("All types")), *ProjectType.choices])
    level = forms.ChoiceField(label=_("level"), required=False, choices=[("", _("All levels")), *ProjectLevel.choices])
    phase = forms.ChoiceField(label=_("phase"), required=False, choices=[("", _("All phases")), *Phase.choices])
    stage = forms.ChoiceField(label=_("stage"), required=False, choices=[("", _("All stages")), *Stage.choices])
    # A name (or part of one) rather than a list of every owner organisation: at province scale a select of
    # thousands of options made the list page ten times slower (bench/REPORT.md, scenario e).
    owner = forms.CharField(label=_("owner"), required=False, max_length=100, widget=forms.TextInput(
        attrs={"placeholder": _("Owner organisation"), "size": 16}))
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=[
        ("", _("Newest first")), ("code", _("Project code")), ("name", _("Project name")),
        ("-investment", _("Investment, largest first")), ("investment", _("Investment, smallest first")),
        ("planned_finish", _("Planned finish, earliest first")), ("-planned_finish", _("Planned finish, latest first")),
        ("stage", _("Stage")),
    ])
    # Picked by name like the project form's regions (one region here); the query string keeps the code.
    region = forms.RegexField(label=_("region"), regex=r"^\d{6}$", required=False, error_messages={
        "invalid": _("Enter a six-digit division code.")}, widget=RegionPicker(single=True, attrs={
            "placeholder": _("Region code, e.g. 330100"), "size": 14}))  # (typed as before without scripts)


class ParticipantForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("organisation"), queryset=Organization.objects.active().exclude(
        kind__in=[OrganizationKind.BUREAU, OrganizationKind.DEPARTMENT]))
    role = forms.ChoiceField(label=_("role on the project"), choices=ParticipantRole.choices)
    lot = forms.CharField(label=_("lot"), required=False, max_length=50)


class LiaisonForm(forms.Form):
    officer = forms.ModelChoiceField(
        label=_("liaison officer"), required=False,
        queryset=User.objects.filter(is_active=True, groups__name=Role.LIAISON_OFFICER).order_by("full_name"),
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)
