"""Models of the coordination app (added by its own issue)."""
