"""Forms of the smart-site pages. They parse input only; every rule (a crane needs its rated load moment, a
camera its stream address, a project may only tighten a default …) is the service's (`services`), which names
the field it refuses."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..models import AlertLevel, Device, DeviceKind, Rule, RuleKind

DATE = forms.DateInput(attrs={"type": "date"})
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class _Filter(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search"}))

    def values(self) -> dict:
        return self.cleaned_data if self.is_bound and self.is_valid() else {}


class DeviceFilterForm(_Filter):
    kind = forms.ChoiceField(label=_("kind"), required=False, choices=[("", _("All kinds")), *DeviceKind.choices])
    retired = forms.BooleanField(label=_("Include retired devices"), required=False)

    def filters(self) -> dict:
        data = self.values()
        return {"q": data.get("q", ""), "kind": data.get("kind", ""), "retired": bool(data.get("retired"))}


class AlertFilterForm(_Filter):
    """An alert list's filters; without a state asked for, the open alerts."""

    state = forms.ChoiceField(label=_("state"), required=False, choices=[
        ("open", pgettext_lazy("alert state", "Open")), ("cleared", pgettext_lazy("alert state", "Cleared")),
        ("all", _("All states"))])
    level = forms.ChoiceField(label=_("level"), required=False, choices=[("", _("All levels")), *AlertLevel.choices])
    kind = forms.ChoiceField(label=_("device kind"), required=False,
                             choices=[("", _("All kinds")), *DeviceKind.choices])
    project = forms.CharField(label=_("project"), required=False, max_length=100,
                              widget=forms.TextInput(attrs={"placeholder": _("Name of the project")}))
    since = forms.DateField(label=_("From"), required=False, widget=DATE)
    until = forms.DateField(label=_("To"), required=False, widget=DATE)

    def __init__(self, *args, project_search: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not project_search:  # a project's own list
            del self.fields["project"]

    def filters(self) -> dict:
        data = self.values()
        state = data.get("state") or "open"
        return {"q": data.get("q", ""), "state": "" if state == "all" else state, "level": data.get("level", ""),
                "kind": data.get("kind", ""), "project_name": data.get("project", ""),
                "since": data.get("since"), "until": data.get("until")}


CAPACITY_HELP = _("Tower crane: its rated load moment (kN·m). Excavation strut or formwork support: its design "
                  "axial force (kN). The capacity rules judge readings as a share of it.")


class DeviceForm(forms.ModelForm):
    """Registering a device (and, without kind and serial, editing one)."""

    class Meta:
        model = Device
        fields = ("kind", "serial", "name", "location", "latitude", "longitude", "responsible", "rated_capacity",
                  "stream_url")
        labels = {"rated_capacity": _("rated capacity")}
        help_texts = {"rated_capacity": CAPACITY_HELP}

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = organizations

    def _post_clean(self):  # the service validates
        pass


class DeviceEditForm(DeviceForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta(DeviceForm.Meta):
        fields = ("name", "location", "latitude", "longitude", "responsible", "rated_capacity", "stream_url")

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        if kind != DeviceKind.CAMERA:
            del self.fields["stream_url"]
        if kind not in (DeviceKind.CRANE, DeviceKind.PIT, DeviceKind.FORMWORK):
            del self.fields["rated_capacity"]


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class AlertClearForm(VersionForm):
    note = forms.CharField(label=_("Why it is cleared"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("A faulty sensor, the cause removed, work stopped …: the note stays with "
                                       "the alert."))


# Which of a rule's values each kind of rule uses (a level and a clearing time all of them).
KIND_FIELDS = {
    RuleKind.LIMIT: ("time_from", "time_to", "sustain_minutes"),
    RuleKind.AVERAGE: ("window_minutes", "allowed_per_day", "reference"),
    RuleKind.CUMULATIVE: ("sustain_minutes",),
    RuleKind.RATE: ("sustain_minutes",),
    RuleKind.CAPACITY: ("sustain_minutes",),
    RuleKind.EVENT: (),
}
OPTIONAL = ("time_from", "time_to", "window_minutes", "reference", "warning_level", "alarm_level")


class RuleForm(forms.ModelForm):
    """A rule's values: a project's own, a device's own or (bureau staff) a shipped default's. Only the values
    the kind of rule uses are offered; `active` and the hours of the day only where they may be changed (a device's
    own rule, a default); a reference device only for an average on a project or device."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Rule
        fields = ("warning_level", "alarm_level", "time_from", "time_to", "window_minutes", "allowed_per_day",
                  "reference", "sustain_minutes", "clear_minutes", "raises_hazard", "active", "source")
        widgets = {"time_from": TIME, "time_to": TIME}

    def __init__(self, *args, rule_kind: str, scope: str, references=None, **kwargs):
        super().__init__(*args, **kwargs)
        used = {"warning_level", "alarm_level", "clear_minutes", "raises_hazard", "source", "version",
                *KIND_FIELDS.get(rule_kind, ())}
        if scope == "project":  # narrowing a default's hours would loosen it, which a project may not
            used -= {"time_from", "time_to"}
        else:
            used.add("active")
        if scope == "default" or references is None:
            used.discard("reference")
        for name in list(self.fields):
            if name not in used:
                del self.fields[name]
        for name in OPTIONAL:
            if name in self.fields:
                self.fields[name].required = False
        self.fields["source"].required = False  # the service says what is missing
        self.fields["source"].help_text = _("Where the values come from: a standard's clause, the design, the "
                                            "special plan.")
        if "reference" in self.fields:
            self.fields["reference"].queryset = references

    def _post_clean(self):  # the service validates
        pass

    def values(self) -> dict:
        """The values for `services.rule_set` / `default_rule_update`."""
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}
