"""Periodic work of the feasibility review, run by Celery beat (declared in portal/core/schedule.py)."""

from celery import shared_task

from .services import overdue_opinions_notify


@shared_task(name="projects.feasibility.notify_overdue_opinions")
def notify_overdue_opinions() -> dict:
    """Daily: each overdue opinion's department reviewers are told once (safe to run twice)."""
    return overdue_opinions_notify()
