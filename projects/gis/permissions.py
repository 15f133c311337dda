"""Access rules of this part beyond the default in projects/permissions.py (seen with the project, changed
by whoever may manage it). Imported when the app is ready.

A location is a field of the project itself: it is seen by whoever may `view` the project and changed by whoever
may `manage` it (bureau staff, the owner organisation's users), through ProjectPolicy; no policy of its own."""

from . import checks  # noqa: F401  (registers the system checks of the map settings)
