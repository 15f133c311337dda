"""Backup and restore of the whole portal: the database and the uploaded files in one tar archive that agree with
each other, so that a restore finds every object, every document (by its SHA-256) and the audit trail.

Consistency: the database is read in one snapshot (PostgreSQL: a repeatable-read transaction whose snapshot
`pg_dump --snapshot` shares; SQLite: one read transaction around the backup API), and the list of files to copy,
the row counts and the audit digest are read in that same snapshot. A stored file is never changed or deleted
(uploads get a generated name; a new version is a new file), and it is written before the row that names it
commits, so every file the snapshot names exists when it is copied; uploads that land while the backup runs are
simply not in it. Files under MEDIA_ROOT that no row names are copied too, marked unreferenced.

Archive (plain tar, PAX names): `database/portal.pgdump` (pg_dump custom format) or `database/portal.sqlite3`,
`media/<storage name>` per file, and `manifest.json` last: portal version and git revision, database vendor,
migrations applied per app, rows and a digest of the primary keys per model, a digest of the audit trail with its
last entry, and path, size and SHA-256 of every member. An archive is written under a temporary name, re-read and
checked against its manifest, then renamed into place."""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import IO, Any, BinaryIO

from django.apps import apps
from django.conf import settings
from django.db import connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

ARCHIVE_FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"postgresql": "database/portal.pgdump", "sqlite": "database/portal.sqlite3"}
MEDIA_PREFIX = "media/"
# The audit trail: every row is digested in primary-key order, so a lost, added or altered entry shows.
AUDIT_MODELS = ("audit.AuditEvent", "audit.SecurityEvent")
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot be done, or an archive or restored copy that does not check out."""


# ------------------------------------------------------------------------------------------------ inventory
def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, date | Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return str(value)


def _line(values: Any) -> bytes:
    return json.dumps(values, default=_jsonable, ensure_ascii=False, sort_keys=True).encode()


def backed_up_models(using: str = "default") -> list[type[models.Model]]:
    """Every model with a table of its own that exists in the database (a model whose migration is not applied
    yet has none), many-to-many tables included."""
    tables = set(connections[using].introspection.table_names())
    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and m._meta.db_table in tables
    ]


def _file_fields(model: type[models.Model]) -> list[models.FileField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def _checksum_field(model: type[models.Model], file_field: models.FileField) -> str | None:
    """A document model keeps the SHA-256 of its `file` in a field named `sha256` (approvals, project documents, BIM
    models); its other files (a BIM model's GLB) are checked against the archive's own manifest only."""
    names = {f.name for f in model._meta.concrete_fields}
    return "sha256" if "sha256" in names and file_field.name == "file" else None


def inventory(using: str = "default") -> dict[str, Any]:
    """What a consistent copy must hold, read in the caller's snapshot: per model its rows and a digest of its
    primary keys; the files rows name (with the checksum a document row keeps); the audit trail's digest; the
    applied migrations."""
    tables: dict[str, Any] = {}
    files: dict[str, dict[str, Any]] = {}
    for model in backed_up_models(using):
        pk_names = [f.attname for f in model._meta.pk_fields]
        digest = hashlib.sha256()
        rows = 0
        for pk in model._base_manager.using(using).order_by(*pk_names).values_list(*pk_names).iterator(5000):
            digest.update(_line(list(pk)) + b"\n")
            rows += 1
        tables[model._meta.label] = {
            "table": model._meta.db_table,
            "rows": rows,
            "pk_sha256": digest.hexdigest(),
        }
        for file_field in _file_fields(model):
            checksum = _checksum_field(model, file_field)
            columns = [file_field.attname] + ([checksum] if checksum else [])
            named = model._base_manager.using(using).exclude(**{file_field.attname: ""}).values_list(*columns)
            for row in named.iterator(5000):
                entry = files.setdefault(row[0], {"referenced_by": [], "sha256": None})
                entry["referenced_by"].append(f"{model._meta.label}.{file_field.name}")
                if checksum:
                    entry["sha256"] = row[1]
    return {
        "tables": tables,
        "files": files,
        "audit": audit_digest(using),
        "migrations": applied_migrations(using),
    }


def audit_digest(using: str = "default") -> dict[str, Any]:
    """Rows, a digest of every field of every row in id order, and the last entry, per audit model."""
    result: dict[str, Any] = {}
    for label in AUDIT_MODELS:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        names = [f.attname for f in model._meta.concrete_fields]
        digest = hashlib.sha256()
        rows, last = 0, None
        for row in model._base_manager.using(using).order_by("pk").values_list(*names).iterator(5000):
            digest.update(_line(list(row)) + b"\n")
            rows, last = rows + 1, row
        result[label] = {
            "rows": rows,
            "sha256": digest.hexdigest(),
            "last": json.loads(_line(dict(zip(names, last, strict=True)))) if last else None,
        }
    return result


def applied_migrations(using: str = "default") -> dict[str, list[str]]:
    by_app: dict[str, list[str]] = {}
    for app_label, name in sorted(MigrationRecorder(connections[using]).applied_migrations()):
        by_app.setdefault(app_label, []).append(name)
    return by_app


# ----------------------------------------------------------------------------------------------- PostgreSQL
def _pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """libpq's environment for the pg_* programs: the password never appears on a command line."""
    env = dict(os.environ)
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    for option in ("sslmode", "sslrootcert", "sslcert", "sslkey"):
        if settings_dict.get("OPTIONS", {}).get(option):
            env[f"PG{option.upper()}"] = str(settings_dict["OPTIONS"][option])
    return env


def _tool_major(path: Path) -> int | None:
    try:
        out = subprocess.run(  # noqa: S603
            [str(path), "--version"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    # "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"
    words = [w for w in out.split() if w[:1].isdigit()]
    return int(words[0].split(".")[0]) if words else None


def pg_tool(name: str, server_major: int) -> Path:
    """pg_dump or pg_restore of the server's major version if installed (/usr/lib/postgresql/<major>/bin, as
    Debian's postgresql-client-<major> lays it out), else any newer one; PORTAL_PG_BIN_DIR names another folder.
    An older client cannot read a newer server's dump."""
    candidates = []
    if os.environ.get("PORTAL_PG_BIN_DIR"):
        candidates.append(Path(os.environ["PORTAL_PG_BIN_DIR"]) / name)
    candidates.append(Path(f"/usr/lib/postgresql/{server_major}/bin/{name}"))
    if found := shutil.which(name):
        candidates.append(Path(found))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            major = _tool_major(candidate)
            if major is not None and major >= server_major:
                return candidate
    raise BackupError(
        _(
            "No %(tool)s of PostgreSQL %(major)s or newer was found: install postgresql-client-"
            "%(major)s or set PORTAL_PG_BIN_DIR."
        )
        % {"tool": name, "major": server_major}
    )


def _server_version(connection: BaseDatabaseWrapper) -> int:
    return connection.pg_version  # type: ignore[attr-defined]  # the PostgreSQL backend's


def _server_major(connection: BaseDatabaseWrapper) -> int:
    return _server_version(connection) // 10000


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(
            _("%(tool)s failed: %(error)s")
            % {"tool": Path(command[0]).name, "error": (done.stderr or done.stdout).strip()[-2000:]}
        )


# --------------------------------------------------------------------------------------------------- backup
@dataclass
class BackupResult:
    path: Path
    size: int
    seconds: float
    manifest: dict[str, Any] = field(repr=False)


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _safe_name(name: str) -> str:
    """A storage name as a relative POSIX path that stays under MEDIA_ROOT."""
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts or "\\" in name or "\x00" in name:
        raise BackupError(_("Refused the unsafe file name “%(name)s”.") % {"name": name})
    return str(path)


@contextmanager
def _snapshot(using: str) -> Iterator[str | None]:
    """One read-only snapshot of the database for the duration of the block, on the caller's connection. Yields
    the exported snapshot id on PostgreSQL (for pg_dump --snapshot), None on SQLite."""
    connection = connections[using]
    if connection.in_atomic_block:
        raise BackupError(_("A backup reads its own snapshot: run it outside a transaction."))
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        try:
            yield snapshot
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")
    elif connection.vendor == "sqlite":
        # A deferred read transaction: in WAL mode writers carry on, and every read here (the backup API too)
        # sees the state of its first read.
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
            cursor.execute("SELECT count(*) FROM sqlite_master")
        try:
            yield None
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")
    else:
        raise BackupError(
            _("Backups support PostgreSQL and SQLite, not %(vendor)s.") % {"vendor": connection.vendor}
        )


def _dump_database(using: str, snapshot: str | None, target: Path) -> dict[str, Any]:
    connection = connections[using]
    if connection.vendor == "postgresql":
        major = _server_major(connection)
        pg_dump = pg_tool("pg_dump", major)
        _run(
            [str(pg_dump), "--format=custom", f"--snapshot={snapshot}", f"--file={target}"],
            _pg_env(connection.settings_dict),
        )
        return {"vendor": "postgresql", "server_version": _server_version(connection), "tool": str(pg_dump)}
    destination = sqlite3.connect(target)
    try:
        connection.connection.backup(destination)
    finally:
        destination.close()
    return {"vendor": "sqlite", "server_version": sqlite3.sqlite_version}


class _HashingReader:
    """A file read by tarfile, hashed on the way."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        self.read_bytes += len(data)
        return data


def _add_file(tar: tarfile.TarFile, source: Path, member: str) -> dict[str, Any]:
    """Add one file, streaming; its size is taken once, so a file still growing is cut at that size."""
    with source.open("rb") as handle:
        stat = os.fstat(handle.fileno())
        info = tarfile.TarInfo(member)
        info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o644
        reader = _HashingReader(handle)
        tar.addfile(info, reader)  # tarfile only calls read()
    return {"size": info.size, "sha256": reader.digest.hexdigest()}


def _git_revision() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def _portal_version() -> str | None:
    import tomllib

    try:
        with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as handle:
            return tomllib.load(handle)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return None


def archive_path_for(destination: str | Path) -> Path:
    """A folder (existing, or written with a trailing slash) gets a dated archive name inside it."""
    path = Path(destination)
    if path.is_dir() or str(destination).endswith(("/", os.sep)):
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        return path / f"portal-backup-{stamp}.tar"
    return path


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def backup_create(
    destination: str | Path,
    *,
    using: str = "default",
    include_unreferenced: bool = True,
    warn: Callable[[str], None] | None = None,
) -> BackupResult:
    """Write a consistent archive of the database and the uploaded files to `destination` (a .tar file, or a
    folder to put a dated one in), then check it. `warn(message)` hears of files named by rows but missing."""
    started = time.monotonic()
    target = archive_path_for(destination)
    if target.exists():
        raise BackupError(_("%(path)s already exists; a backup never overwrites one.") % {"path": target})
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    media_root = _media_root()
    with tempfile.TemporaryDirectory(prefix=".portal-backup-", dir=target.parent) as staging:
        dump = Path(staging) / "database"
        with _snapshot(using) as snapshot:
            database = _dump_database(using, snapshot, dump)
            seen = inventory(using)
        database_member = DATABASE_MEMBERS[database["vendor"]]
        members: dict[str, dict[str, Any]] = {}
        missing: list[str] = []
        try:
            with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
                members[database_member] = _add_file(tar, dump, database_member)
                for name, entry in sorted(seen["files"].items()):
                    source = media_root / _safe_name(name)
                    if not source.is_file():
                        missing.append(name)
                        if warn:
                            warn(
                                _("Missing file named by %(owner)s: %(name)s")
                                % {"owner": ", ".join(entry["referenced_by"]), "name": name}
                            )
                        continue
                    member = MEDIA_PREFIX + name
                    members[member] = {
                        **_add_file(tar, source, member),
                        "referenced_by": entry["referenced_by"],
                    }
                if include_unreferenced and media_root.is_dir():
                    for source in sorted(media_root.rglob("*")):
                        name = source.relative_to(media_root).as_posix()
                        if source.is_symlink() or not source.is_file() or name in seen["files"]:
                            continue
                        try:
                            member = MEDIA_PREFIX + _safe_name(name)
                            members[member] = {**_add_file(tar, source, member), "referenced_by": []}
                        except (OSError, tarfile.TarError, BackupError):
                            continue  # an unreferenced file that vanished or shrank: not part of any object
                manifest = {
                    "format": ARCHIVE_FORMAT,
                    "created_at": timezone.now().isoformat(),
                    "portal": {"version": _portal_version(), "git_revision": _git_revision()},
                    "database": {**database, "member": database_member},
                    "migrations": seen["migrations"],
                    "tables": seen["tables"],
                    "audit": seen["audit"],
                    "files": [
                        {"path": m[len(MEDIA_PREFIX) :], **v}
                        for m, v in members.items()
                        if m.startswith(MEDIA_PREFIX)
                    ],
                    "missing_files": missing,
                    "members": {m: {"size": v["size"], "sha256": v["sha256"]} for m, v in members.items()},
                }
                data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(data), int(time.time()), 0o644
                tar.addfile(info, _BytesReader(data))
            _fsync(partial)
            archive_verify(partial)
            os.replace(partial, target)
            _fsync(target.parent)
        finally:
            partial.unlink(missing_ok=True)
    return BackupResult(
        path=target, size=target.stat().st_size, seconds=time.monotonic() - started, manifest=manifest
    )


class _BytesReader:
    def __init__(self, data: bytes) -> None:
        self.data, self.offset = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.offset + size
        chunk, self.offset = self.data[self.offset : end], min(end, len(self.data))
        return chunk


def _sha256_of(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def archive_verify(path: Path) -> dict[str, Any]:
    """Re-read every member of an archive against its manifest (size and SHA-256; nothing missing, nothing
    extra). Returns the manifest; raises BackupError naming what does not match."""
    try:
        with tarfile.open(path, "r:") as tar:
            try:
                handle = tar.extractfile(MANIFEST)
                manifest = json.loads(handle.read()) if handle else None
            except KeyError:
                manifest = None
            if not isinstance(manifest, dict) or manifest.get("format") != ARCHIVE_FORMAT:
                raise BackupError(
                    _("%(path)s is not a portal backup (no readable manifest).") % {"path": path}
                )
            expected = manifest["members"]
            problems: list[str] = []
            found: set[str] = set()
            for info in tar:
                if info.name == MANIFEST:
                    continue
                found.add(info.name)
                want = expected.get(info.name)
                member = tar.extractfile(info) if info.isfile() else None
                if want is None or member is None:
                    problems.append(_("unexpected member %(name)s") % {"name": info.name})
                elif info.size != want["size"] or _sha256_of(member) != want["sha256"]:
                    problems.append(_("checksum mismatch: %(name)s") % {"name": info.name})
            problems += [_("missing member %(name)s") % {"name": n} for n in sorted(set(expected) - found)]
    except (OSError, tarfile.TarError, json.JSONDecodeError) as exc:
        raise BackupError(_("%(path)s cannot be read: %(error)s") % {"path": path, "error": exc}) from exc
    if problems:
        raise BackupError(
            _("The archive %(path)s is damaged: %(problems)s")
            % {"path": path, "problems": "; ".join(problems[:20])}
        )
    return manifest


# -------------------------------------------------------------------------------------------------- restore
@dataclass
class RestoreResult:
    rows: int
    tables: int
    files: int
    audit_events: int
    seconds: float
    pending_migrations: list[str]
    missing_at_backup: list[str]


def _unknown_migrations(manifest: dict[str, Any]) -> list[str]:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    return [
        f"{app}.{name}"
        for app, names in sorted(manifest["migrations"].items())
        for name in names
        if (app, name) not in known
    ]


def _pending_migrations(using: str) -> list[str]:
    loader = MigrationLoader(connections[using], ignore_no_migrations=True)
    planned: set[tuple[str, str]] = set()
    for leaf in loader.graph.leaf_nodes():
        planned.update(loader.graph.forwards_plan(leaf))
    return sorted(f"{app}.{name}" for app, name in planned - set(loader.applied_migrations or {}))


def _media_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.is_dir() else []


def _load_database(using: str, manifest: dict[str, Any], dump: Path, *, force: bool) -> None:
    connection = connections[using]
    if connection.vendor == "postgresql":
        major = _server_major(connection)
        pg_restore = pg_tool("pg_restore", max(major, manifest["database"]["server_version"] // 10000))
        command = [
            str(pg_restore),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={connection.settings_dict['NAME']}",
        ]
        if force:
            command += ["--clean", "--if-exists"]
        connection.close()
        _run([*command, str(dump)], _pg_env(connection.settings_dict))
        return
    connection.close()
    source = sqlite3.connect(dump)
    destination = sqlite3.connect(connection.settings_dict["NAME"])
    try:
        source.backup(destination)
    finally:
        source.close()
        destination.close()


def _restore_files(tar: tarfile.TarFile, manifest: dict[str, Any], media_root: Path) -> int:
    count = 0
    for entry in manifest["files"]:
        name = _safe_name(entry["path"])
        target = media_root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        source = tar.extractfile(MEDIA_PREFIX + entry["path"])
        if source is None:
            raise BackupError(_("missing member %(name)s") % {"name": MEDIA_PREFIX + entry["path"]})
        partial = target.with_name(f".{target.name}.restoring")
        digest = hashlib.sha256()
        with partial.open("wb") as out:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != entry["sha256"]:
            partial.unlink()
            raise BackupError(_("checksum mismatch: %(name)s") % {"name": entry["path"]})
        os.replace(partial, target)
        count += 1
    return count


def restored_problems(manifest: dict[str, Any], using: str = "default") -> list[str]:
    """Compare a restored database and MEDIA_ROOT with the manifest: every model's rows and primary keys, the
    audit trail, the migrations, and every file a row names by its SHA-256 (the manifest's, and the document
    row's own)."""
    seen = inventory(using)
    problems: list[str] = []
    for label, want in sorted(manifest["tables"].items()):
        got = seen["tables"].get(label)
        if got is None:
            problems.append(_("table of %(model)s missing") % {"model": label})
        elif got["rows"] != want["rows"] or got["pk_sha256"] != want["pk_sha256"]:
            problems.append(
                _("%(model)s: %(got)s rows, %(want)s in the backup (or other keys)")
                % {"model": label, "got": got["rows"], "want": want["rows"]}
            )
    if seen["audit"] != manifest["audit"]:
        problems.append(_("the audit trail differs from the backup"))
    if seen["migrations"] != manifest["migrations"]:
        problems.append(_("the applied migrations differ from the backup"))
    by_path = {f["path"]: f for f in manifest["files"]}
    media_root = _media_root()
    for name, entry in sorted(seen["files"].items()):
        if name in manifest["missing_files"]:
            continue  # missing before the backup; reported as such
        path = media_root / _safe_name(name)
        if not path.is_file() or name not in by_path:
            problems.append(_("file missing: %(name)s") % {"name": name})
            continue
        with path.open("rb") as handle:
            actual = _sha256_of(handle)
        if actual != by_path[name]["sha256"] or (entry["sha256"] is not None and actual != entry["sha256"]):
            problems.append(_("checksum mismatch: %(name)s") % {"name": name})
    return problems


def backup_restore(archive: Path, *, using: str = "default", force: bool = False) -> RestoreResult:
    """Load an archive into this portal's (empty) database and MEDIA_ROOT, then check the copy against the
    manifest. Refuses a database with tables or a MEDIA_ROOT with files unless `force`, an archive of another
    database vendor, and one made by code with migrations this code does not have."""
    started = time.monotonic()
    manifest = archive_verify(Path(archive))
    connection = connections[using]
    if manifest["database"]["vendor"] != connection.vendor:
        raise BackupError(
            _("The backup is of a %(theirs)s database; this portal uses %(ours)s.")
            % {"theirs": manifest["database"]["vendor"], "ours": connection.vendor}
        )
    if unknown := _unknown_migrations(manifest):
        raise BackupError(
            _("The backup was made by a newer portal: this code lacks the migrations %(names)s.")
            % {"names": ", ".join(unknown[:10])}
        )
    media_root = _media_root()
    if not force:
        if tables := connection.introspection.table_names():
            raise BackupError(
                _(
                    "The database is not empty (%(count)s tables); restore into an empty database, "
                    "or pass --force to replace it."
                )
                % {"count": len(tables)}
            )
        if _media_files(media_root):
            raise BackupError(
                _("%(path)s already holds files; restore into an empty folder, or pass --force.")
                % {"path": media_root}
            )
    with tempfile.TemporaryDirectory(prefix="portal-restore-") as staging, tarfile.open(archive, "r:") as tar:
        dump = Path(staging) / "database"
        member = tar.extractfile(manifest["database"]["member"])
        if member is None:
            raise BackupError(_("missing member %(name)s") % {"name": manifest["database"]["member"]})
        with dump.open("wb") as out:
            shutil.copyfileobj(member, out, CHUNK)
        _load_database(using, manifest, dump, force=force)
        files = _restore_files(tar, manifest, media_root)
    connection.close()
    if problems := restored_problems(manifest, using):
        raise BackupError(
            _("The restored copy does not match the backup: %(problems)s")
            % {"problems": "; ".join(problems[:20])}
        )
    audit = manifest["audit"].get("audit.AuditEvent", {}).get("rows", 0)
    return RestoreResult(
        rows=sum(t["rows"] for t in manifest["tables"].values()),
        tables=len(manifest["tables"]),
        files=files,
        audit_events=audit,
        seconds=time.monotonic() - started,
        pending_migrations=_pending_migrations(using),
        missing_at_backup=list(manifest["missing_files"]),
    )
