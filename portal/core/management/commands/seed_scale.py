from django.core.management.base import BaseCommand

from portal.core.scale import BENCH_PASSWORD, BENCH_USERS, seed_scale


class Command(BaseCommand):
    help = (
        "Create, on top of the demo, a province at the scale of DOMAIN.md for the benchmark harness "
        "(3,000 projects, 20,000 organisations, 10,000 users; deterministic, idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, default=3000)
        parser.add_argument("--organizations", type=int, default=20000)
        parser.add_argument("--users", type=int, default=10000)

    def handle(self, *args, **options):
        result = seed_scale(
            projects=options["projects"],
            organizations=options["organizations"],
            users=options["users"],
            log=self.stdout.write,
        )
        created = result.pop("created")
        counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in result.items())
        self.stdout.write(
            self.style.SUCCESS(f"Scale data {'created' if created else 'already there'}: {counts}.")
        )
        self.stdout.write(f"Bench logins (password {BENCH_PASSWORD}): {', '.join(BENCH_USERS)}")
