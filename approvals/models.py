"""Models of the approvals app (added by its own issue)."""
