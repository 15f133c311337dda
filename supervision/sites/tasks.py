from celery import shared_task


@shared_task(name="supervision.sites.alerts_raised")
def alerts_raised(alert_ids: list[int]) -> int:
    """Notify and (where the rule says so) raise hazards for alerts that reached alarm level."""
    from .services import alerts_raised as run

    return run(alert_ids)


@shared_task(name="supervision.sites.sweep")
def sweep() -> dict:
    """Judge averaging windows that closed without a later reading; clear alerts whose quiet spell has passed."""
    from .services import sweep as run

    return run()


@shared_task(name="supervision.sites.maintain_partitions")
def maintain_partitions() -> dict:
    """Create the readings' day partitions ahead; drop those past the retention period (never a DELETE)."""
    from .partitions import maintain

    return maintain()
