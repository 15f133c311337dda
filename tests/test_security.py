"""Login throttling, session limits, the security log, and production settings."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings

from portal.audit.models import SecurityEvent
from portal.core.demo import DEMO_PASSWORD
from portal.core.middleware import SESSION_STARTED_KEY

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def login(client, password, username="contractor"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR="10.1.2.3")


def test_login_and_failed_login_are_logged(client):
    login(client, "wrong-password")
    failed = SecurityEvent.objects.filter(kind="login_failed").latest("created_at")
    assert (failed.username, failed.ip_address, failed.path) == ("contractor", "10.1.2.3", "/accounts/login/")
    response = login(client, DEMO_PASSWORD)
    assert response.status_code == 302
    ok = SecurityEvent.objects.filter(kind="login").latest("created_at")
    assert ok.user.username == "contractor" and ok.ip_address == "10.1.2.3"


def test_five_failures_lock_the_account_until_reset(client):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "wrong-password")
    locked = login(client, DEMO_PASSWORD)
    assert locked.status_code == 429
    assert SecurityEvent.objects.filter(kind="locked_out", username="contractor").exists()
    assert "_auth_user_id" not in client.session

    reset(username="contractor")  # what the admin's "reset" and `axes_reset_username` do
    assert login(client, DEMO_PASSWORD).status_code == 302


def test_lockout_is_lifted_by_time(client):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "wrong-password")
    assert login(client, DEMO_PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.first().attempt_time - settings.AXES_COOLOFF_TIME * 2)
    assert login(client, DEMO_PASSWORD).status_code == 302


def test_session_idles_out_after_30_minutes_and_renews_on_activity(client_for, staff):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    client = client_for(staff)
    client.get("/")
    first = client.session.get_expiry_date()
    client.get("/")
    assert client.session.get_expiry_date() >= first
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_session_ends_12_hours_after_login_whatever_the_activity(client_for, staff):
    client = client_for(staff)
    assert client.get("/").status_code == 200
    session = client.session
    session[SESSION_STARTED_KEY] = time.time() - 12 * 3600 - 1
    session.save()
    response = client.get("/projects/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/").status_code == 302


def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.production",
           "SECRET_KEY": "x7$kq!2mZp9@Lw4#Rt8^Yv1&Nb6*Hc3(Jd5)Fg0-Se+Ua=Xi_Ko",
           "ALLOWED_HOSTS": "portal.example.gov.cn", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
           "PORTAL_VAR_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update({"DJANGO_SETTINGS_MODULE": "portal.settings.production", "ALLOWED_HOSTS": "x",
                "PORTAL_VAR_DIR": str(tmp_path)})
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
