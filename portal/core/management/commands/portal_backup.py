"""`manage.py portal_backup <folder or file.tar>`: the database and the uploaded files in one archive that agree
with each other (portal.core.backup), checked after writing. `--verify <file.tar>` re-checks an existing one."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from portal.core.backup import BackupError, archive_verify, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database and the uploaded files (MEDIA_ROOT) into one tar archive, read in one database "
        "snapshot, with a manifest of counts and checksums; the archive is re-read and checked before it is "
        "renamed into place. Give a folder (a dated file is made in it) or a file name ending in .tar."
    )

    def add_arguments(self, parser):
        parser.add_argument("destination", help="A folder, or the archive file to write (never overwritten).")
        parser.add_argument(
            "--verify",
            action="store_true",
            help="Only check an existing archive: every member against the manifest's size and SHA-256.",
        )
        parser.add_argument(
            "--referenced-only",
            action="store_true",
            help="Leave out files under MEDIA_ROOT that no database row names.",
        )
        parser.add_argument("--database", default="default", help="Database alias (default: default).")

    def handle(self, *args, destination, verify, referenced_only, database, **options):
        try:
            if verify:
                manifest = archive_verify(Path(destination))
                self.stdout.write(
                    self.style.SUCCESS(
                        _("%(path)s is intact: %(members)s members, made %(when)s.")
                        % {
                            "path": destination,
                            "members": len(manifest["members"]),
                            "when": manifest["created_at"],
                        }
                    )
                )
                return
            result = backup_create(
                destination,
                using=database,
                include_unreferenced=not referenced_only,
                warn=lambda message: self.stderr.write(self.style.WARNING(message)),
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        rows = sum(t["rows"] for t in manifest["tables"].values())
        audit = manifest["audit"].get("audit.AuditEvent", {}).get("rows", 0)
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Backup written and checked: %(path)s (%(size)s MB, %(seconds)s s): %(rows)s rows in "
                    "%(tables)s tables, %(files)s files, %(audit)s audit events."
                )
                % {
                    "path": result.path,
                    "size": f"{result.size / 1048576:.1f}",
                    "seconds": f"{result.seconds:.1f}",
                    "rows": rows,
                    "tables": len(manifest["tables"]),
                    "files": len(manifest["files"]),
                    "audit": audit,
                }
            )
        )
        if manifest["missing_files"]:
            self.stderr.write(
                self.style.WARNING(
                    _("%(count)s files named in the database were already missing; see manifest.json.")
                    % {"count": len(manifest["missing_files"])}
                )
            )
