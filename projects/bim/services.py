"""Writes of a project's BIM models: uploading a version (checked to be an IFC we read before it is stored, then
read in the background), reading a failed one again, and linking groups of elements to schedule tasks (4D).

Each runs in one transaction holding the project's row lock — so two uploads never take the same version number
and a link is checked against the model that is current while it is saved — writes its audit event, and enqueues
the reading with `transaction.on_commit` (the worker never sees a model its transaction has not committed)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.audit.models import AuditAction
from portal.audit.services import audit_record, snapshot
from portal.core import policy
from portal.core.errors import ApplicationError, ErrorCode
from portal.core.services import lock

from ..models import BimElement, BimLink, BimLinkKind, BimModel, BimModelState, Project, ScheduleTask
from . import selectors

MODEL_AUDITED = ("number", "title", "note", "original_name", "size", "sha256", "uploaded_by", "state", "schema",
                 "application")
LINK_AUDITED = ("task", "kind", "name", "storey", "storey_name", "ifc_class")
MAX_SELECTION = 20000  # GlobalIds in one saved selection
GLOBAL_ID_LENGTH = 22


def _invalid(field: str, message: str, code: str = ErrorCode.INVALID) -> ApplicationError:
    return ApplicationError(message, {field: [message]}, code=code)


def _require_manage(actor: User, project: Project, message: str) -> None:
    if not policy.can(actor, "manage", project):
        raise ApplicationError(message, code=ErrorCode.FORBIDDEN)


def _enqueue_reading(model_id: int) -> None:
    from . import tasks  # the Celery task module (imported late: it loads the reader)

    tasks.read_model.delay(model_id)


def _sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


# ------------------------------------------------------------------------------------------------ models
@transaction.atomic
def model_upload(*, actor: User, project: Project, upload: UploadedFile | None, title: str = "",
                 note: str = "") -> BimModel:
    """Store a new version of the project's model, queued to be read. The file is checked to be an IFC2X3 or
    IFC4 file (.ifc, or .ifczip holding one) within the size limit before anything is stored; the project's
    current model stays current until this one has been read successfully."""
    from . import ifcfile

    project = lock(project)  # numbers are taken one upload at a time; a voided project is refused here
    _require_manage(actor, project, _("You may not upload models of this project."))
    title = (title or "").strip()
    note = (note or "").strip()
    if len(title) > 200:
        raise _invalid("title", _("At most 200 characters."))
    if upload is None:
        raise _invalid("file", _("Choose a file to upload."))
    header = ifcfile.check_ifc(upload)
    name = PurePosixPath(upload.name or "model.ifc").name
    suffix = PurePosixPath(name).suffix.lower()
    number = (BimModel.objects.filter(project=project).aggregate(n=Max("number"))["n"] or 0) + 1
    model = BimModel(project=project, number=number, title=title or PurePosixPath(name).stem[:200] or name,
                     note=note, original_name=name[:255], size=upload.size or 0, sha256=_sha256(upload),
                     uploaded_by=actor, state=BimModelState.QUEUED, schema=header.schema,
                     application=(header.application or "")[:200])
    model.file.save(f"{project.pk}/{uuid.uuid4().hex}{suffix}", upload, save=False)
    model.save()
    audit_record(actor=actor, obj=model, action=AuditAction.CREATE,
                 changes={k: [None, v] for k, v in snapshot(model, MODEL_AUDITED).items() if v not in (None, "")})
    audit_record(actor=actor, obj=project, action=AuditAction.UPDATE, changes={"bim_models": [None, str(model)]})
    model_id = model.pk
    transaction.on_commit(lambda: _enqueue_reading(model_id))
    return model


@transaction.atomic
def model_retry(*, actor: User, model: BimModel) -> BimModel:
    """Read a model again whose reading was interrupted (a worker killed, out of memory, a stale reading): back
    to the queue, its attempts kept. A file that was refused (not an IFC we read, no readable geometry) cannot be
    read again: a corrected file is uploaded as a new version. Of two retries at once, the second finds the model
    queued and is refused."""
    lock(Project, model.project_id)
    locked = lock(model, related=("project",))
    _require_manage(actor, locked.project, _("You may not change models of this project."))
    if locked.state != BimModelState.FAILED:
        raise _invalid("state", _("Only a model whose reading failed can be read again; this one is “%(state)s”.")
                       % {"state": locked.get_state_display()}, code=ErrorCode.INVALID_TRANSITION)
    if not locked.retryable:
        raise _invalid("state", _("This file was refused, not interrupted: reading it again would fail the same "
                                  "way. Upload a corrected file as a new version."),
                       code=ErrorCode.INVALID_TRANSITION)
    before = locked.state
    locked.state = BimModelState.QUEUED
    locked.progress = 0
    locked.stage = ""
    locked.error = ""
    locked.retryable = False
    locked.task_id = ""
    locked.started_at = locked.heartbeat_at = locked.finished_at = None
    locked.save(update_fields=["state", "progress", "stage", "error", "retryable", "task_id", "started_at",
                               "heartbeat_at", "finished_at", "updated_at"])
    audit_record(actor=actor, obj=locked, action=AuditAction.TRANSITION, from_state=before, to_state=locked.state,
                 reason=_("Read again"))
    model_id = locked.pk
    transaction.on_commit(lambda: _enqueue_reading(model_id))
    return locked


# ------------------------------------------------------------------------------------------------ links
def _global_ids(value: Any) -> list[str]:
    """A selection's GlobalIds, in order, each once: a list, or text separated by commas, spaces or new lines."""
    if value is None:
        return []
    items: Iterable[Any] = value.replace(",", " ").split() if isinstance(value, str) else value
    seen: dict[str, None] = {}
    for item in items:
        text = str(item).strip()
        if text:
            seen.setdefault(text, None)
    return list(seen)


def _check_task(project: Project, task: ScheduleTask | None) -> ScheduleTask:
    if task is None:
        raise _invalid("task", _("Choose a task of the schedule."))
    if task.project_id != project.pk:
        raise _invalid("task", _("The task is not in this project's schedule."))
    if task.voided_at is not None:
        raise _invalid("task", _("The task is voided."))
    return task


@transaction.atomic
def link_create(*, actor: User, project: Project, task: ScheduleTask | None, kind: str, name: str = "",
                storey: str = "", ifc_class: str = "", global_ids: Iterable[str] | str | None = None) -> BimLink:
    """Link a group of elements of the project's model to a schedule task: a storey (by its GlobalId, narrowed to
    one IFC class when `ifc_class` is given), an IFC class, or a selection of GlobalIds. Checked against the
    current model: the storey, the class and every GlobalId must be in it (unknown GlobalIds are named). The link
    is kept on the project, so it carries over to the next version of the model."""
    project = lock(project)
    _require_manage(actor, project, _("You may not link the model of this project."))
    if kind not in BimLinkKind.values:
        raise _invalid("kind", _("Choose a storey, an IFC class or a selection of elements."))
    task = _check_task(project, task)
    model = selectors.current_model(project)
    if model is None:
        raise ApplicationError(_("The project has no model read yet: upload one and wait until it is read."),
                               code=ErrorCode.INVALID_TRANSITION)
    name = (name or "").strip()
    if len(name) > 100:
        raise _invalid("name", _("At most 100 characters."))
    storey, ifc_class = (storey or "").strip(), (ifc_class or "").strip()
    storey_name, ids = "", []
    if kind == BimLinkKind.STOREY:
        names = {s["global_id"]: s["name"] for s in selectors.storeys(model)}
        if not storey:
            raise _invalid("storey", _("Choose a storey."))
        if storey not in names:
            raise _invalid("storey", _("The model has no storey %(gid)s.") % {"gid": storey})
        storey_name = names[storey]
    else:
        storey = ""
    if kind in (BimLinkKind.STOREY, BimLinkKind.IFC_CLASS) and (ifc_class or kind == BimLinkKind.IFC_CLASS):
        if not ifc_class:
            raise _invalid("ifc_class", _("Choose an IFC class."))
        classes = BimElement.objects.filter(model=model, ifc_class=ifc_class)
        if kind == BimLinkKind.STOREY:
            classes = classes.filter(storey=storey)
        if not classes.exists():
            raise _invalid("ifc_class", _("The model has no element of class %(cls)s there.") % {"cls": ifc_class}
                           if kind == BimLinkKind.STOREY else
                           _("The model has no element of class %(cls)s.") % {"cls": ifc_class})
    if kind == BimLinkKind.SELECTION:
        ifc_class = ""
        ids = _global_ids(global_ids)
        if not ids:
            raise _invalid("global_ids", _("Select at least one element."))
        if len(ids) > MAX_SELECTION:
            raise _invalid("global_ids", _("At most %(n)s elements in one selection.") % {"n": MAX_SELECTION})
        known = set(BimElement.objects.filter(model=model, global_id__in=ids).values_list("global_id", flat=True))
        unknown = [g for g in ids if g not in known]
        if unknown:
            shown = "、".join(unknown[:10]) + ("…" if len(unknown) > 10 else "")
            raise _invalid("global_ids", _("The model has no element with GlobalId %(ids)s.") % {"ids": shown})
    if not name:
        name = _default_name(kind, storey_name or storey, ifc_class, len(ids))
    link = BimLink(project=project, task=task, kind=kind, name=name[:100], storey=storey, storey_name=storey_name,
                   ifc_class=ifc_class, global_ids=ids, created_by=actor)
    link.save()
    changes = {k: [None, v] for k, v in snapshot(link, LINK_AUDITED).items() if v not in (None, "")}
    if ids:
        changes["global_ids"] = [None, len(ids)]
    audit_record(actor=actor, obj=link, action=AuditAction.CREATE, changes=changes)
    audit_record(actor=actor, obj=project, action=AuditAction.UPDATE,
                 changes={"bim_links": [None, f"{link.name} → {task}"]})
    return link


def _default_name(kind: str, storey: str, ifc_class: str, count: int) -> str:
    if kind == BimLinkKind.STOREY:
        return f"{storey} {ifc_class}".strip()
    if kind == BimLinkKind.IFC_CLASS:
        return ifc_class
    return _("%(n)s elements") % {"n": count}


@transaction.atomic
def link_delete(*, actor: User, link: BimLink) -> None:
    """Remove a link (the task and the elements stay); recorded on the project's history."""
    project = lock(Project, link.project_id)
    _require_manage(actor, project, _("You may not link the model of this project."))
    locked = BimLink.objects.select_for_update(of=("self",)).select_related("task").filter(pk=link.pk).first()
    if locked is None:  # removed meanwhile: nothing left to do
        return
    audit_record(actor=actor, obj=project, action=AuditAction.UPDATE,
                 changes={"bim_links": [f"{locked.name} → {locked.task}", None]})
    locked.delete()
