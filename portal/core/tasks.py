import socket

from celery import shared_task
from django.db.models import F
from django.utils import timezone

from .models import Heartbeat


@shared_task(name="core.heartbeat")
def heartbeat() -> None:
    """Proves the scheduler and a worker are alive: the status page shows the last run."""
    updated = Heartbeat.objects.filter(name="worker").update(
        last_run_at=timezone.now(), runs=F("runs") + 1, last_worker=socket.gethostname()
    )
    if not updated:
        Heartbeat.objects.get_or_create(
            name="worker", defaults={"last_run_at": timezone.now(), "runs": 1, "last_worker": socket.gethostname()}
        )


@shared_task(name="core.deadline_scan")
def deadline_scan() -> dict:
    """Every workflow's deadlines (portal.core.deadlines): near-limit warnings, escalations, daily digests."""
    from .deadlines import scan

    return scan()


@shared_task(name="core.task_ledger_sweep")
def task_ledger_sweep() -> dict:
    """Sends again the tasks no worker has taken (portal.core.taskledger)."""
    from .taskledger import sweep

    return sweep()


@shared_task(name="core.probe")
def probe(key: str) -> None:
    """Marks that a worker ran the call `key` (a Heartbeat row named after it, `runs` counting deliveries): what
    bench/soak.py sends around the worker kills to prove no task is lost. Safe to run twice."""
    now = timezone.now()
    if not Heartbeat.objects.filter(name=key).update(last_run_at=now, runs=F("runs") + 1):
        _, created = Heartbeat.objects.get_or_create(
            name=key, defaults={"last_run_at": now, "runs": 1, "last_worker": socket.gethostname()}
        )
        if not created:
            Heartbeat.objects.filter(name=key).update(last_run_at=now, runs=F("runs") + 1)
