"""The BIM models of a project: IFC files uploaded version after version, each read once in the background into
what the pages need (schema, authoring application, the site/building/storey tree, element counts by IFC class,
quantities) and into one GLB the viewer loads; the elements with their properties; and the links from groups of
elements (a storey, an IFC class, a saved selection of GlobalIds) to schedule tasks, which colour the model by
the tasks' status on a chosen date (4D).

A project's current model is the newest one read successfully: a new upload is `queued`, then `reading`, and
becomes current only when it is `ready`; one that failed keeps the previous one current."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.core.models import TimeStampedModel

from .registry import Project
from .schedule import ScheduleTask

__all__ = ["BimElement", "BimLink", "BimLinkKind", "BimModel", "BimModelState"]


class BimModelState(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("bim model state", "Waiting to be read")
    READING = "reading", pgettext_lazy("bim model state", "Being read")
    READY = "ready", pgettext_lazy("bim model state", "Read")
    FAILED = "failed", pgettext_lazy("bim model state", "Failed")


class BimModel(TimeStampedModel):
    project = models.ForeignKey(Project, verbose_name=_("project"), on_delete=models.PROTECT,
                                related_name="bim_models")
    number = models.PositiveIntegerField(_("version"), help_text=_("1, 2, 3 … per project, in upload order."))
    title = models.CharField(_("title"), max_length=200)
    note = models.TextField(_("note"), blank=True)
    # The IFC as uploaded (.ifc or .ifczip), under MEDIA_ROOT with a generated name, served by a checked view.
    file = models.FileField(_("file"), upload_to="projects/bim/%Y/%m/", max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"),
                                    on_delete=models.PROTECT, related_name="+")

    state = models.CharField(_("state"), max_length=20, choices=BimModelState.choices,
                             default=BimModelState.QUEUED)
    # xgettext:no-python-format
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    stage = models.CharField(_("step"), max_length=200, blank=True, help_text=_("What the reader is doing."))
    error = models.TextField(_("reason"), blank=True, help_text=_("Why the reading failed."))
    retryable = models.BooleanField(_("may be retried"), default=False,
                                    help_text=_("The reading was interrupted, not refused: reading it again may work."))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    task_id = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField(_("reading started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True,
                                        help_text="Last sign of life of the reader (progress); a stale one is failed.")
    finished_at = models.DateTimeField(_("reading finished"), null=True, blank=True)
    is_current = models.BooleanField(_("current"), default=False)

    # What the reading found
    schema = models.CharField(_("IFC schema"), max_length=20, blank=True)
    application = models.CharField(_("authoring application"), max_length=200, blank=True)
    tree = models.JSONField(_("spatial structure"), default=list, blank=True)
    class_counts = models.JSONField(_("elements by IFC class"), default=dict, blank=True)
    quantities = models.JSONField(_("quantities"), default=dict, blank=True)
    element_count = models.PositiveIntegerField(_("elements"), default=0)
    geometry = models.FileField(_("geometry (GLB)"), upload_to="projects/bim/geometry/%Y/%m/", max_length=255,
                                blank=True)
    geometry_size = models.PositiveBigIntegerField(_("geometry size"), default=0)
    bounds = models.JSONField(default=list, blank=True, help_text="[min x, y, z, max x, y, z] in the GLB's frame.")
    read_seconds = models.FloatField(_("reading time (s)"), null=True, blank=True)
    peak_memory_kb = models.PositiveBigIntegerField(_("peak memory (KB)"), null=True, blank=True)

    class Meta:
        ordering = ["project", "-number"]
        verbose_name = _("BIM model")
        verbose_name_plural = _("BIM models")
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="bim_model_number_unique"),
            models.UniqueConstraint(fields=["project"], condition=models.Q(is_current=True),
                                    name="bim_model_one_current"),
            models.CheckConstraint(condition=~models.Q(is_current=True) | models.Q(state="ready"),
                                   name="bim_model_current_is_ready"),
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="bim_model_progress_0_100"),
        ]
        indexes = [models.Index(fields=["state", "heartbeat_at"], name="bim_model_state_idx")]

    def __str__(self) -> str:
        return f"{self.title} v{self.number}"


class BimElement(models.Model):
    """One element (IfcProduct with a GlobalId) of a read model. `index` is its place in the GLB's element table
    (scene.extras.elements): the viewer's per-vertex `_element` attribute holds it."""

    model = models.ForeignKey(BimModel, on_delete=models.CASCADE, related_name="elements")
    index = models.PositiveIntegerField()
    global_id = models.CharField("GlobalId", max_length=22)
    ifc_class = models.CharField(_("IFC class"), max_length=64)
    name = models.CharField(_("name"), max_length=255, blank=True)
    storey = models.CharField(_("storey"), max_length=22, blank=True,
                              help_text="GlobalId of the storey (or other spatial element) containing it.")
    has_geometry = models.BooleanField(default=True)
    properties = models.JSONField(_("properties"), default=dict, blank=True,
                                  help_text="{property or quantity set: {name: value}}")

    class Meta:
        ordering = ["model", "index"]
        verbose_name = _("model element")
        verbose_name_plural = _("model elements")
        constraints = [
            models.UniqueConstraint(fields=["model", "global_id"], name="bim_element_gid_unique"),
            models.UniqueConstraint(fields=["model", "index"], name="bim_element_index_unique"),
        ]
        indexes = [models.Index(fields=["model", "ifc_class"], name="bim_element_class_idx"),
                   models.Index(fields=["model", "storey"], name="bim_element_storey_idx")]

    def __str__(self) -> str:
        return f"{self.ifc_class} {self.global_id}"


class BimLinkKind(models.TextChoices):
    STOREY = "storey", pgettext_lazy("bim link", "Storey")
    IFC_CLASS = "class", pgettext_lazy("bim link", "IFC class")
    SELECTION = "selection", pgettext_lazy("bim link", "Selection of elements")


class BimLink(TimeStampedModel):
    """A group of elements linked to a schedule task. Kept on the project, not on one model version: a storey is
    named by its GlobalId, a selection by its elements' GlobalIds, and both carry over to the next version of the
    model (IFC GlobalIds are stable across exports of one authoring model). `ifc_class` may narrow a storey."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="bim_links")
    task = models.ForeignKey(ScheduleTask, verbose_name=_("schedule task"), on_delete=models.CASCADE,
                             related_name="bim_links")
    kind = models.CharField(_("elements"), max_length=20, choices=BimLinkKind.choices)
    name = models.CharField(_("name"), max_length=100)
    storey = models.CharField(_("storey"), max_length=22, blank=True)
    storey_name = models.CharField(_("storey name"), max_length=255, blank=True,
                                   help_text="The storey's name when linked, shown if a later version lacks it.")
    ifc_class = models.CharField(_("IFC class"), max_length=64, blank=True)
    global_ids = models.JSONField(_("GlobalIds"), default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["project", "task", "id"]
        verbose_name = _("model link")
        verbose_name_plural = _("model links")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="storey") & ~models.Q(storey=""))
                | (models.Q(kind="class") & ~models.Q(ifc_class=""))
                | models.Q(kind="selection"),
                name="bim_link_names_its_elements"),
        ]

    def __str__(self) -> str:
        return self.name
