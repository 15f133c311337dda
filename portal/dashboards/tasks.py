import datetime

from celery import shared_task


@shared_task(name="dashboards.refresh_figures")
def refresh_figures(name: str, user_id: int, role: str | None, today: str) -> None:
    """Computes one entry of a home card's figures again before it expires (portal.dashboards.cache). Safe to run
    twice: the second run stores figures as fresh as the first's."""
    from .cache import refresh

    refresh(name=name, user_id=user_id, role=role, today=datetime.date.fromisoformat(today))
