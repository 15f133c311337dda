"""Access rules of this part beyond the default in projects/permissions.py (seen with the project, changed
by whoever may manage it). Imported when the app is ready.

Monthly progress keeps the default: the owner organisation's users and bureau staff plan and report (they may
`manage` the project); leaders and the other participants read."""

# Celery's autodiscovery imports only `<app>.tasks`; this part's task module is registered here, when the app
# is ready, so the worker and the beat schedule (portal/core/schedule.py) know it.
from . import tasks  # noqa: F401
