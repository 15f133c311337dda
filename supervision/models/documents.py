"""Files of the supervision records, in one store: the special plan of a dangerous work and its expert review, a
delivery's certificate, a test report, a hazard's photos and rectification evidence, a training's sign-in sheet,
the proof that an accountability measure was carried out. Each names the record it belongs to and what it is
for; whoever may see the record may download it (`supervision.documents`)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.core.models import TimeStampedModel


class Purpose(models.TextChoices):
    SPECIAL_PLAN = "special_plan", _("Special construction plan")  # 专项施工方案
    EXPERT_REVIEW = "expert_review", _("Expert review opinion")  # 专家论证意见
    MONITORING_PLAN = "monitoring_plan", _("Monitoring plan")  # 监测方案
    CERTIFICATE = "certificate", _("Quality certificate")  # 合格证/质量证明
    TEST_REPORT = "test_report", _("Test report")  # 检测报告
    PHOTO = "photo", _("Photo")
    EVIDENCE = "evidence", _("Rectification evidence")  # 整改材料
    RECORD = "record", _("Record")  # sign-in sheets, minutes, decisions
    OTHER = "other", _("Other")


class Document(TimeStampedModel):
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.BigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    purpose = models.CharField(_("what it is"), max_length=20, choices=Purpose.choices)
    file = models.FileField(_("file"), upload_to="supervision/%Y/%m/", max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("type"), max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"),
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("supervision document")
        verbose_name_plural = _("supervision documents")
        indexes = [models.Index(fields=["target_type", "target_id", "purpose"], name="supervision_doc_target_idx")]

    def __str__(self) -> str:
        return self.original_name
