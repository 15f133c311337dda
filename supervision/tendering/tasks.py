from celery import shared_task

from .services import expiry_reminders_send


@shared_task(name="supervision.tendering.remind_expiring")
def remind_expiring() -> int:
    """Daily: remind the holders of qualifications and certificates expiring within 60 days (once per threshold)."""
    return expiry_reminders_send()
