"""Faults of the ingestion path, on PostgreSQL where they happen: two gateways (or a gateway and its retry) sending
the same batch at once store it once and open one alert; a process killed in the middle of a batch leaves none of
it, and the retry stores all of it once."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, connections
from django.utils import timezone

from portal.accounts.models import User
from supervision.models import Alert, Reading, Rollup
from supervision.sites import ingest
from supervision.sites.ingest import Row

from .sites_helpers import local, minutes, project, register

pytestmark = [pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and a second process "
                                                                           "need a real server: PostgreSQL only"),
              pytest.mark.usefixtures("demo_db")]

ROOT = Path(__file__).resolve().parents[2]


def rows_of(device, token, points, metric):
    return [Row(i, device.serial, token, ts.isoformat(), metric, value) for i, (ts, value) in enumerate(points)]


def test_the_same_batch_sent_twice_at_once_is_stored_once():
    staff = User.objects.get(username="staff")
    site = project()
    device, token = register(staff, site, "noise", "NS-RACE")
    rows = rows_of(device, token, minutes(local(-1, 9), 300, 75.0), "leq")
    barrier = threading.Barrier(2)
    results = []

    errors = []

    def run():
        try:
            barrier.wait()
            results.append(ingest.ingest(site.pk, rows))
        except Exception as error:  # noqa: BLE001 — reported by the assertion below
            errors.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(r.accepted for r in results) == [0, 300]
    assert sorted(r.duplicates for r in results) == [0, 300]
    assert Reading.objects.filter(device_id=device.pk).count() == 300
    assert sum(r.count for r in Rollup.objects.filter(device_id=device.pk, period="day")) == 300
    (alert,) = Alert.objects.filter(device_id=device.pk)
    assert alert.count == 300


KILLER = """
import os, sys
import django
django.setup()
from supervision.sites import ingest
from supervision.sites.ingest import Row

def die(*args, **kwargs):
    os._exit(9)  # the process is killed after the readings were written, before the transaction commits

ingest._write_rollups = die
rows = [Row(i, sys.argv[2], sys.argv[3], ts, "leq", 75.0) for i, ts in enumerate(sys.argv[4].split(","))]
ingest.ingest(int(sys.argv[1]), rows)
"""


def test_a_process_killed_mid_batch_leaves_nothing_and_the_retry_stores_it_once():
    staff = User.objects.get(username="staff")
    site = project()
    device, token = register(staff, site, "noise", "NS-KILL")
    points = minutes(local(-1, 9), 120, 75.0)
    stamps = ",".join(ts.isoformat() for ts, _v in points)
    db = connection.settings_dict  # the child process works on this test database
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test",
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", KILLER, str(site.pk), device.serial, token, stamps], cwd=ROOT,  # noqa: S603
                          env=env, capture_output=True, timeout=120)
    assert done.returncode == 9, done.stderr.decode()[-2000:]
    assert time.monotonic() - started < 120
    assert not Reading.objects.filter(device_id=device.pk).exists()
    assert not Alert.objects.filter(device_id=device.pk).exists()
    result = ingest.ingest(site.pk, rows_of(device, token, points, "leq"), now=timezone.now())
    assert result.accepted == 120 and result.duplicates == 0
    assert Reading.objects.filter(device_id=device.pk).count() == 120
    assert Alert.objects.get(device_id=device.pk).count == 120
