"""Every periodic task of the portal. Each app declares its own (`periodic_tasks` in its `portal_plugin()`, see
`portal.core.plugins`; the heartbeat is portal.core's); they are gathered here when the apps are ready. After each
migrate they are written to django-celery-beat's tables (the scheduler reads them from the database; staff may
pause one in the admin)."""

# name: {"task": registered task name, "every": seconds} — filled from the apps' declarations.
PERIODIC_TASKS: dict[str, dict] = {}


def sync_periodic_tasks(**kwargs) -> None:
    """Write the declared tasks; one that no app declares any more (renamed, or its task removed) is disabled,
    not deleted, so the beat never sends a task no worker knows and its history stays in the admin."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    for name, spec in PERIODIC_TASKS.items():
        interval, _ = IntervalSchedule.objects.get_or_create(every=spec["every"], period=IntervalSchedule.SECONDS)
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": spec["task"], "interval": interval, "crontab": None}
        )
    stale = PeriodicTask.objects.exclude(name__in=PERIODIC_TASKS).exclude(task__startswith="celery.")
    stale.filter(enabled=True).update(enabled=False)
