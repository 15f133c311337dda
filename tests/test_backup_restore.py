"""Backup and restore (issue 11, part 7): `manage.py portal_backup` writes the database and the uploaded files as
one archive; `manage.py portal_restore`, run as its own process, loads it into an empty database (PostgreSQL: a
database created here; SQLite: a new file) and an empty media folder. The copy must hold every row of every model,
every document with the same SHA-256, and the same audit trail. Both CI passes run these (SQLite and PostgreSQL).

A backup reads its own database snapshot from another process (pg_dump), so these tests commit for real
(transactional database) instead of running inside a rolled-back test transaction."""

import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import threading
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, connections, models
from django.db.utils import load_backend

from approvals.models import ApprovalCase, CaseDocument
from portal.audit.models import AuditEvent
from portal.core import backup
from projects.gates import services as gate_services
from projects.models import BimModel, Project, ProjectDocument
from supervision.models import CameraEvent

ROOT = Path(__file__).resolve().parent.parent
PDF = b"%PDF-1.4\n% backup test\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def _models() -> list[type[models.Model]]:
    return [m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]


def _rows(model: type[models.Model], alias: str) -> list[tuple]:
    """Every field of every row, in primary-key order."""
    pk = [f.attname for f in model._meta.pk_fields]
    fields = [f.attname for f in model._meta.concrete_fields]
    return list(model._base_manager.using(alias).order_by(*pk).values_list(*fields))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _media_files(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): _sha256(p) for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def empty_target(tmp_path):
    """An empty database and an empty media folder: the environment of a `manage.py` process that uses them,
    and a database alias "restored" on the same database for the comparisons. PostgreSQL: a database created
    here and dropped after; SQLite: a new file."""
    var = tmp_path / "restored-var"  # the test settings put MEDIA_ROOT at $PORTAL_VAR_DIR/media
    var.mkdir()
    source = connection.settings_dict
    name = None
    if connection.vendor == "postgresql":
        name = f"portal_restore_{uuid.uuid4().hex[:12]}"
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        credentials = quote(source["USER"] or "", safe="")
        if source["PASSWORD"]:
            credentials += ":" + quote(source["PASSWORD"], safe="")
        url = f"postgres://{credentials}@{source['HOST'] or '127.0.0.1'}:{source['PORT'] or 5432}/{name}"
        alias_settings = {**source, "NAME": name}
    else:
        path = tmp_path / "restored.sqlite3"
        url = f"sqlite:///{path}"
        alias_settings = {**source, "NAME": str(path)}
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "PORTAL_VAR_DIR": str(var),
        "DATABASE_URL": url,
    }
    # A connection made here rather than declared in DATABASES: the test case's guard lets it through.
    connections["restored"] = load_backend(alias_settings["ENGINE"]).DatabaseWrapper(
        alias_settings, "restored"
    )
    try:
        yield {"env": env, "media": var / "media", "alias": "restored"}
    finally:
        connections["restored"].close()
        del connections["restored"]
        if name:
            with connection._nodb_cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_a_backup_restored_into_an_empty_database_holds_every_object_document_and_audit_entry(
    demo_db, empty_target, tmp_path, request, monkeypatch
):
    # Given the demo province (projects, approval cases with their documents, an issued permit, the audit trail)
    # and a document uploaded just now, plus a file under media that no row names.
    staff = apps.get_model("accounts", "User").objects.get(username="staff")
    project = Project.objects.order_by("pk").first()
    uploaded = gate_services.document_upload(
        actor=staff, project=project, upload=SimpleUploadedFile("备份测试.pdf", PDF), title="备份测试"
    )
    stray = Path(settings.MEDIA_ROOT) / "stray" / "left-over.pdf"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(PDF + b"stray")
    request.addfinalizer(lambda: stray.unlink(missing_ok=True))
    assert CaseDocument.objects.exists() and ProjectDocument.objects.count() >= 2
    assert ApprovalCase.objects.exclude(permit_pdf="").exists()
    assert AuditEvent.objects.filter(
        object_id=str(uploaded.pk), changes__sha256=[None, uploaded.sha256]
    ).exists()
    before = {model._meta.label: _rows(model, "default") for model in _models()}
    source_media = _media_files(Path(settings.MEDIA_ROOT))
    # On PostgreSQL another connection uploads a document (file written, row committed) while the backup's
    # snapshot is open. (The SQLite test database is in memory, with shared-cache table locks: no such writer.)
    late: list[ProjectDocument] = []
    if connection.vendor == "postgresql":
        dump = backup._dump_database

        def upload_during_the_backup():
            late.append(
                gate_services.document_upload(
                    actor=staff,
                    project=project,
                    upload=SimpleUploadedFile("迟到.pdf", PDF + b"late"),
                    title="迟到",
                )
            )
            connections.close_all()

        def dump_then_upload(*args, **kwargs):
            result = dump(*args, **kwargs)
            writer = threading.Thread(target=upload_during_the_backup)
            writer.start()
            writer.join(60)
            return result

        monkeypatch.setattr(backup, "_dump_database", dump_then_upload)

    # When the portal is backed up, and the archive restored by a separate process into the empty target
    call_command("portal_backup", str(tmp_path / "backups") + "/", verbosity=0)
    (archive,) = (tmp_path / "backups").glob("portal-backup-*.tar")
    done = _manage(empty_target["env"], "portal_restore", str(archive))
    assert done.returncode == 0, done.stderr

    # Then every model has the rows it had when the backup began, field for field
    restored = empty_target["alias"]
    for model in _models():
        assert _rows(model, restored) == before[model._meta.label], model._meta.label
    assert len(before) > 50 and sum(map(len, before.values())) > 5000
    # every file a row names is there with the bytes it had, and a document's bytes match its own checksum
    media = empty_target["media"]
    documents = 0
    for model in _models():
        for file_field in [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]:
            # `sha256` is the checksum of a model's `file` (a BIM model's GLB beside it has none of its own)
            columns = [file_field.attname] + (["sha256"] if hasattr(model, "sha256") and file_field.name == "file" else [])
            named = (
                model._base_manager.using(restored).exclude(**{file_field.attname: ""}).values_list(*columns)
            )
            for name, *checksum in named:
                assert _sha256(media / name) == source_media[name], name
                if checksum:
                    assert _sha256(media / name) == checksum[0], name
                documents += 1
    permits = ApprovalCase.objects.exclude(permit_pdf="").count()
    assert (
        documents == len(before["approvals.CaseDocument"]) + len(before["projects.ProjectDocument"]) + permits
        + len(before["coordination.IssueAttachment"]) + len(before["supervision.Document"])
        + len(before["supervision.ContractDocument"])
        + CameraEvent.objects.using(restored).exclude(snapshot="").count()
        + len(before["projects.BimModel"])  # each BIM model's IFC …
        + BimModel.objects.using(restored).exclude(geometry="").count()  # … and the GLB of one read
    )
    assert BimModel.objects.using(restored).exclude(geometry="").exists()
    assert _sha256(media / uploaded.file.name) == uploaded.sha256
    # the stray file came along too (an upload that landed during the backup may come along as a stray file)
    assert {
        k: v for k, v in _media_files(media).items() if not late or k != late[0].file.name
    } == source_media
    # the audit trail is intact: same entries, same order, same last entry
    assert _rows(AuditEvent, restored) == before["audit.AuditEvent"]
    assert AuditEvent.objects.using(restored).latest("pk").pk == before["audit.AuditEvent"][-1][0]
    # and what was committed while the backup ran is in the live database only, its row and its audit entries
    if connection.vendor == "postgresql":
        assert len(late) == 1, "the upload during the backup ran"
        assert ProjectDocument.objects.filter(pk=late[0].pk).exists()
        assert not ProjectDocument.objects.using(restored).filter(pk=late[0].pk).exists()
        assert AuditEvent.objects.count() > AuditEvent.objects.using(restored).count()


def test_an_archive_records_what_it_holds_and_a_damaged_one_is_refused(transactional_db, tmp_path):
    # Given a backup
    call_command("portal_backup", str(tmp_path / "b.tar"), verbosity=0)
    archive = tmp_path / "b.tar"
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    # Then its manifest records the vendor, migrations, counts and every member's checksum
    assert names[-1] == "manifest.json" and manifest["database"]["member"] in names
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["migrations"]["audit"] and manifest["tables"]["audit.AuditEvent"]["rows"] == (
        AuditEvent.objects.count()
    )
    assert set(manifest["members"]) == set(names) - {"manifest.json"}
    assert not list(tmp_path.glob(".*partial*")), "the temporary file was renamed into place"
    # and a second backup to the same name is refused rather than overwriting the first
    with pytest.raises(CommandError, match=re.escape(str(archive))):
        call_command("portal_backup", str(archive), verbosity=0)
    # A restore into this (non-empty) database is refused before anything is touched
    tables_before = len(connection.introspection.table_names())
    with pytest.raises(CommandError) as refused:
        call_command("portal_restore", str(archive), verbosity=0)
    assert "--force" in str(refused.value)
    assert len(connection.introspection.table_names()) == tables_before
    # When one byte of the database copy changes, --verify and restore both refuse the archive
    member = manifest["database"]["member"]
    with tarfile.open(archive) as tar:
        offset = tar.getmember(member).offset_data
    with archive.open("r+b") as handle:
        handle.seek(offset + 100)
        byte = handle.read(1)
        handle.seek(offset + 100)
        handle.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(CommandError, match=re.escape(member)):
        call_command("portal_backup", str(archive), "--verify", verbosity=0)
    with pytest.raises(CommandError, match=re.escape(member)):
        call_command("portal_restore", str(archive), "--force", verbosity=0)
