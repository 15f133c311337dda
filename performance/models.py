"""Models of the performance app (added by its own issue)."""
