"""Periodic task of monthly progress (declared in portal/core/schedule.py)."""

from celery import shared_task

from .services import progress_remind_unreported


@shared_task(name="projects.progress.remind_unreported")
def remind_unreported() -> int:
    """Remind owners whose previous month is unreported. Runs daily; notifies each person once per month and
    kind (due by the 10th, then late), so a retry or a second run sends nothing new."""
    return progress_remind_unreported()
