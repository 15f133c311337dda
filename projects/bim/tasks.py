from celery import shared_task


# The hard limit is above BIM_READ_TIMEOUT_SECONDS' default (2 h): the reading stops its child itself first and
# marks the model failed; Celery killing the worker would leave that to the sweep.
@shared_task(name="projects.bim.read_model", bind=True, time_limit=3 * 60 * 60, soft_time_limit=3 * 60 * 60 - 60)
def read_model(self, model_id: int) -> str:
    """Read one uploaded IFC model in a child process (projects.bim.reading): safe to run twice."""
    from .reading import read_model as run

    return run(model_id, task_id=self.request.id or "")


@shared_task(name="projects.bim.sweep_stale_readings")
def sweep_stale_readings() -> int:
    """Mark failed (retryable) the readings whose reader stopped giving signs of life."""
    from .reading import sweep_stale_readings as run

    return run()
