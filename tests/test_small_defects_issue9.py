"""Issue 9, defect 8: /status/ speaks Chinese and does not lag its own heading; the admin shows roles by their
labels; e-mailed links follow the port (or the configured address) the portal runs at; map geometry types and
Leaflet's zoom buttons are named in the page's language."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test import override_settings
from django.utils import timezone, translation
from django.utils.translation import pgettext
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from portal.accounts.models import Role
from portal.celery import app
from portal.core.models import Heartbeat
from portal.core.schedule import PERIODIC_TASKS, every_in_words, schedule_in_words, task_label
from portal.notifications.services import absolute_url, notify
from projects.gis import geojson, selectors

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------------------------------------ /status/
def test_every_declared_periodic_task_has_a_label_and_its_interval_in_words():
    for name in PERIODIC_TASKS:
        assert task_label(name) != name, f"the periodic task {name!r} declares no label"
    assert task_label("a task added in the admin") == "a task added in the admin"
    with translation.override("en"):
        assert every_in_words(60) == "Every minute"
        assert every_in_words(15 * 60) == "Every 15 minutes"
        assert every_in_words(3600) == "Every hour"
        assert every_in_words(86400) == "Every day"
        assert every_in_words(2 * 86400) == "Every 2 days"
        assert every_in_words(90) == "Every 90 seconds"


def test_status_page_shows_labels_intervals_in_words_and_no_raw_cron_line(en, staff):
    cron, _ = CrontabSchedule.objects.get_or_create(minute="30", hour="2", day_of_week="*", day_of_month="*",
                                                    month_of_year="*", timezone="Asia/Shanghai")
    PeriodicTask.objects.create(name="nightly export", task="core.heartbeat", crontab=cron, enabled=False)
    html = en(staff).get("/status/").content.decode()
    with translation.override("en"):
        for name in PERIODIC_TASKS:
            assert f"<td>{task_label(name)}</td>" in html
    assert "Every minute" in html and "Every day" in html  # the heartbeat, the daily reminders
    assert "(m/h/dM/MY/d)" not in html and "every 60 seconds" not in html
    assert "At 02:30" in html  # the crontab described, not its line

    # A Chinese page describes a crontab in Chinese (cron-descriptor's own catalogue).
    with translation.override("zh-hans"):
        assert "02:30" in schedule_in_words(PeriodicTask.objects.get(name="nightly export"))
        assert "At" not in schedule_in_words(PeriodicTask.objects.get(name="nightly export"))


def test_the_heartbeat_row_counts_what_the_heading_counts(en, staff):
    """The scheduler writes its counts later than the worker's heartbeat; the row shows the heartbeat's own."""
    PeriodicTask.objects.filter(task="core.heartbeat").update(total_run_count=3, last_run_at=None)
    Heartbeat.objects.create(name="worker", last_run_at=timezone.now(), runs=7, last_worker="w1")
    html = en(staff).get("/status/").content.decode()
    row = html.split('data-name="portal heartbeat"', 1)[1].split("</tr>", 1)[0]
    assert '<td data-testid="task-runs">7</td>' in row
    heading = html.split('data-testid="heartbeat"', 1)[1].split("</p>", 1)[0]
    assert "7 runs" in heading and "w1" in heading, heading
    # …and the scheduler writes every other task's figures after each task it sends, not every 3 minutes.
    assert settings.CELERY_BEAT_SYNC_EVERY == 1 and app.conf.beat_sync_every == 1


def test_status_page_stays_refused_to_others(client_for, contractor_org):
    person = contractor_org.members.first()
    assert client_for(person).get("/status/").status_code == 403


# ---------------------------------------------------------------------------------------------- the admin
def test_admin_shows_roles_by_label_not_group_code(en, admin_user, staff):
    client = en(admin_user)
    with translation.override("en"):
        label = str(Role.BUREAU_STAFF.label)
    changelist = client.get("/admin/accounts/user/").content.decode()
    assert f"<td class=\"field-roles\">{label}" in changelist
    assert "?role=bureau_staff" in changelist and f">{label}</a>" in changelist  # the filter, by label
    assert ">bureau_staff<" not in changelist
    filtered = client.get("/admin/accounts/user/?role=bureau_staff").content.decode()
    assert staff.username in filtered and "contractor1" not in filtered

    change = client.get(f"/admin/accounts/user/{staff.pk}/change/").content.decode()
    assert f">{label}</option>" in change and ">bureau_staff</option>" not in change
    org_group = staff.organization.group
    assert f">Organisation: {staff.organization.name}</option>" in change and f">{org_group.name}</option>" not in change

    groups = client.get("/admin/auth/group/").content.decode()
    assert f"<td class=\"field-label\">{label}</td>" in groups


def test_saving_a_user_in_the_admin_keeps_roles_and_organisation_group(client_for, admin_user, staff):
    """The relabelled group field still posts group ids: nothing about membership changes."""
    before = set(staff.groups.values_list("name", flat=True))
    data = {
        "username": staff.username, "full_name": staff.full_name, "email": staff.email, "phone": staff.phone,
        "title": staff.title, "organization": staff.organization_id, "is_org_head": "on" if staff.is_org_head else "",
        "email_notifications": "on", "is_active": "on", "is_staff": "on" if staff.is_staff else "",
        "groups": list(staff.groups.values_list("pk", flat=True)),
        "last_login_0": "", "last_login_1": "", "date_joined_0": "2024-01-01", "date_joined_1": "08:00:00",
    }
    data = {k: v for k, v in data.items() if v not in ("", None)}
    response = client_for(admin_user).post(f"/admin/accounts/user/{staff.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert set(staff.groups.values_list("name", flat=True)) == before


# ------------------------------------------------------------------------------------- e-mailed links
def test_emailed_link_uses_the_configured_address(django_capture_on_commit_callbacks, staff):
    with override_settings(PORTAL_BASE_URL="http://portal.test:8123/"), \
            django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[staff], event_key="issue9:link", title="新问题已分派", url="/projects/12/")
    assert "http://portal.test:8123/projects/12/" in mail.outbox[0].body
    assert ":8000" not in mail.outbox[0].body


@override_settings(PORTAL_BASE_URL="https://gov.example.cn/portal")
def test_absolute_url_keeps_a_path_prefix_and_leaves_absolute_links():
    assert absolute_url("/approvals/3/") == "https://gov.example.cn/portal/approvals/3/"
    assert absolute_url("https://elsewhere.example.cn/x") == "https://elsewhere.example.cn/x"
    assert absolute_url("") == ""


@pytest.mark.parametrize(("env", "expected"), [
    ({"PORT": "8765"}, "http://127.0.0.1:8765"),
    ({"PORT": "8765", "SITE_URL": "https://site.example.cn"}, "https://site.example.cn"),
    ({"PORT": "8765", "SITE_URL": "https://site.example.cn", "PORTAL_BASE_URL": "https://base.example.cn"},
     "https://base.example.cn"),
    ({}, "http://127.0.0.1:8000"),
])
def test_the_base_url_follows_the_port_the_portal_was_started_on(env, expected):
    environment = {k: v for k, v in os.environ.items() if k not in ("PORT", "SITE_URL", "PORTAL_BASE_URL")}
    environment.update(env, DJANGO_SETTINGS_MODULE="portal.settings.test")
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
                               "print(settings.PORTAL_BASE_URL)"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120, check=True,
    )
    assert out.stdout.strip().splitlines()[-1] == expected


# ------------------------------------------------------------------------------------------------- maps
def test_geometry_types_are_named_in_the_readers_language():
    line = {"type": "LineString", "coordinates": [[120, 30], [120.1, 30.1]]}
    mixed = {"type": "GeometryCollection", "geometries": [line, {"type": "Point", "coordinates": [120, 30]}]}
    with translation.override("en"):
        assert geojson.summary(line) == "LineString, 2 positions"  # the English page keeps the GeoJSON names
    with translation.override("zh-hans"):
        assert geojson.type_label("LineString") == pgettext("geometry type", "LineString")
        assert geojson.summary(line).startswith(pgettext("geometry type", "LineString"))
        assert geojson.summary(mixed).startswith(
            f"{pgettext('geometry type', 'GeometryCollection')} ({pgettext('geometry type', 'LineString')}, "
            f"{pgettext('geometry type', 'Point')})")


def test_the_map_configuration_names_the_zoom_buttons():
    with translation.override("en"):
        labels = selectors.map_config()["labels"]
    assert labels["zoom_in"] == "Zoom in" and labels["zoom_out"] == "Zoom out"
    # the buttons' titles in a real page: tests/browser/test_accessibility.py::test_every_tab_of_a_project
