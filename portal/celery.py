"""The one Celery app of the portal. Periodic schedules live in the database (django-celery-beat)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")

# Every task claims itself in the task ledger before it runs (portal.core.taskledger): none lost, none run twice.
app = Celery("portal", task_cls="portal.core.taskledger:LedgerTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
