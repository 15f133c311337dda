from celery import shared_task

from .permits import permit_render


@shared_task(name="reports.approvals.render_permit", autoretry_for=(OSError,), retry_backoff=10, max_retries=3)
def render_permit(case_id: int) -> bool:
    return permit_render(case_id=case_id)
