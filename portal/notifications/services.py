"""The one way any app tells a person something: `notify()`. In-app at once; e-mail by a Celery task after the
transaction commits. Keyed by event, so a retried task never notifies twice."""

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage
from django.db import IntegrityError, models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import Notification


def notify(
    *, recipients: Iterable[Any], event_key: str, title: str, body: str = "", url: str = "",
    target: models.Model | None = None, level: str = Notification.Level.INFO, email: bool = True,
) -> list[Notification]:
    """Notify each recipient once about `event_key`; returns only the notifications created now."""
    created = []
    target_type = ContentType.objects.get_for_model(target) if target is not None else None
    for user in {u.pk: u for u in recipients if u is not None and u.is_active}.values():
        try:
            with transaction.atomic():
                n, was_new = Notification.objects.get_or_create(
                    recipient=user, event_key=event_key[:200],
                    defaults={"title": str(title)[:200], "body": str(body), "url": url, "level": level,
                              "target_type": target_type, "target_id": str(target.pk) if target is not None else ""},
                )
        except IntegrityError:  # a concurrent run created it first
            continue
        if was_new:
            created.append(n)
            if email and user.email and user.email_notifications:
                from .tasks import send_notification_email

                transaction.on_commit(functools.partial(send_notification_email.delay, n.pk))
    return created


def absolute_url(url: str) -> str:
    """An e-mailed link: a portal path under settings.PORTAL_BASE_URL (which may carry a path prefix); an absolute
    URL as it is; "" stays ""."""
    if not url or "://" in url:
        return url
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}/{url.lstrip('/')}"


def message_id(n: Notification) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "localhost"
    return f"<notification-{n.pk}@{domain}>"


@transaction.atomic
def notification_send_email(*, notification_id: int) -> bool:
    """E-mail one notification unless it already was (the row lock makes concurrent retries send once)."""
    n = Notification.objects.select_for_update().select_related("recipient").filter(pk=notification_id).first()
    if n is None or n.emailed_at is not None or not n.recipient.email:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        context = {"notification": n, "link": absolute_url(n.url)}
        text = render_to_string("notifications/email.txt", context)
    # One Message-ID per notification: were the worker killed between the hand-off to the mail server and the
    # commit below, the task runs again and sends it again, and mail clients show the two as one message.
    EmailMessage(subject=f"[重点工程] {n.title}", body=text, from_email=settings.DEFAULT_FROM_EMAIL,
                 to=[n.recipient.email], headers={"Message-ID": message_id(n)}).send()
    n.emailed_at = timezone.now()
    n.save(update_fields=["emailed_at"])
    return True


def notification_mark_read(*, user: Any, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


@dataclass(frozen=True)
class NotificationSpec:
    recipient: Any
    event_key: str
    title: str
    body: str = ""
    url: str = ""
    level: str = Notification.Level.INFO
    target: models.Model | None = None


def notify_many(specs: Iterable[NotificationSpec], *, email: bool = True, chunk: int = 500) -> int:
    """Bulk `notify` for scans: the number of queries depends on the number of new notifications (in chunks
    of `chunk`), not on how many objects were scanned. Each (recipient, event) is still notified once."""
    unique: dict[tuple[int, str], NotificationSpec] = {}
    for s in specs:
        if s.recipient is not None and s.recipient.is_active:
            unique.setdefault((s.recipient.pk, s.event_key[:200]), s)
    items = list(unique.items())
    created = 0
    for start in range(0, len(items), chunk):
        part = items[start:start + chunk]
        keys = {k for (_, k), _s in part}
        existing = set(Notification.objects.filter(event_key__in=keys).values_list("recipient_id", "event_key"))
        rows = []
        for (user_id, key), s in part:
            if (user_id, key) in existing:
                continue
            target_type = ContentType.objects.get_for_model(s.target) if s.target is not None else None
            rows.append(Notification(
                recipient_id=user_id, event_key=key, title=str(s.title)[:200], body=str(s.body), url=s.url,
                level=s.level, target_type=target_type, target_id=str(s.target.pk) if s.target is not None else "",
            ))
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        created += len(rows)
        if email and rows:
            new_keys = {r.event_key for r in rows}
            ids = list(Notification.objects.filter(
                event_key__in=new_keys, emailed_at__isnull=True, recipient__email_notifications=True,
            ).exclude(recipient__email="").values_list("pk", flat=True))
            if ids:
                from .tasks import send_notification_emails

                transaction.on_commit(functools.partial(send_notification_emails.delay, ids))
    return created
