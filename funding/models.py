"""Models of the funding app (added by its own issue)."""
