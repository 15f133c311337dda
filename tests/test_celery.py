"""Celery tasks as tasks: a real worker consumes from the configured broker (the embedded Redis on a unix socket
by default, started here for the session; a shared Redis when CELERY_BROKER_URL says so), and periodic schedules
live in the database."""

import json
import os
import signal
import time
from datetime import timedelta

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from kombu import Connection

from portal.celery import app
from portal.core import embedded_redis
from portal.core.models import Heartbeat, TaskRecord, TaskState
from portal.core.schedule import PERIODIC_TASKS
from portal.core.taskledger import claim, figures, lease_seconds, sweep
from portal.core.tasks import heartbeat, probe

EMBEDDED = embedded_redis.broker_url(settings.VAR_DIR) == settings.CELERY_BROKER_URL


def wait_for(condition, timeout=30.0):
    """Poll `condition` until it holds; on SQLite a read that meets the worker's write lock ("database table is
    locked") is simply asked again at the next poll."""
    from django.db import OperationalError

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
        time.sleep(0.1)
    return False


@pytest.fixture(scope="session")
def broker():
    """The embedded Redis of the test var dir, when it is the configured broker (nothing runs before the tests)."""
    server = embedded_redis.start(settings.VAR_DIR) if EMBEDDED else None
    yield
    embedded_redis.stop(server)


@pytest.fixture
def real_worker(broker, demo_db):
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
    assert app.conf.beat_scheduler == "portal.core.beat:SingleBeatScheduler"
    assert app.conf.task_acks_late is True


@pytest.mark.django_db
def test_heartbeat_is_safe_to_run_twice():
    heartbeat.apply()
    heartbeat.apply()
    assert Heartbeat.objects.get(name="worker").runs == 2


@pytest.mark.celery_worker
def test_a_task_sent_while_no_worker_runs_waits_in_the_broker_and_runs_once(broker, demo_db):
    app.conf.task_always_eager = False
    try:
        probe.delay("probe-queued")  # no worker yet: the message waits in the broker
        time.sleep(0.5)
        assert not Heartbeat.objects.filter(name="probe-queued").exists()
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            assert wait_for(lambda: Heartbeat.objects.filter(name="probe-queued").exists())
            time.sleep(0.5)
    finally:
        app.conf.task_always_eager = True
    assert Heartbeat.objects.get(name="probe-queued").runs == 1


def test_the_default_broker_is_the_embedded_redis():
    if "CELERY_BROKER_URL" in os.environ:
        pytest.skip("CELERY_BROKER_URL is set: this run uses a shared broker")
    assert EMBEDDED
    assert settings.CELERY_BROKER_URL.startswith("redis+socket://")
    assert embedded_redis.socket_path(settings.VAR_DIR).is_relative_to(settings.VAR_DIR)
    # a task a killed worker had taken comes back, but never while it may still be running
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > settings.CELERY_TASK_TIME_LIMIT


def test_a_queued_task_survives_the_embedded_redis_being_killed(tmp_path):
    """Every write is appended and fsynced: a server killed with SIGKILL (then restarted, as supervisor does)
    still holds the queued task message."""
    var = tmp_path / "v"
    server = embedded_redis.start(var)
    app.conf.task_always_eager = False
    try:
        with Connection(embedded_redis.broker_url(var)) as conn:
            probe.apply_async(("probe-durable",), connection=conn, queue="default", routing_key="default")
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
        assert not embedded_redis.answers(var)
        server = embedded_redis.start(var)
        client = redis.Redis(unix_socket_path=str(embedded_redis.socket_path(var)))
        (raw,) = client.lrange("default", 0, -1)
        message = json.loads(raw)
        assert message["headers"]["task"] == "core.probe"
        assert message["headers"]["argsrepr"] == "('probe-durable',)"
    finally:
        app.conf.task_always_eager = True
        embedded_redis.stop(server)


@pytest.mark.django_db
def test_the_probe_counts_each_delivery():
    probe.apply(("probe-twice",))
    probe.apply(("probe-twice",))
    assert Heartbeat.objects.get(name="probe-twice").runs == 2


def test_the_deadline_scan_interval_comes_from_the_settings():
    assert PERIODIC_TASKS["deadline scan"]["every"] == settings.DEADLINE_SCAN_SECONDS


def probe_runs(key: str) -> int:
    return Heartbeat.objects.filter(name=key).values_list("runs", flat=True).first() or 0


@pytest.mark.celery_worker
def test_a_task_the_broker_lost_is_sent_again_by_the_ledger_and_a_second_delivery_is_skipped(broker, demo_db):
    """What bench/soak.py saw once in 440: a message handed to a worker at the instant it was killed is gone from
    the broker. The ledger still has the task as sent; its sweep sends it again, and it runs exactly once."""
    app.conf.task_always_eager = False
    try:
        sent = probe.delay("probe-lost")
        record = TaskRecord.objects.get(pk=sent.id)
        assert (record.name, record.args, record.state, record.queue) == ("core.probe", ["probe-lost"], "sent",
                                                                          "default")
        with app.connection_for_write() as conn:
            assert conn.default_channel.queue_purge("default") >= 1  # the broker loses it
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            time.sleep(1)
            assert probe_runs("probe-lost") == 0
            assert sweep(now=timezone.now())["resent"] == 0  # not yet: it may still be on its way
            assert sweep(now=timezone.now() + timedelta(minutes=3))["resent"] == 1
            assert wait_for(lambda: probe_runs("probe-lost") == 1)
            probe.apply_async(("probe-lost",), task_id=sent.id)  # delivered again, as after a worker restart
            assert wait_for(lambda: TaskRecord.objects.get(pk=sent.id).deliveries == 2)
            time.sleep(0.3)
    finally:
        app.conf.task_always_eager = True
    record.refresh_from_db()
    assert probe_runs("probe-lost") == 1
    assert (record.state, record.resends, record.deliveries) == (TaskState.DONE, 1, 2)
    assert record.started_at and record.finished_at >= record.started_at


@pytest.mark.django_db
def test_the_ledger_gives_up_after_its_re_sends_and_forgets_finished_tasks(settings):
    now = timezone.now()
    settings.TASK_LEDGER_MAX_RESENDS = 2
    TaskRecord.objects.create(task_id="gone", name="core.probe", args=["x"], sent_at=now, due_at=now, resends=2)
    TaskRecord.objects.create(task_id="old", name="core.probe", sent_at=now - timedelta(days=30),
                              due_at=now - timedelta(days=30), state=TaskState.DONE,
                              finished_at=now - timedelta(days=8))
    TaskRecord.objects.create(task_id="recent", name="core.probe", sent_at=now, due_at=now, state=TaskState.DONE,
                              finished_at=now)
    assert sweep(now=now + timedelta(hours=1)) == {"resent": 0, "lost": 1, "pruned": 1}
    assert dict(TaskRecord.objects.values_list("task_id", "state")) == {"gone": "lost", "recent": "done"}
    assert figures()["lost"] == 1


@pytest.mark.django_db
def test_a_claimed_task_is_not_claimed_again_until_its_lease_runs_out(settings):
    now = timezone.now()
    TaskRecord.objects.create(task_id="t1", name="core.probe", sent_at=now, due_at=now)
    assert claim("t1") is True
    assert claim("t1") is False  # a second delivery while it runs
    TaskRecord.objects.filter(pk="t1").update(started_at=now - timedelta(seconds=lease_seconds() + 1))
    assert claim("t1") is True  # its worker died mid-run: the redelivery runs it
    assert claim("unknown") is True  # sent before the ledger, or in a transaction not committed
    assert TaskRecord.objects.get(pk="t1").deliveries == 3


@pytest.mark.celery_worker
def test_a_second_beat_sends_nothing_while_the_first_holds_the_lock_and_takes_over_when_it_stops(
        broker, transactional_db):
    """Two schedulers as two `celery beat` processes would run them (each its own broker connection and lock
    token), ticking alternately 100 times against a task due every second: one sends, the other never."""
    from celery import signals
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from portal.core.beat import LOCK_KEY, SingleBeatScheduler

    every_second = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="beat lock probe", task="core.probe", args='["beat-lock"]',
                                interval=every_second)
    sends = {"first": 0, "second": 0}
    ticking = {"by": None}

    def count(sender=None, **kwargs):
        if sender == "core.probe":
            sends[ticking["by"]] += 1

    signals.before_task_publish.connect(count)
    app.conf.task_always_eager = False
    first, second = SingleBeatScheduler(app=app, lazy=False), SingleBeatScheduler(app=app, lazy=False)
    try:
        first.hold_lock()  # the first started first
        started = time.monotonic()
        for _ in range(100):
            for name, scheduler in (("first", first), ("second", second)):
                ticking["by"] = name
                scheduler.tick()
            time.sleep(0.1)
        elapsed = time.monotonic() - started
        assert sends["second"] == 0
        assert elapsed - 2 <= sends["first"] <= elapsed + 2  # about one a second: not two
        assert first.holding and not second.holding

        first.close()  # the first beat stops: the second takes over at its next tick
        before = sends["first"]
        started = time.monotonic()
        for _ in range(30):
            ticking["by"] = "second"
            second.tick()
            time.sleep(0.1)
        elapsed = time.monotonic() - started
        assert second.holding and sends["first"] == before
        assert 1 <= sends["second"] <= elapsed + 2  # picked up where the first left off, no burst of catch-up
    finally:
        signals.before_task_publish.disconnect(count)
        app.conf.task_always_eager = True
        second.close()
        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge("default")
            conn.default_channel.client.delete(LOCK_KEY)


@pytest.mark.django_db
def test_the_status_page_shows_the_task_queue_from_the_ledger(en, staff, client_for, contractor):
    now = timezone.now()
    TaskRecord.objects.create(task_id="w1", name="core.probe", sent_at=now, due_at=now - timedelta(seconds=90))
    TaskRecord.objects.create(task_id="w2", name="core.probe", sent_at=now, due_at=now)
    TaskRecord.objects.create(task_id="r1", name="core.probe", sent_at=now, due_at=now, state=TaskState.STARTED)
    TaskRecord.objects.create(task_id="l1", name="core.probe", sent_at=now, due_at=now, state=TaskState.LOST)
    TaskRecord.objects.create(task_id="d1", name="core.probe", sent_at=now, due_at=now, state=TaskState.DONE)
    html = en(staff).get("/status/").content.decode()
    card = html.split('data-testid="task-ledger"', 1)[1].split("</section>", 1)[0]
    assert '<dd data-testid="ledger-waiting">2（oldest 9' in card  # 90 s and counting
    assert '<dd data-testid="ledger-running">1</dd>' in card
    assert 'data-testid="ledger-lost" class="bad">1</dd>' in card
    assert client_for(contractor).get("/status/").status_code == 403
