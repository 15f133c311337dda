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


def task_label(name: str) -> str:
    """What /status/ calls a periodic task: its declared label, else its stored name (one added in the admin)."""
    spec = PERIODIC_TASKS.get(name) or {}
    return str(spec.get("label") or name)


def every_in_words(seconds: int) -> str:
    """“Every day”, “Every 15 minutes”…: the interval in its largest whole unit."""
    from django.utils.translation import gettext, ngettext

    if seconds % 86400 == 0 and seconds:
        n = seconds // 86400
        return gettext("Every day") if n == 1 else ngettext("Every %(n)d day", "Every %(n)d days", n) % {"n": n}
    if seconds % 3600 == 0 and seconds:
        n = seconds // 3600
        return gettext("Every hour") if n == 1 else ngettext("Every %(n)d hour", "Every %(n)d hours", n) % {"n": n}
    if seconds % 60 == 0 and seconds:
        n = seconds // 60
        return gettext("Every minute") if n == 1 else ngettext(
            "Every %(n)d minute", "Every %(n)d minutes", n) % {"n": n}
    return ngettext("Every %(n)d second", "Every %(n)d seconds", seconds) % {"n": seconds}


def schedule_in_words(task) -> str:
    """A django-celery-beat PeriodicTask's schedule in the reader's language: an interval in words, a crontab
    described (cron-descriptor, in Chinese for a Chinese page), never a raw cron line."""
    from django.utils.translation import get_language, gettext

    if task.interval_id:
        interval = task.interval
        seconds = {"days": 86400, "hours": 3600, "minutes": 60, "seconds": 1, "microseconds": 0}.get(interval.period, 1)
        if seconds:
            return every_in_words(interval.every * seconds)
    if task.crontab_id:
        from cron_descriptor import (
            ExpressionDescriptor,
            FormatException,
            MissingFieldException,
            Options,
            WrongArgumentException,
        )

        c = task.crontab
        options = Options()
        options.locale_code = "zh_CN" if (get_language() or "").startswith("zh") else "en_US"
        options.use_24hour_time_format = True
        expression = f"{c.minute} {c.hour} {c.day_of_month} {c.month_of_year} {c.day_of_week}"
        try:
            return ExpressionDescriptor(expression, options).get_description()
        except (FormatException, MissingFieldException, WrongArgumentException):  # better the line than a 500
            return expression
    return gettext("Other schedule")
