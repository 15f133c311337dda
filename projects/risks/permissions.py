"""Access rules of this part beyond the default in projects/permissions.py (seen with the project, changed
by whoever may manage it). Imported when the app is ready."""
