"""The task ledger: every Celery task the portal sends runs to completion once, even when a worker dies.

The broker alone cannot promise that. With kombu's Redis transport a worker's blocking pop takes a message out of
the queue before the worker records it as unacknowledged, so a message handed out at the instant a worker is
killed is gone (bench/soak.py saw 1 in 440); and with late acknowledgement a task the worker finished but had not
yet acknowledged is delivered again after a restart. So each task is also written down when it is sent
(`TaskRecord`, state *sent*), claimed by the worker that runs it (*started*, in one conditional UPDATE, so two
deliveries cannot both claim it) and closed when it ends (*done* / *failed*). A delivery of a task that is already
done, failed or running is skipped; the ledger sweep (`core.task_ledger_sweep`, every minute) sends again what no
worker has taken for a while, with a doubling wait, and after `TASK_LEDGER_MAX_RESENDS` marks it *lost* and logs an
error. Tasks run in-process (eager, in the tests) bypass the ledger.

Writing the row never breaks the sender: it happens in a savepoint and a database error is logged, not raised. A
task sent inside a transaction that is later rolled back leaves no row, and a worker that finds no row runs the
task as before (it cannot tell a rolled-back send from one not yet committed).
"""

import logging
import time
from datetime import datetime, timedelta

from celery import Task, current_app, signals
from celery.exceptions import Retry
from django.conf import settings
from django.db import DatabaseError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

logger = logging.getLogger(__name__)

SWEEP_TASK = "core.task_ledger_sweep"
# Periodic ticks need no ledger: a lost one is made good by the next tick.
UNTRACKED = {SWEEP_TASK, "core.heartbeat", "celery.backend_cleanup",
             "dashboards.refresh_figures"}  # a lost refresh is done again by the next reader


def enabled() -> bool:
    return getattr(settings, "TASK_LEDGER", True)


def lease_seconds() -> int:
    """How long a claimed task may run before another delivery may take it over (its worker is presumed dead):
    the hard time limit, or the broker's visibility timeout when that is shorter (a test setting)."""
    visibility = (getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}).get("visibility_timeout")
    limit = getattr(settings, "CELERY_TASK_TIME_LIMIT", None) or 3600
    return int(min(limit, visibility or limit))


@signals.before_task_publish.connect(dispatch_uid="portal-task-ledger")
def record_sent(sender=None, headers=None, body=None, routing_key=None, **kwargs) -> None:
    if not enabled() or not headers or sender in UNTRACKED:
        return
    from .models import TaskRecord

    task_id = headers.get("id")
    if not task_id:
        return
    args, task_kwargs = (body[0], body[1]) if isinstance(body, (list, tuple)) and len(body) >= 2 else ([], {})
    now = timezone.now()
    due = _parse_eta(headers.get("eta")) or now
    try:
        with transaction.atomic():
            TaskRecord.objects.bulk_create(
                [TaskRecord(task_id=task_id, name=sender or headers.get("task", ""), args=list(args),
                            kwargs=dict(task_kwargs), queue=routing_key or "", sent_at=now, due_at=due)],
                ignore_conflicts=True,  # a re-send or a retry of a task already recorded
            )
    except (DatabaseError, TypeError, ValueError):
        logger.exception("Task ledger: could not record %s %s; it is sent without a record", sender, task_id)


def _parse_eta(eta) -> datetime | None:
    if not eta:
        return None
    if isinstance(eta, datetime):
        return eta
    try:
        parsed = datetime.fromisoformat(str(eta))
    except ValueError:
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def claim(task_id: str) -> bool:
    """True when this delivery should run the task: the ledger had it waiting (or its runner's lease ran out), or
    has no row for it. False for a second delivery of a task done, failed or being run."""
    from .models import TaskRecord, TaskState

    now = timezone.now()
    rows = TaskRecord.objects.filter(pk=task_id)
    stale = now - timedelta(seconds=lease_seconds())
    claimed = rows.filter(
        Q(state__in=[TaskState.SENT, TaskState.LOST]) | Q(state=TaskState.STARTED, started_at__lt=stale)
    ).update(state=TaskState.STARTED, started_at=now, deliveries=F("deliveries") + 1)
    if claimed:
        return True
    # No row: untracked (sent before the ledger, or in a transaction not committed or rolled back), so it runs.
    return not rows.update(deliveries=F("deliveries") + 1)


def _claim_patiently(task_id: str, tries: int = 5) -> bool:
    """`claim`, tried again for a moment when the database is briefly locked (SQLite with a busy writer)."""
    for attempt in range(tries):
        try:
            return claim(task_id)
        except OperationalError:
            if attempt == tries - 1:
                raise  # the task fails unrun; its row stays "sent" and the sweep sends it again
            time.sleep(0.2 * (attempt + 1))
    return True


def close(task_id: str, state: str, error: str = "", due_at: datetime | None = None) -> None:
    from .models import TaskRecord, TaskState

    changes: dict = {"state": state, "error": error[:2000]}
    if state == TaskState.SENT:  # a retry: waiting again, for its countdown
        changes["due_at"] = due_at or timezone.now()
    else:
        changes["finished_at"] = timezone.now()
    TaskRecord.objects.filter(pk=task_id).update(**changes)


class LedgerTask(Task):
    """The base of every portal task (`Celery(task_cls=…)`): claims the task in the ledger before running it and
    closes it after; a duplicate delivery returns None without running."""

    def __call__(self, *args, **kwargs):
        from .models import TaskState

        request = self.request
        task_id = getattr(request, "id", None)
        if getattr(request, "is_eager", False) or not task_id or self.name in UNTRACKED or not enabled():
            return super().__call__(*args, **kwargs)
        if not _claim_patiently(task_id):
            logger.info("Task ledger: %s %s was already run or is running; this delivery is skipped",
                        self.name, task_id)
            return None
        try:
            result = super().__call__(*args, **kwargs)
        except Retry as exc:
            when = exc.when if isinstance(exc.when, datetime) else (
                timezone.now() + timedelta(seconds=float(exc.when)) if exc.when else None)
            close(task_id, TaskState.SENT, error=str(exc.exc or ""), due_at=when)
            raise
        except BaseException as exc:
            close(task_id, TaskState.FAILED, error=f"{type(exc).__name__}: {exc}")
            raise
        close(task_id, TaskState.DONE)
        return result


def sweep(now: datetime | None = None) -> dict:
    """Send again each task no worker has taken `TASK_LEDGER_RESEND_SECONDS` after it was due (doubling the wait
    after each re-send) or whose runner's lease ran out; give up after `TASK_LEDGER_MAX_RESENDS`; forget finished
    rows after `TASK_LEDGER_KEEP_DAYS`. Returns the counts."""
    from .models import TaskRecord, TaskState

    now = now or timezone.now()
    wait = timedelta(seconds=getattr(settings, "TASK_LEDGER_RESEND_SECONDS", 120))
    max_resends = getattr(settings, "TASK_LEDGER_MAX_RESENDS", 5)
    # Forget old finished rows first: once tasks are re-sent, workers write to the table.
    keep = timedelta(days=getattr(settings, "TASK_LEDGER_KEEP_DAYS", 7))
    pruned, _ = TaskRecord.objects.filter(
        state__in=[TaskState.DONE, TaskState.FAILED], finished_at__lt=now - keep).delete()
    stale = now - timedelta(seconds=lease_seconds())
    waiting = TaskRecord.objects.filter(
        Q(state=TaskState.SENT, due_at__lt=now - wait) | Q(state=TaskState.STARTED, started_at__lt=stale)
    ).order_by("due_at")[:500]
    resent = lost = 0
    for record in waiting:
        if record.state == TaskState.SENT and record.due_at > now - wait * (2 ** record.resends):
            continue
        if record.resends >= max_resends:
            TaskRecord.objects.filter(pk=record.pk, state=record.state).update(state=TaskState.LOST)
            logger.error("Task ledger: %s %s was sent %d times and never run; marked lost",
                         record.name, record.task_id, record.resends + 1)
            lost += 1
            continue
        # Only the sweep that moves the row re-sends it (two sweeps at once cannot both send).
        if not TaskRecord.objects.filter(pk=record.pk, state=record.state, resends=record.resends).update(
                state=TaskState.SENT, due_at=now, resends=F("resends") + 1):
            continue
        current_app.send_task(record.name, args=record.args, kwargs=record.kwargs, task_id=record.task_id,
                              queue=record.queue or None)
        resent += 1
    return {"resent": resent, "lost": lost, "pruned": pruned}


def figures() -> dict:
    """For the status page: tasks waiting, running, lost, and the oldest waiting one's age in seconds."""
    from django.db.models import Count, Min

    from .models import TaskRecord, TaskState

    rows = TaskRecord.objects.filter(state__in=[TaskState.SENT, TaskState.STARTED, TaskState.LOST])
    counts = dict(rows.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    oldest = rows.filter(state=TaskState.SENT).aggregate(m=Min("due_at"))["m"]
    return {
        "waiting": counts.get(TaskState.SENT, 0), "running": counts.get(TaskState.STARTED, 0),
        "lost": counts.get(TaskState.LOST, 0),
        "oldest_waiting_s": max(0, int((timezone.now() - oldest).total_seconds())) if oldest else None,
    }
