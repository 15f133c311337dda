import functools

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.hashable import make_hashable
from django.utils.translation import gettext_lazy as _


@functools.lru_cache(maxsize=1024)
def _choice_labels(field: models.Field, language: str | None) -> dict:
    """{value: label} of a choices field in one language, built once (the labels are translated then)."""
    return {make_hashable(value): str(label) for value, label in field.flatchoices}


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):
        """`get_<field>_display()`, the same answer as Django's, without rebuilding and translating the whole
        choice list on every call (Django does; a 50-row list page made ~200 such calls). The choices of the
        portal's fields are fixed enums; a field whose choices are a callable keeps Django's own path."""
        if callable(getattr(field, "_choices", None)):
            return super()._get_FIELD_display(field)
        value = getattr(self, field.attname)
        label = _choice_labels(field, translation.get_language()).get(make_hashable(value))
        return super()._get_FIELD_display(field) if label is None else label


class VoidableQuerySet(models.QuerySet):
    def active(self):
        return self.filter(voided_at__isnull=True)

    def voided(self):
        return self.filter(voided_at__isnull=False)


class VoidableModel(TimeStampedModel):
    """Nothing is deleted from the UI or API: an object is voided with a reason, and stays in its history."""

    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True, editable=False)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    void_reason = models.TextField(_("void reason"), blank=True, editable=False)

    objects = VoidableQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None


class Region(models.Model):
    """An administrative division (GB/T 2260, 民政部 list as of 2024-12-31), county level and above."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("province")
        PREFECTURE = "prefecture", _("prefecture")
        COUNTY = "county", _("county")

    code = models.CharField(_("division code"), max_length=6, primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    class Meta:
        ordering = ["code"]
        verbose_name = _("administrative region")
        verbose_name_plural = _("administrative regions")
        constraints = [
            models.CheckConstraint(condition=models.Q(code__regex=r"^[1-9][0-9]{5}$"), name="region_code_six_digits"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class Heartbeat(models.Model):
    """Written by the periodic `heartbeat` task, so the status page proves the worker and scheduler run."""

    name = models.CharField(max_length=64, unique=True)
    last_run_at = models.DateTimeField()
    runs = models.PositiveBigIntegerField(default=0)
    last_worker = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("heartbeat")

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_run_at:%Y-%m-%d %H:%M:%S}"


class EscalationRung(models.IntegerChoices):
    """The rungs of a deadline's escalation ladder (portal.core.deadlines), in climbing order."""

    NEAR = 1, _("Due soon")
    OVERDUE = 2, _("Overdue")
    LEADER = 3, _("Escalated to a leader")


class Escalation(models.Model):
    """The highest rung of its escalation ladder that one item of some workflow has reached for one due date,
    recorded by the deadline scan: the item is put in the digests of the people of each rung it newly reached
    that day, and never again for those rungs and that due date (a new due date, e.g. after an extension, climbs
    the ladder afresh). One row per item and due date, updated in place when the item climbs."""

    # Narrow, with no id, no database FK check and no index but the primary key's: the scan writes these rows by
    # the hundred thousand on a bad day.
    pk = models.CompositePrimaryKey("content_type", "object_id", "due_on")
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, related_name="+",
                                     db_constraint=False, db_index=False)
    object_id = models.BigIntegerField()
    due_on = models.DateField(_("due on"))
    rung = models.SmallIntegerField(_("rung"), choices=EscalationRung.choices)
    previous_rung = models.SmallIntegerField(_("previous rung"), default=0,
                                             help_text=_("The rung before the last climb (0: none)."))
    audience = models.CharField(_("held by"), max_length=64, blank=True,
                                help_text=_("Whose the item was when it escalated, e.g. the department's id."))
    digest_day = models.DateField(_("in the digest of"))

    class Meta:
        ordering = ["-digest_day", "-rung"]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id} {self.get_rung_display()} {self.due_on}"


class TaskState(models.TextChoices):
    SENT = "sent", _("Waiting for a worker")
    STARTED = "started", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    LOST = "lost", _("Lost (gave up re-sending)")


class TaskRecord(models.Model):
    """One Celery task as sent, kept until a worker has finished it (portal.core.taskledger): a task the broker
    lost (published at the instant a worker died) is sent again by the ledger sweep, and a second delivery of a
    finished task is skipped, so every task runs to completion once."""

    task_id = models.CharField(primary_key=True, max_length=64)
    name = models.CharField(_("task"), max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    queue = models.CharField(max_length=64, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=TaskState.choices, default=TaskState.SENT)
    sent_at = models.DateTimeField(_("sent at"))
    due_at = models.DateTimeField(help_text=_("When a worker should take it: the sending time, or its countdown."))
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    resends = models.PositiveSmallIntegerField(_("re-sent"), default=0)
    deliveries = models.PositiveIntegerField(_("deliveries"), default=0,
                                             help_text=_("How often a worker received it (duplicates included)."))
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("task record")
        verbose_name_plural = _("task records")
        indexes = [models.Index(fields=["state", "due_at"], name="core_taskrecord_state_due")]

    def __str__(self) -> str:
        return f"{self.name} {self.task_id} {self.state}"
