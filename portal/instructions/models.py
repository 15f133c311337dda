from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.core.fsm import Transition, Workflow
from portal.core.models import TimeStampedModel


class InstructionState(models.TextChoices):
    OPEN = "open", _("Awaiting answer")
    ANSWERED = "answered", _("Answered")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Instruction(TimeStampedModel):
    """A leader's instruction (批示) on one object of any app that declares its model a target
    (`portal.instructions.targets`). Its holders — resolved when it is written — are told and answer it once;
    until then it shows on the object as open."""

    workflow = Workflow("state", [
        Transition("answer", [InstructionState.OPEN], InstructionState.ANSWERED, _("Answer"), permission="answer",
                   style="primary"),
        Transition("withdraw", [InstructionState.OPEN], InstructionState.WITHDRAWN,
                   _("Withdraw"), permission="withdraw", style="danger"),
    ])

    target_type = models.ForeignKey(ContentType, verbose_name=_("object type"), on_delete=models.PROTECT,
                                    related_name="+")
    target_id = models.CharField(_("object"), max_length=64)
    # The object as it was named and linked when the instruction was written: lists show it without loading it.
    target_repr = models.CharField(_("object"), max_length=200)
    target_url = models.CharField(_("link"), max_length=300, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("written by"), on_delete=models.PROTECT,
                               related_name="+")
    text = models.TextField(_("instruction"), max_length=2000)
    holder_organization = models.ForeignKey(
        "accounts.Organization", verbose_name=_("holder organisation"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+")
    holder_role = models.CharField(_("holder role"), max_length=30, blank=True)
    holder_users = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("holders"), blank=True,
                                          related_name="+")
    holder_label = models.CharField(_("addressed to"), max_length=300, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=InstructionState.choices,
                             default=InstructionState.OPEN, db_index=True)
    answer = models.TextField(_("answer"), max_length=2000, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("answered by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("leader's instruction")
        verbose_name_plural = _("leaders' instructions")
        indexes = [models.Index(fields=["target_type", "target_id"], name="instruction_target_idx")]

    def __str__(self) -> str:
        return f"{self.target_repr} · {self.text[:40]}"

    def get_absolute_url(self) -> str:
        return f"{self.target_url}#instructions" if self.target_url else ""

    @property
    def is_open(self) -> bool:
        return self.state == InstructionState.OPEN
