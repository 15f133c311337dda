"""Models of the supervision app (added by its own issue)."""
