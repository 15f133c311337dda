from django.core.management.base import BaseCommand

from portal.core.demo import DEMO_PASSWORD, USERS, seed_all


class Command(BaseCommand):
    help = (
        "Create the demo province: departments, organisations, a login per role, then each app's demo data "
        "(~30 key projects, their lifecycle, approval cases; idempotent)."
    )

    def handle(self, *args, **options):
        result = seed_all()  # the demo province, then each app's declared demo data
        counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in result.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {counts}."))
        logins = ", ".join(u[0] for u in USERS)
        self.stdout.write(f"Logins (password {DEMO_PASSWORD}): admin, {logins}")
