"""Forms of the safety pages. They parse input only; every rule is the service's (`services`)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import User
from portal.core.forms import MultipleFileField

from ..models import IncidentGrade, SafetyResponsibility, SafetyRole, TrainingKind

DATE = forms.DateInput(attrs={"type": "date"})


class _Filter(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search"}))

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if k != "q" and v}

    def search(self) -> str:
        return self.cleaned_data.get("q", "") if self.is_valid() else ""


class RosterFilterForm(_Filter):
    role = forms.ChoiceField(label=_("position"), required=False, choices=[("", _("All positions")),
                                                                         *SafetyRole.choices])


class TrainingFilterForm(_Filter):
    kind = forms.ChoiceField(label=_("kind"), required=False, choices=[("", _("All kinds")), *TrainingKind.choices])


class IncidentFilterForm(_Filter):
    grade = forms.ChoiceField(label=_("grade"), required=False,
                              choices=[("", _("All grades")), *IncidentGrade.choices])
    since = forms.DateField(label=_("From"), required=False, widget=DATE)
    until = forms.DateField(label=_("To"), required=False, widget=DATE)


class RosterForm(forms.ModelForm):
    class Meta:
        model = SafetyResponsibility
        fields = ("organization", "role", "person_name", "user", "phone", "since", "duties")
        widgets = {"since": DATE, "duties": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["user"].queryset = User.objects.filter(organization__in=organizations, is_active=True)

    def _post_clean(self):  # the service validates
        pass


class TrainingForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("organised by"), queryset=None)
    kind = forms.ChoiceField(label=_("kind"), choices=TrainingKind.choices)
    topic = forms.CharField(label=_("topic"), max_length=200)
    held_on = forms.DateField(label=_("held on"), widget=DATE)
    place = forms.CharField(label=_("place"), max_length=200, required=False)
    trainer = forms.CharField(label=_("trainer / commander"), max_length=100, required=False)
    hours = forms.DecimalField(label=_("hours"), max_digits=5, decimal_places=1, min_value=0, initial=1)
    attendees = forms.ModelMultipleChoiceField(label=_("attending users"), queryset=None, required=False,
                                               widget=forms.SelectMultiple(attrs={"size": 6}))
    other_attendees = forms.CharField(label=_("other attendees"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 4}),
                                      help_text=_("Workers without a portal account, one per line."))
    summary = forms.CharField(label=_("content / evaluation"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))
    files = MultipleFileField(label=_("Sign-in sheet and photos"), required=False)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["attendees"].queryset = User.objects.filter(organization__in=organizations, is_active=True
                                                                ).order_by("organization", "username")


class IncidentForm(forms.Form):
    responsible = forms.ModelChoiceField(label=_("responsible unit"), queryset=None)
    occurred_at = forms.DateTimeField(label=_("occurred at"),
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    location = forms.CharField(label=_("location"), max_length=200)
    grade = forms.ChoiceField(label=_("grade"), choices=IncidentGrade.choices)
    deaths = forms.IntegerField(label=_("deaths"), min_value=0, initial=0)
    serious_injuries = forms.IntegerField(label=_("seriously injured"), min_value=0, initial=0)
    direct_loss = forms.DecimalField(label=_("direct economic loss (yuan)"), min_value=0, max_digits=16,
                                     decimal_places=2, initial=0)
    description = forms.CharField(label=_("what happened"), widget=forms.Textarea(attrs={"rows": 5}))
    measures = forms.CharField(label=_("immediate measures"), required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleFileField(label=_("Photos"), required=False)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = organizations
