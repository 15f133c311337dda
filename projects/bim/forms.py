"""Forms of the BIM pages: uploading a version of the model, and linking a group of its elements to a schedule
task. They only parse what was typed; every rule (an IFC we read, the size limit, a storey or class the current
model has, a live task of this project) is the services', so the page and the API refuse with the same words."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import BimLinkKind, ScheduleTask


class ModelUploadForm(forms.Form):
    file = forms.FileField(label=_("IFC file"), help_text=_("IFC2X3 or IFC4, as .ifc or .ifczip."),
                           widget=forms.ClearableFileInput(attrs={"accept": ".ifc,.ifczip"}))
    title = forms.CharField(label=_("Title"), max_length=200, required=False,
                            help_text=_("Left empty: the file's name."))
    note = forms.CharField(label=_("Note"), max_length=5000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("What changed since the previous version."))


class LinkForm(forms.Form):
    """A storey (optionally narrowed to one IFC class), an IFC class, or a list of GlobalIds, linked to a task.
    The choices are those of the project's current model and schedule, given by the view."""

    task = forms.ModelChoiceField(label=_("Schedule task"), queryset=ScheduleTask.objects.none(),
                                  empty_label=None)
    kind = forms.ChoiceField(label=_("Elements"), choices=BimLinkKind.choices, initial=BimLinkKind.STOREY)
    storey = forms.ChoiceField(label=_("Storey"), required=False)
    ifc_class = forms.ChoiceField(label=_("IFC class"), required=False,
                                  help_text=_("For a storey: only the elements of this class on it (optional)."))
    global_ids = forms.CharField(label=_("GlobalIds"), required=False, max_length=500_000,
                                 widget=forms.Textarea(attrs={"rows": 2, "class": "mono"}),
                                 help_text=_("For a selection: the elements' GlobalIds, separated by commas or "
                                             "spaces. The viewer saves a selection picked on the model."))
    name = forms.CharField(label=_("Name"), max_length=100, required=False,
                           help_text=_("Left empty: the storey, class or number of elements."))

    def __init__(self, *args, tasks, storeys, classes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].queryset = tasks
        self.fields["task"].label_from_instance = lambda t: f"{t.wbs} {t.name}"
        self.fields["storey"].choices = [("", "—"), *((s["global_id"], s["name"] or s["global_id"]) for s in storeys)]
        self.fields["ifc_class"].choices = [("", "—"), *((c, f"{c} ({n})") for c, n in classes)]
