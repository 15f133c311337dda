"""Every periodic task of the portal, declared in one place. After each migrate they are written to
django-celery-beat's tables (the scheduler reads them from the database; staff may pause one in the admin)."""

PERIODIC_TASKS: dict[str, dict] = {
    # name: {"task": registered task name, "every": seconds}
    "portal heartbeat": {"task": "core.heartbeat", "every": 60},
    "feasibility overdue opinions": {"task": "projects.feasibility.notify_overdue_opinions", "every": 24 * 60 * 60},
    # Daily, but each owner hears once a month (due by the 10th) and once more if late: keyed notifications.
    "monthly progress reminders": {"task": "projects.progress.remind_unreported", "every": 24 * 60 * 60},
}


def sync_periodic_tasks(**kwargs) -> None:
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    for name, spec in PERIODIC_TASKS.items():
        interval, _ = IntervalSchedule.objects.get_or_create(every=spec["every"], period=IntervalSchedule.SECONDS)
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": spec["task"], "interval": interval, "crontab": None}
        )
