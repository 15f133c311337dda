"""The shapes of /api/v1/supervision/site-devices/, …/site-rules/ and …/site-alerts/: what the API answers (…Output)
and what it takes (…Input). Metrics are named by the key a gateway sends ("pm10", "load_moment"); a choice is given
by its value, with its label in the request's language beside it (…_display)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.core.apis import ChoiceLabelField

from ..models import (
    METRIC_KEY_OF,
    METRIC_UNITS,
    AlertLevel,
    AlertState,
    CameraEventKind,
    DeviceKind,
    Metric,
    RuleKind,
)

# The largest id a query may be asked for (ids are bigint): a larger number is refused as input, not sent to the
# database (SQLite cannot even bind it).
MAX_ID = 2**63 - 1


def choice_field(choices, **kwargs) -> serializers.ChoiceField:
    """A ChoiceField whose schema lists its values inline: a named enum component per field name ("kind" …)
    would collide with the other parts' fields of the same name (drf-spectacular warns, and the schema tests
    forbid warnings)."""
    values = [value for value, _label in choices]
    field_class = extend_schema_field({"type": "string", "enum": values})(
        type("SiteChoiceField", (serializers.ChoiceField,), {}))
    return field_class(choices=choices, **kwargs)


@extend_schema_field({"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$", "example": "22:00:00"})
class ClockTimeField(serializers.TimeField):
    """A time of day in local time ("22:00:00"). Declared as a plain string: JSON Schema's "time" format is RFC
    3339's, which wants a zone that a rule's hour of the day has not."""


def id_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def metric_key(**kwargs) -> ChoiceLabelField:
    """The metric's key; for a field named `metric` (its source)."""
    return ChoiceLabelField(list(METRIC_KEY_OF.items()), allow_null=True, **kwargs)


def metric_display(**kwargs) -> ChoiceLabelField:
    return ChoiceLabelField(Metric.choices, source="metric", allow_null=True, **kwargs)


def metric_unit(**kwargs) -> ChoiceLabelField:
    return ChoiceLabelField(list(METRIC_UNITS.items()), source="metric", allow_null=True, **kwargs)


# ---------------------------------------------------------------------------------------------------- rules
class SiteRuleOutput(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    scope = serializers.CharField(help_text="default (shipped, with its source), project or device.")
    project_id = serializers.IntegerField(allow_null=True)
    device_id = serializers.IntegerField(allow_null=True)
    device_kind = serializers.CharField()
    device_kind_display = ChoiceLabelField(DeviceKind.choices, source="device_kind")
    metric = metric_key(help_text="The metric's key (as a gateway sends it); null for a camera event.")
    metric_display = metric_display()
    unit = metric_unit()
    event_kind = serializers.CharField(help_text="Camera rules: the event judged; \"\" otherwise.")
    event_kind_display = ChoiceLabelField(CameraEventKind.choices, source="event_kind")
    kind = serializers.CharField()
    kind_display = ChoiceLabelField(RuleKind.choices, source="kind")
    name = serializers.CharField(source="label", help_text="In the request's language for a shipped default.")
    warning_level = serializers.FloatField(allow_null=True)
    alarm_level = serializers.FloatField(allow_null=True)
    time_from = ClockTimeField(allow_null=True)
    time_to = ClockTimeField(allow_null=True)
    window_minutes = serializers.IntegerField(allow_null=True)
    allowed_per_day = serializers.IntegerField()
    reference_id = serializers.IntegerField(allow_null=True)
    sustain_minutes = serializers.IntegerField()
    clear_minutes = serializers.IntegerField()
    raises_hazard = serializers.BooleanField()
    source = serializers.CharField(help_text="The standard, design or plan the values come from.")
    active = serializers.BooleanField()
    changed_by_id = serializers.IntegerField(allow_null=True)
    updated_at = serializers.DateTimeField()
    version = serializers.IntegerField()


class SiteRuleValuesInput(serializers.Serializer):
    """The values of a rule; only those sent are changed."""

    name = serializers.CharField(max_length=100, required=False)
    warning_level = serializers.FloatField(required=False, allow_null=True)
    alarm_level = serializers.FloatField(required=False, allow_null=True)
    time_from = serializers.TimeField(required=False, allow_null=True)
    time_to = serializers.TimeField(required=False, allow_null=True)
    window_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=1440)
    allowed_per_day = serializers.IntegerField(required=False, min_value=0, max_value=1440)
    reference = id_field(required=False, allow_null=True,
                         help_text="Average rules: the id of a background device of the same kind on the project.")
    sustain_minutes = serializers.IntegerField(required=False, min_value=0, max_value=366 * 1440)
    clear_minutes = serializers.IntegerField(required=False, min_value=0, max_value=366 * 1440)
    raises_hazard = serializers.BooleanField(required=False)
    source = serializers.CharField(max_length=200, required=False, allow_blank=True)
    active = serializers.BooleanField(required=False)
    version = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=MAX_ID,
                                       help_text="The version read; a changed rule is refused (409).")


class SiteRuleSetInput(SiteRuleValuesInput):
    key = serializers.CharField(max_length=40, help_text="The rule's key, e.g. noise.night or crane.load_moment.")
    project = id_field(required=False, allow_null=True, help_text="A project's own rule (it may only tighten the "
                                                                  "default).")
    device = id_field(required=False, allow_null=True, help_text="Or one device's own rule (the designer's values).")

    def validate(self, attrs: dict) -> dict:
        if (attrs.get("project") is None) == (attrs.get("device") is None):
            raise serializers.ValidationError({"project": [_("Give either a project or a device.")]})
        return attrs


# -------------------------------------------------------------------------------------------------- devices
class SiteDeviceOutput(serializers.Serializer):
    id = serializers.IntegerField()
    project_id = serializers.IntegerField()
    project_name = serializers.CharField(source="project.name")
    kind = serializers.CharField()
    kind_display = ChoiceLabelField(DeviceKind.choices, source="kind")
    serial = serializers.CharField()
    name = serializers.CharField()
    location = serializers.CharField()
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    responsible_id = serializers.IntegerField()
    responsible_name = serializers.CharField(source="responsible.name")
    rated_capacity = serializers.FloatField(allow_null=True)
    stream_url = serializers.CharField()
    token_hint = serializers.CharField(help_text="The first characters of the device's token (never the token).")
    token_rotated_at = serializers.DateTimeField(allow_null=True)
    last_seen_at = serializers.DateTimeField(allow_null=True)
    open_alerts = serializers.IntegerField()
    retired = serializers.SerializerMethodField()
    voided_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField()

    def get_retired(self, device) -> bool:
        return device.voided_at is not None


class SiteMetricOutput(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField()


class SiteLatestOutput(serializers.Serializer):
    metric = metric_key()
    metric_display = metric_display()
    unit = metric_unit()
    ts = serializers.DateTimeField()
    value = serializers.FloatField()
    level = serializers.CharField(help_text="warning, alarm, or \"\" when the value crosses no level.")


class SiteDeviceDetailOutput(SiteDeviceOutput):
    registered_by_id = serializers.IntegerField()
    void_reason = serializers.CharField()
    metrics = serializers.SerializerMethodField()
    latest = serializers.SerializerMethodField(help_text="The last value of each metric.")
    rules = serializers.SerializerMethodField(help_text="The rules in force: the defaults of its kind, replaced "
                                                        "key by key by the project's rules and its own.")

    def get_metrics(self, device) -> SiteMetricOutput(many=True):
        return [{"key": METRIC_KEY_OF[m], "label": str(Metric(m).label), "unit": METRIC_UNITS.get(m, "")}
                for m in device.metrics]

    def get_latest(self, device) -> SiteLatestOutput(many=True):
        return SiteLatestOutput(self.context.get("latest", []), many=True).data

    def get_rules(self, device) -> SiteRuleOutput(many=True):
        return SiteRuleOutput(self.context.get("rules", []), many=True).data


class SiteDeviceTokenOutput(SiteDeviceDetailOutput):
    token = serializers.CharField(help_text="The device's token: shown this once (only its hash is kept). Send it "
                                            "with each reading.")


class SiteDeviceFieldsInput(serializers.Serializer):
    """What may be changed of a registered device; only the fields sent are changed."""

    name = serializers.CharField(max_length=100, required=False)
    location = serializers.CharField(max_length=200, required=False)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False,
                                        allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-180, max_value=180,
                                         required=False, allow_null=True)
    responsible = id_field(required=False, help_text="The organisation answering for the device (of the project).")
    rated_capacity = serializers.FloatField(required=False, allow_null=True,
                                            help_text="Tower cranes: the rated load moment (kN·m).")
    stream_url = serializers.CharField(max_length=300, required=False, allow_blank=True,
                                       help_text="Cameras: rtsp://, rtmp://, http:// or https:// address.")


class SiteDeviceUpdateInput(SiteDeviceFieldsInput):
    version = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=MAX_ID,
                                       help_text="The version read; a changed device is refused (409).")


class SiteDeviceCreateInput(SiteDeviceFieldsInput):
    project = id_field()
    kind = choice_field(DeviceKind.choices)
    serial = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=100)
    location = serializers.CharField(max_length=200)
    responsible = id_field(help_text="The organisation answering for the device (of the project).")


class SiteDeviceRetireInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True)


class SiteReadingOutput(serializers.Serializer):
    ts = serializers.DateTimeField()
    value = serializers.FloatField()


class SiteRollupOutput(serializers.Serializer):
    period = serializers.CharField()
    start = serializers.DateTimeField(help_text="The hour's or the (local) day's start.")
    count = serializers.IntegerField()
    minimum = serializers.FloatField()
    average = serializers.FloatField(allow_null=True)
    maximum = serializers.FloatField()
    last_ts = serializers.DateTimeField()
    last_value = serializers.FloatField()
    warnings = serializers.IntegerField(help_text="Readings over a warning level.")
    alarms = serializers.IntegerField(help_text="Readings over an alarm level.")


# --------------------------------------------------------------------------------------------------- alerts
class SiteAlertOutput(serializers.Serializer):
    id = serializers.IntegerField()
    project_id = serializers.IntegerField()
    project_name = serializers.CharField(source="project.name")
    device_id = serializers.IntegerField()
    device_name = serializers.CharField(source="device.name")
    device_serial = serializers.CharField(source="device.serial")
    device_kind = serializers.CharField(source="device.kind")
    device_kind_display = ChoiceLabelField(DeviceKind.choices, source="device.kind")
    rule_id = serializers.IntegerField()
    rule_key = serializers.CharField()
    rule_name = serializers.CharField(source="rule.label")
    level = serializers.CharField()
    level_display = ChoiceLabelField(AlertLevel.choices, source="level")
    state = serializers.CharField()
    state_display = ChoiceLabelField(AlertState.choices, source="state")
    message = serializers.CharField()
    metric = metric_key()
    unit = metric_unit()
    opened_at = serializers.DateTimeField()
    first_value = serializers.FloatField(allow_null=True)
    worst_value = serializers.FloatField(allow_null=True)
    worst_at = serializers.DateTimeField()
    last_at = serializers.DateTimeField()
    count = serializers.IntegerField(help_text="The readings or events that crossed the rule while it was open.")
    cleared_at = serializers.DateTimeField(allow_null=True)
    hazard_id = serializers.IntegerField(allow_null=True)
    hazard_number = serializers.CharField(source="hazard.number", allow_null=True)
    version = serializers.IntegerField()


class SiteAlertDetailOutput(SiteAlertOutput):
    rule_scope = serializers.CharField(source="rule.scope")
    rule_source = serializers.CharField(source="rule.source")
    rule_warning_level = serializers.FloatField(source="rule.warning_level", allow_null=True)
    rule_alarm_level = serializers.FloatField(source="rule.alarm_level", allow_null=True)
    device_location = serializers.CharField(source="device.location")
    level_raised_at = serializers.DateTimeField(allow_null=True)
    cleared_by_id = serializers.IntegerField(allow_null=True)
    cleared_by_name = serializers.CharField(source="cleared_by.full_name", allow_null=True)
    clear_note = serializers.CharField()
    may_clear = serializers.BooleanField(help_text="Whether the caller may clear it by hand now.")
    may_raise_hazard = serializers.BooleanField(help_text="Whether the caller may raise a hazard from it now.")


class SiteAlertClearInput(serializers.Serializer):
    note = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="",
                                 help_text="Why it is cleared (a faulty sensor, the cause removed …): required.")
    version = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=MAX_ID,
                                       help_text="The version read; a changed alert is refused (409).")


class SiteAlertHazardInput(serializers.Serializer):
    version = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=MAX_ID,
                                       help_text="The version read; a changed alert is refused (409).")

