from celery import shared_task

from .services import notification_send_email


@shared_task(name="notifications.send_email", autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_notification_email(notification_id: int) -> bool:
    return notification_send_email(notification_id=notification_id)
