"""Benchmark of the deadline scan (portal.core.deadlines.scan) at scale (bench/run.sh calls it; not a test).

Creates open approval cases until there are --cases of them (bulk inserts: accepted cases whose items are spread
over the next weeks, some due soon, some overdue), then times the scan twice: the first run records the
escalations and sends the day's digests, the second finds everything already sent. Queries are counted with a
connection.execute_wrapper (every statement, not Django's 9,000-entry debug log). Prints one JSON line."""

import datetime
import json
import random
import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.urls import reverse

from approvals import services
from approvals.catalogue import catalogue_seed
from approvals.models import ApprovalCase, ApprovalStage, CaseState, ItemReview
from portal.accounts.models import Organization
from portal.core import workdays
from portal.core.deadlines import scan
from portal.core.models import Escalation
from portal.notifications.models import Notification
from projects.models import Project


class Command(BaseCommand):
    help = "Time the deadline scan over many open cases (creates them first; benchmark databases only)."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=50_000)
        parser.add_argument("--fresh", action="store_true",
                            help="Forget earlier escalations and digests first, so the first run is a first scan.")
        parser.add_argument("--queries", action="store_true", help="List every statement with its time.")

    def handle(self, *args, cases: int, fresh: bool = False, queries: bool = False, **options):
        catalogue_seed()
        created = self._fill(cases)
        if created and connection.vendor == "postgresql":  # planner statistics after the bulk load, as autovacuum would
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE approvals_approvalcase, approvals_itemreview")
        if fresh:  # an empty table, as on the first day (TRUNCATE: no dead rows left in the table and its indexes)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(f"TRUNCATE {connection.ops.quote_name(Escalation._meta.db_table)}")
            else:
                Escalation.objects.all().delete()
            Notification.objects.filter(event_key__startswith="digest:").delete()
        open_cases = ApprovalCase.objects.filter(state__in=[CaseState.ACCEPTED, CaseState.ACCEPTED_WITH_DEFICIENCY]).count()
        running = ItemReview.objects.filter(state__in=["pending", "in_review"]).count()
        # What a worker process pays once, at its first scan, not at every scan: importing the URLconf (the digests'
        # links) and the working-day calendar's tables. Timed apart.
        began = time.perf_counter()
        reverse("approvals:queue")
        workdays.workdays_between(datetime.date(workdays.calendar_years()[0], 1, 1), services.today())
        warm_up = round(time.perf_counter() - began, 2)
        runs = []
        for _ in range(2):
            statements = []

            def count(execute, sql, params, many, context, queries=statements):
                began = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    queries.append((round(time.perf_counter() - began, 3), sql[:90]))

            with connection.execute_wrapper(count):
                start, cpu = time.perf_counter(), time.process_time()
                counts = scan()
                seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            db_seconds = sum(q[0] for q in statements)
            runs.append({"seconds": round(seconds, 2), "queries": len(statements), **counts,
                         "db_seconds": round(db_seconds, 2), "python_seconds": round(seconds - db_seconds, 2),
                         "python_cpu_seconds": round(cpu, 2),
                         "slowest": statements if queries else sorted(statements, reverse=True)[:1]})
        self.stdout.write(json.dumps({"open_cases": open_cases, "running_items": running, "created_now": created,
                                      "process_warm_up_seconds": warm_up,
                                      "first": runs[0], "second": runs[1]}))

    @transaction.atomic
    def _fill(self, target: int) -> int:
        have = ApprovalCase.objects.filter(number__startswith="SPB").count()
        need = max(0, target - have)
        if not need:
            return 0
        rng = random.Random(42)  # noqa: S311 — benchmark data
        today = services.today()
        projects = list(Project.objects.values_list("pk", flat=True))
        applicants = list(Organization.objects.filter(kind="owner").values_list("pk", flat=True))
        creator = Organization.objects.filter(kind="bureau").first().members.first()
        items = {s: list(services.stage_items(s)) for s in ApprovalStage.values}
        taken = set(ApprovalCase.objects.filter(voided_at__isnull=True).values_list("project_id", "stage"))
        free = [(p, s) for p in projects for s in ApprovalStage.values if (p, s) not in taken]
        if len(free) < need:  # one live case per project and stage: add bench projects to hold the rest
            owner = Organization.objects.filter(kind="owner").first()
            extra = (need - len(free)) // len(ApprovalStage.values) + 1
            start = Project.objects.count()
            Project.objects.bulk_create([
                Project(code=f"2099-330000-99-99-{start + i:06d}", name=f"审批压测项目{start + i}",
                        project_type="municipal", level="municipal", stage="preparation", total_investment=1,
                        owner=owner)
                for i in range(extra)
            ], batch_size=2000)
            new = Project.objects.filter(code__startswith="2099-330000-99-99-").values_list("pk", flat=True)
            free += [(p, s) for p in new for s in ApprovalStage.values if (p, s) not in taken]
        batch = []
        for i in range(need):
            project, stage = free[i]
            accepted = today - datetime.timedelta(days=rng.randint(0, 40))
            batch.append(ApprovalCase(
                number=f"SPB{have + i:09d}", project_id=project, stage=stage, applicant_id=rng.choice(applicants),
                created_by=creator, state=CaseState.ACCEPTED, accepted_on=accepted, form_data={"bench": True},
            ))
        ApprovalCase.objects.bulk_create(batch, batch_size=2000)
        reviews = []
        for case in ApprovalCase.objects.filter(number__startswith="SPB").order_by("-pk")[:need].iterator(2000):
            for item in items[case.stage]:
                due = case.accepted_on + datetime.timedelta(days=rng.randint(-5, 40))
                reviews.append(ItemReview(case_id=case.pk, item=item, department_id=item.department_id,
                                          started_on=case.accepted_on, due_on=due))
            if len(reviews) >= 5000:
                ItemReview.objects.bulk_create(reviews, batch_size=5000)
                reviews = []
        ItemReview.objects.bulk_create(reviews, batch_size=5000)
        return need
