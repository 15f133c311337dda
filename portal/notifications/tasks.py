from celery import shared_task

from .services import notification_send_email


@shared_task(name="notifications.send_email", autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_notification_email(notification_id: int) -> bool:
    return notification_send_email(notification_id=notification_id)


@shared_task(name="notifications.send_emails", autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_notification_emails(notification_ids: list[int]) -> int:
    """E-mail a batch of notifications; each is sent at most once, so a retried batch skips the sent ones."""
    return sum(notification_send_email(notification_id=pk) for pk in notification_ids)
