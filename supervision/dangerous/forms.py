"""Forms of the dangerous-works pages. They parse input only; every rule is the service's (`services`)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.core.forms import MultipleFileField

from ..models import DangerousWork, DangerousWorkKind, DangerousWorkState, ExpertReviewResult, Purpose
from .services import EDITABLE, FILED_PURPOSES


class DangerousFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100, widget=forms.TextInput(
        attrs={"type": "search", "placeholder": _("Name, location, project or contractor")}))
    kind = forms.ChoiceField(label=_("kind"), required=False, choices=[("", _("All kinds")), *DangerousWorkKind.choices])
    state = forms.ChoiceField(label=_("state"), required=False,
                              choices=[("", _("All states")), *DangerousWorkState.choices])
    large_scale = forms.BooleanField(label=_("Beyond a certain scale only"), required=False)

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if k != "q" and v}

    def search(self) -> str:
        return self.cleaned_data.get("q", "") if self.is_valid() else ""


class DangerousWorkForm(forms.ModelForm):
    """The register entry; whether it is dangerous at all, and of the larger class, the service decides."""

    special_plan = MultipleFileField(label=_("Special construction plan"), required=False)

    class Meta:
        model = DangerousWork
        fields = EDITABLE
        widgets = {"planned_start": forms.DateInput(attrs={"type": "date"}),
                   "planned_finish": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, contractors, with_files: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contractor"].queryset = contractors
        if not with_files:
            del self.fields["special_plan"]

    def _post_clean(self):  # the service validates the instance (and classifies it): not the form
        pass


class AttachForm(forms.Form):
    purpose = forms.ChoiceField(label=_("what it is"), choices=[(p.value, p.label) for p in FILED_PURPOSES])
    files = MultipleFileField(label=_("Files"), required=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReviewForm(forms.Form):
    expert_review_on = forms.DateField(label=_("expert review on"), widget=forms.DateInput(attrs={"type": "date"}))
    expert_review_result = forms.ChoiceField(label=_("expert review result"), choices=ExpertReviewResult.choices)
    experts = forms.CharField(label=_("experts"), widget=forms.Textarea(attrs={"rows": 5}),
                              help_text=_("Names and employers, one per line (at least five)."))
    files = MultipleFileField(label=Purpose.EXPERT_REVIEW.label, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class MoveForm(forms.Form):
    on = forms.DateField(label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
