"""`manage.py portal_restore <file.tar>`: load a portal_backup archive into an empty database and MEDIA_ROOT,
then check every model's rows, every file's checksum and the audit trail against the archive's manifest."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from portal.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a portal_backup archive into this portal's database and MEDIA_ROOT (both must be empty unless "
        "--force), then compare rows, primary keys, file checksums and the audit trail with the archive."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The .tar file portal_backup wrote.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a database that has tables and overwrite files already under MEDIA_ROOT.",
        )
        parser.add_argument("--database", default="default", help="Database alias (default: default).")

    def handle(self, *args, archive, force, database, **options):
        try:
            result = backup_restore(Path(archive), using=database, force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Restored and checked in %(seconds)s s: %(rows)s rows in %(tables)s tables, %(files)s files, "
                    "%(audit)s audit events; every checksum matches."
                )
                % {
                    "seconds": f"{result.seconds:.1f}",
                    "rows": result.rows,
                    "tables": result.tables,
                    "files": result.files,
                    "audit": result.audit_events,
                }
            )
        )
        if result.missing_at_backup:
            self.stderr.write(
                self.style.WARNING(
                    _("%(count)s files were already missing when the backup was made: %(names)s")
                    % {
                        "count": len(result.missing_at_backup),
                        "names": ", ".join(result.missing_at_backup[:10]),
                    }
                )
            )
        if result.pending_migrations:
            self.stdout.write(
                self.style.WARNING(
                    _("This code has %(count)s migrations the backup predates: run manage.py migrate.")
                    % {"count": len(result.pending_migrations)}
                )
            )
