"""Celery tasks as tasks: a real worker consumes from the configured broker (the filesystem broker by default,
Redis when CELERY_BROKER_URL says so), and periodic schedules live in the database."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django_celery_beat.models import PeriodicTask

from portal.celery import app
from portal.core.models import Heartbeat
from portal.core.schedule import PERIODIC_TASKS
from portal.core.tasks import heartbeat


def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def real_worker(demo_db):
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.task_always_eager = True


@pytest.mark.celery_worker
def test_a_worker_runs_the_heartbeat_and_a_retried_email_is_sent_once(real_worker, django_capture_on_commit_callbacks):
    from portal.accounts.models import User
    from portal.notifications.services import notify
    from portal.notifications.tasks import send_notification_email

    heartbeat.delay()
    assert wait_for(lambda: Heartbeat.objects.filter(name="worker", runs__gte=1).exists())

    staff = User.objects.get(username="staff")
    with django_capture_on_commit_callbacks(execute=True):
        (n,) = notify(recipients=[staff], event_key="worker-test", title="队列测试")
    send_notification_email.delay(n.pk)  # a duplicate delivery, as after a worker restart

    def sent():
        return [m for m in mail.outbox if "队列测试" in m.subject]

    assert wait_for(lambda: len(sent()) >= 1)
    time.sleep(1)
    assert len(sent()) == 1


@pytest.mark.django_db
def test_periodic_tasks_are_declared_in_one_place_and_stored_in_the_database():
    stored = {t.name: t for t in PeriodicTask.objects.select_related("interval")}
    app.loader.import_default_modules()  # what a worker does at start: autodiscovery of every app's tasks
    for name, spec in PERIODIC_TASKS.items():
        assert stored[name].task == spec["task"]
        assert spec["task"] in app.tasks, f"{spec['task']} is scheduled but no worker would know it"
        assert stored[name].interval.every == spec["every"]
    assert app.conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"
    assert app.conf.task_acks_late is True


@pytest.mark.django_db
def test_heartbeat_is_safe_to_run_twice():
    heartbeat.apply()
    heartbeat.apply()
    assert Heartbeat.objects.get(name="worker").runs == 2
