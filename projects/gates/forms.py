from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import GateCondition, GateRequirement, ProjectType, RequirementKind, Stage

UPLOAD_HELP = _("PDF, OFD, Word, Excel, JPEG or PNG; at most 20 MB.")


class HiddenErrorsOnTop:
    """An error about a hidden field (the line uploaded for, the version edited) is shown on top of the form:
    there is no input to show it beside."""

    def add_error(self, field, error):
        if field is not None and field in self.fields and self.fields[field].widget.is_hidden:
            field = None
        super().add_error(field, error)


class DocumentUploadForm(HiddenErrorsOnTop, forms.Form):
    """A document for one checklist line (its title is the line's) or, without a line, any document of the
    project under a title."""

    file = forms.FileField(label=_("File"), help_text=UPLOAD_HELP)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    requirement = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def clean(self):
        data = super().clean()
        if not data.get("requirement") and not (data.get("title") or "").strip():
            self.add_error("title", _("Give the document a title."))
        return data


class ConfirmationForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("What was checked, e.g. the number of the certificate."))


class AdvanceForm(forms.Form):
    expected_stage = forms.ChoiceField(choices=Stage.choices, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Recorded with the move, e.g. the approval it rests on."))


class GateRequirementForm(HiddenErrorsOnTop, forms.ModelForm):
    stage = forms.ChoiceField(label=_("Stage left"), choices=[c for c in Stage.choices if c[0] != Stage.POST_EVALUATION])
    kind = forms.ChoiceField(label=_("Kind"), choices=RequirementKind.choices)
    condition = forms.ChoiceField(label=_("Condition"), required=False,
                                  choices=[("", "—"), *GateCondition.choices],
                                  help_text=_("Only for a condition checked by the portal."))
    project_types = forms.MultipleChoiceField(label=_("Project types"), required=False, choices=ProjectType.choices,
                                              widget=forms.CheckboxSelectMultiple,
                                              help_text=_("Leave all unticked to apply to every type."))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = GateRequirement
        fields = ["stage", "kind", "title", "condition", "project_types", "order", "active", "guidance"]
        widgets = {"guidance": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        else:
            del self.fields["active"]

    def _post_clean(self):
        # The service validates the model (and refuses stale versions); the form checks only its own fields.
        pass
