"""The files of supervision records (`models.Document`): stored with their checksum after the portal's upload
checks, listed per record, downloaded by whoever may see the record they belong to."""

from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Model
from django.http import Http404
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.core import policy, uploads
from portal.core.errors import ApplicationError

from .models import Document, Purpose


def max_bytes() -> int | None:
    return getattr(settings, "SUPERVISION_MAX_UPLOAD_BYTES", None)


def check(files: Sequence[UploadedFile | None], field: str, *, required: bool = False) -> list[uploads.CheckedUpload]:
    """Check every file before anything is stored; `required`: at least one, or a refusal naming `field`."""
    present = [f for f in files if f]
    if required and not present:
        raise ApplicationError(_("Please correct the errors below."), {field: [_("Attach at least one file.")]})
    try:
        return [uploads.validate_upload(f, max_bytes=max_bytes()) for f in present]
    except ApplicationError as exc:
        raise ApplicationError(exc.message, {field: [exc.message]}, code=exc.code) from exc


def store(*, actor: User, target: Model, purpose: str, checked: Iterable[uploads.CheckedUpload]) -> list[Document]:
    """Store files already `check`ed as documents of `target` (call inside the service's transaction)."""
    if purpose not in Purpose.values:
        raise ValueError(purpose)
    ct = ContentType.objects.get_for_model(target)
    stored = []
    for one in checked:
        doc = Document(target_type=ct, target_id=target.pk, purpose=purpose, original_name=one.name,
                       sha256=one.sha256, size=one.size, content_type=one.content_type, uploaded_by=actor)
        doc.file.save(uploads.storage_name(target.pk, one), one.content, save=False)
        doc.save()
        stored.append(doc)
    return stored


def attach(*, actor: User, target: Model, purpose: str, files: Sequence[UploadedFile | None], field: str = "files",
           required: bool = False) -> list[Document]:
    """Check, then store, `files` as documents of `target`."""
    return store(actor=actor, target=target, purpose=purpose, checked=check(files, field, required=required))


def documents_of(target: Model, purpose: str | None = None) -> list[Document]:
    qs = Document.objects.filter(target_type=ContentType.objects.get_for_model(target), target_id=target.pk)
    if purpose is not None:
        qs = qs.filter(purpose=purpose)
    return list(qs.select_related("uploaded_by"))


def has_document(target: Model, purpose: str) -> bool:
    return Document.objects.filter(target_type=ContentType.objects.get_for_model(target), target_id=target.pk,
                                   purpose=purpose).exists()


def documents_by_target(targets: Sequence[Model]) -> dict[int, list[Document]]:
    """{target pk: its documents} for one page of records of one model, in one query."""
    if not targets:
        return {}
    found: dict[int, list[Document]] = defaultdict(list)
    ct = ContentType.objects.get_for_model(targets[0])
    for doc in Document.objects.filter(target_type=ct, target_id__in=[t.pk for t in targets]):
        found[doc.target_id].append(doc)
    return found


class DocumentPolicy(policy.ObjectPolicy):
    """A document is seen by whoever may see the record it belongs to; nobody changes one (a new one is added)."""

    model = Document
    actions = ("view",)

    def allows(self, user: User, action: str, obj: Model) -> bool:
        target = obj.target  # type: ignore[attr-defined]
        return action == "view" and target is not None and policy.can(user, "view", target)


@login_required
def download(request, pk: int):
    doc = Document.objects.select_related("target_type").filter(pk=pk).first()
    if doc is None or not policy.can(request.user, "view", doc):
        raise Http404
    return uploads.file_response(doc.file, doc.original_name, doc.content_type)
