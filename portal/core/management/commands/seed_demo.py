from django.core.management.base import BaseCommand

from portal.core.demo import DEMO_PASSWORD, USERS, seed_all


class Command(BaseCommand):
    help = "Create the demo province: departments, organisations, a login per role and ~30 key projects (idempotent)."

    def handle(self, *args, **options):
        result = seed_all()
        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready: {result['organizations']} organisations, {result['users']} users, "
            f"{result['projects']} projects ({result['projects_created']} new)."
        ))
        logins = ", ".join(u[0] for u in USERS)
        self.stdout.write(f"Logins (password {DEMO_PASSWORD}): admin, {logins}")
