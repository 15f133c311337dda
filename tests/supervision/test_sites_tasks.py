"""The smart site's Celery tasks, run as tasks: an alarm tells the leaders and raises a hazard when its rule says
so (crane, excavation), once however often the task runs; the sweep; the readings' day partitions created ahead
and dropped past the retention period (PostgreSQL), old rows deleted on SQLite."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from portal.notifications.models import Notification
from supervision.models import Alert, Hazard, Reading
from supervision.sites import partitions, services, tasks

from .sites_helpers import local, minutes, project, register, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    return project()


def test_a_crane_alarm_notifies_the_leaders_and_raises_a_hazard_by_rule(staff, leader, site,
                                                                           django_capture_on_commit_callbacks):
    device, token = register(staff, site, "crane", "TC-09", rated_capacity=1000.0)
    with django_capture_on_commit_callbacks(execute=True):
        send(site, device, token, [(local(-1, 9), 1050.0)], "load_moment")
    (alert,) = Alert.objects.filter(device_id=device.pk)
    assert alert.level == "alarm" and alert.hazard is not None
    hazard = alert.hazard
    assert hazard.source == "smart-site" and hazard.responsible_id == device.responsible_id
    assert hazard.project_id == site.pk and hazard.found_by.username == "smart-site"
    assert Notification.objects.filter(recipient=leader, event_key=f"site-alarm:{alert.pk}").count() == 1
    # the task run again (a retry) tells nobody twice and raises no second hazard
    tasks.alerts_raised.delay([alert.pk])
    assert Notification.objects.filter(recipient=leader, event_key=f"site-alarm:{alert.pk}").count() == 1
    assert Hazard.objects.filter(site_alerts=alert).count() == 1


def test_a_noise_alarm_notifies_without_raising_a_hazard_and_one_click_raises_it(staff, leader, site,
                                                                                  django_capture_on_commit_callbacks):
    device, token = register(staff, site, "noise", "NS-09")
    with django_capture_on_commit_callbacks(execute=True):
        send(site, device, token, minutes(local(-1, 23), 2, 62), "leq")
    (alert,) = Alert.objects.filter(device_id=device.pk)
    assert alert.hazard is None
    assert Notification.objects.filter(recipient=leader, event_key=f"site-alarm:{alert.pk}").exists()
    services.alert_raise_hazard(actor=staff, alert=alert, version=alert.version)
    alert.refresh_from_db()
    assert alert.hazard.found_by == staff and alert.hazard.source == "smart-site"
    from portal.core.errors import ApplicationError

    with pytest.raises(ApplicationError) as twice:
        services.alert_raise_hazard(actor=staff, alert=alert)
    assert twice.value.http_status == 409


def test_a_warning_raises_no_hazard(staff, site):
    device, token = register(staff, site, "noise", "NS-10")
    send(site, device, token, minutes(local(-1, 10), 2, 66), "leq")
    (alert,) = Alert.objects.filter(device_id=device.pk)
    from portal.core.errors import ApplicationError

    with pytest.raises(ApplicationError) as refused:
        services.alert_raise_hazard(actor=staff, alert=alert)
    assert "level" in refused.value.extra and alert.hazard_id is None


def test_the_sweep_task(staff, site):
    services.rule_set(actor=staff, key="dust.pm10.15min", project=site, allowed_per_day=0)
    device, token = register(staff, site, "dust", "PM-09")
    send(site, device, token, minutes(timezone.now().replace(second=0, microsecond=0)
                                      - datetime.timedelta(minutes=40), 5, 150), "pm10")
    result = tasks.sweep.delay().get()
    assert result["windows"] >= 1
    assert Alert.objects.filter(device_id=device.pk, rule_key="dust.pm10.15min").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="declarative partitioning is PostgreSQL's")
def test_partitions_are_made_ahead_and_old_ones_dropped_whole(staff, site, settings):
    today = timezone.now().astimezone(datetime.UTC).date()
    old = today - datetime.timedelta(days=settings.SITE_READING_RETENTION_DAYS + 3)
    partitions.ensure(old, old)
    assert old in partitions.existing()
    with connection.cursor() as cursor:  # a reading in the old partition (older than ingestion accepts)
        cursor.execute("INSERT INTO supervision_reading VALUES (%s, %s, 1, 5.0)",
                       [1, datetime.datetime.combine(old, datetime.time(12), datetime.UTC)])
    result = tasks.maintain_partitions.delay().get()
    days = partitions.existing()
    assert old not in days and partitions.name_of(old) in result["dropped"]
    assert today + datetime.timedelta(days=settings.SITE_PARTITIONS_AHEAD_DAYS) in days
    assert result["deleted"] == 0  # dropped as a table, not deleted row by row
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = 'supervision_reading'")
        assert cursor.fetchone()[0] == "p"  # partitioned


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite keeps a plain table")
def test_on_sqlite_old_readings_are_deleted(staff, site, settings):
    device, _token = register(staff, site, "dust", "PM-08")
    old = timezone.now() - datetime.timedelta(days=settings.SITE_READING_RETENTION_DAYS + 2)
    Reading.objects.create(device_id=device.pk, ts=old, metric=1, value=3.0)
    Reading.objects.create(device_id=device.pk, ts=timezone.now(), metric=1, value=3.0)
    assert tasks.maintain_partitions.delay().get()["deleted"] == 1
    assert Reading.objects.filter(device_id=device.pk).count() == 1
