from django.core.management.base import BaseCommand

from portal.core.regions import regions_load


class Command(BaseCommand):
    help = "Load the GB/T 2260 administrative division codes (2024) shipped with the portal (idempotent)."

    def handle(self, *args, **options):
        self.stdout.write(self.style.SUCCESS(f"{regions_load()} regions loaded."))
