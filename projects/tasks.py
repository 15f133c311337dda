"""The Celery tasks of the project parts, gathered here because Celery's autodiscovery imports `<app>.tasks`."""

from .bim.tasks import read_model, sweep_stale_readings
from .feasibility.tasks import notify_overdue_opinions
from .progress.tasks import remind_unreported

__all__ = ["notify_overdue_opinions", "read_model", "remind_unreported", "sweep_stale_readings"]
