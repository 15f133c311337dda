"""Login throttling and rate limits, the password policy, session limits, the security log, security headers
(Content-Security-Policy and the others), and production settings. Uploads: tests/test_uploads_security.py."""

import json
import os
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import override

from portal.audit.models import SecurityEvent
from portal.core.demo import DEMO_PASSWORD
from portal.core.middleware import SESSION_STARTED_KEY
from projects.models import Project

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
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "wrong-password").status_code == 200  # the form again, with its error
    assert login(client, "wrong-password").status_code == 429  # the 5th failure locks the name
    locked = login(client, DEMO_PASSWORD)  # the 6th attempt is refused, even with the right password
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "账号已被临时锁定" in page and "登录失败次数过多。请在 15 分钟后重试" in page
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


def _session_row(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def _age_session(client, expire_date) -> None:
    """Time passing for a session: its row expires at `expire_date`, and a copy read through the cache
    (SESSION_CACHED, whose entry lives exactly as long as the session) is gone."""
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=expire_date)
    store = client.session
    if hasattr(store, "cache_key"):
        store._cache.delete(store.cache_key)


def test_session_idles_out_after_30_minutes_and_renews_on_activity(client_for, staff):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    client = client_for(staff)
    assert client.get("/").status_code == 200
    # 29 idle minutes: one minute left; a request renews the whole idle limit.
    _age_session(client, timezone.now() + timedelta(minutes=1))
    assert client.get("/").status_code == 200
    left = _session_row(client).expire_date - timezone.now()
    assert timedelta(minutes=29) < left <= timedelta(minutes=30)
    # 30 idle minutes: the session is over.
    _age_session(client, timezone.now() - timedelta(seconds=1))
    response = client.get("/projects/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_session_ends_12_hours_after_login_whatever_the_activity(client_for, staff):
    client = client_for(staff)
    assert client.get("/").status_code == 200
    session = client.session
    session[SESSION_STARTED_KEY] = time.time() - 12 * 3600 - 1
    session.save()
    response = client.get("/projects/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get("/").status_code == 302


def test_the_absolute_limit_ends_an_api_session_too(client_for, staff):
    client = client_for(staff)
    assert client.get("/api/v1/ping/").status_code == 200
    session = client.session
    session[SESSION_STARTED_KEY] = time.time() - settings.SESSION_ABSOLUTE_MAX_AGE - 1
    session.save()
    assert client.get("/api/v1/ping/").status_code in (401, 403)
    assert "_auth_user_id" not in client.session


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


def test_the_lockout_page_states_the_configured_cool_off(client, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=40)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "wrong-password")
    assert "请在 40 分钟后重试" in login(client, DEMO_PASSWORD).content.decode()


# ------------------------------------------------------------------------------------------------ passwords
@pytest.mark.parametrize(("password", "message"), [
    ("Kp7#x2", "密码长度太短。密码必须包含至少 10 个字符。"),
    ("password123", "这个密码太常见了。"),
    ("4829301756", "密码只包含数字。"),
    ("staff@keyprojects", "密码跟 电子邮件地址 太相似了。"),
], ids=["short", "common", "numeric", "like-email"])
def test_a_weak_password_is_refused_with_a_chinese_message(client_for, staff, password, message):
    response = client_for(staff).post("/accounts/password/", {
        "old_password": DEMO_PASSWORD, "new_password1": password, "new_password2": password})
    assert response.status_code == 200  # the form again
    assert message in response.content.decode()
    staff.refresh_from_db()
    assert staff.check_password(DEMO_PASSWORD)


def test_a_strong_password_passes_the_same_validators(staff):
    validate_password("Qiantang-river-2026-bridge", user=staff)  # no exception
    with override("zh-hans"), pytest.raises(ValidationError) as refused:
        validate_password("123456789", user=staff)
    assert "密码只包含数字。" in refused.value.messages


SECURITY_ENV = {"PASSWORD_MIN_LENGTH": "14", "AXES_FAILURE_LIMIT": "3", "AXES_COOLOFF_MINUTES": "60",
                "SESSION_IDLE_SECONDS": "600", "SESSION_ABSOLUTE_SECONDS": "3600", "LOGIN_RATE": "5/min",
                "AUTH_TOKEN_RATE": "7/hour", "UPLOAD_MAX_BYTES": "1048576", "PORTAL_PROXY_COUNT": "1",
                "MAP_TILE_URL": "https://t{s}.tiles.example.gov.cn/vec/{z}/{x}/{y}.png"}


def test_the_security_settings_come_from_the_environment(tmp_path):
    script = """
import json
from django.conf import settings
min_length = [v["OPTIONS"]["min_length"] for v in settings.AUTH_PASSWORD_VALIDATORS if "OPTIONS" in v]
print(json.dumps([min_length, settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME.total_seconds(),
                  settings.SESSION_COOKIE_AGE, settings.SESSION_ABSOLUTE_MAX_AGE, settings.LOGIN_RATE,
                  settings.AUTH_TOKEN_RATE, settings.UPLOAD_MAX_BYTES, settings.PORTAL_PROXY_COUNT,
                  settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]]))
"""
    env = {**os.environ, **SECURITY_ENV, "DJANGO_SETTINGS_MODULE": "portal.settings.base",
           "PORTAL_VAR_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,  # noqa: S603
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [[14], 3, 3600.0, 600, 3600, "5/min", "7/hour", 1048576, 1,
                                         ["'self'", "data:", "blob:", "https://*.tiles.example.gov.cn"]]


# ------------------------------------------------------------------------------------------------ rate limits
@pytest.fixture
def fresh_counts():
    cache.clear()  # the limits count in the default cache
    yield
    cache.clear()


def test_login_posts_are_limited_per_address_with_a_chinese_429(client, settings, fresh_counts):
    settings.LOGIN_RATE = "3/min"
    for _ in range(3):
        assert login(client, "wrong-password", username="nobody").status_code == 200
    refused = login(client, DEMO_PASSWORD)  # right password, but over the rate: not even checked
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "您所在地址的尝试次数过多，请在" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address may still log in; the page itself (GET) is never limited.
    other = client.post("/accounts/login/", {"username": "contractor", "password": DEMO_PASSWORD},
                        REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 302
    assert client.get("/accounts/login/", REMOTE_ADDR="10.1.2.3").status_code in (200, 302)


def test_a_forged_forwarded_for_does_not_escape_the_login_limit(client, settings, fresh_counts):
    settings.LOGIN_RATE = "2/min"
    for i in range(2):
        client.post("/accounts/login/", {"username": "nobody", "password": "x"}, REMOTE_ADDR="10.1.2.3",
                    HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    forged = client.post("/accounts/login/", {"username": "nobody", "password": "x"}, REMOTE_ADDR="10.1.2.3",
                         HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert forged.status_code == 429


def test_behind_a_proxy_the_limit_counts_the_address_the_proxy_saw(client, settings, fresh_counts):
    settings.LOGIN_RATE = "2/min"
    settings.PORTAL_PROXY_COUNT = 1
    for _ in range(2):  # one office, through the bureau's reverse proxy 10.0.0.1
        client.post("/accounts/login/", {"username": "nobody", "password": "x"}, REMOTE_ADDR="10.0.0.1",
                    HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert client.post("/accounts/login/", {"username": "nobody", "password": "x"}, REMOTE_ADDR="10.0.0.1",
                       HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 429
    # Another office through the same proxy is counted on its own.
    assert client.post("/accounts/login/", {"username": "nobody", "password": "x"}, REMOTE_ADDR="10.0.0.1",
                       HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 200


def test_the_token_endpoint_is_limited_per_address_with_a_chinese_429(client, settings, fresh_counts):
    settings.AUTH_TOKEN_RATE = "2/min"
    body = {"username": "contractor", "password": DEMO_PASSWORD}
    for _ in range(2):
        ok = client.post("/api/v1/auth/token/", body, REMOTE_ADDR="10.4.4.4")
        assert ok.status_code == 200 and ok.json()["token"]
    refused = client.post("/api/v1/auth/token/", body, REMOTE_ADDR="10.4.4.4")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    error = refused.json()["error"]
    assert error["code"] == "throttled" and error["message"].startswith("您所在地址的尝试次数过多，请在")
    assert client.post("/api/v1/auth/token/", body, REMOTE_ADDR="10.5.5.5").status_code == 200


# ------------------------------------------------------------------------------------------------ headers
def _assert_security_headers(response) -> dict[str, str]:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]
    policy = dict(d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'self'" and policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'" and policy["style-src-attr"] == "'unsafe-inline'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self'" and policy["base-uri"] == "'self'"
    return policy


def test_a_page_and_an_api_answer_carry_the_security_headers(client_for, staff, client):
    _assert_security_headers(client_for(staff).get("/"))
    _assert_security_headers(client_for(staff).get("/api/v1/ping/"))
    _assert_security_headers(client.get("/accounts/login/"))  # anonymous too
    _assert_security_headers(client.get("/api/v1/ping/"))  # and a refusal


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I)


def test_no_template_has_an_inline_script_handler_or_javascript_url():
    offenders = []
    for template in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in template.parts or "tests" in template.parts:
            continue
        text = template.read_text()
        if template.name == "permit.html":  # rendered to PDF by WeasyPrint, never served as a page
            continue
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER, re.compile(r"javascript:", re.I), re.compile(r"<style", re.I)):
            offenders += [f"{template.relative_to(ROOT)}: {m.group(0)}" for m in pattern.finditer(text)]
    assert offenders == []


def test_pages_render_without_inline_scripts(client_for, staff, admin_user, client):
    project = Project.objects.order_by("pk").first()
    for url in ("/", "/projects/", f"/projects/{project.pk}/", f"/projects/{project.pk}/schedule/gantt/",
                "/projects/map/", "/no-such-page/"):
        html = client_for(staff).get(url).content.decode()
        assert not INLINE_SCRIPT.search(html) and not INLINE_HANDLER.search(html), url
    for url in ("/admin/", "/admin/projects/project/", f"/admin/projects/project/{project.pk}/change/"):
        response = client_for(admin_user).get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not INLINE_SCRIPT.search(html) and not INLINE_HANDLER.search(html), url
    assert not INLINE_SCRIPT.search(client.get("/accounts/login/").content.decode())


def test_the_api_docs_work_under_the_policy_offline(client_for, staff):
    client = client_for(staff)
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    _assert_security_headers(page)
    assert not INLINE_SCRIPT.search(html) and "<style" not in html
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts and all(src.startswith("/") for src in scripts)  # the sidecar's files: no CDN
    init = client.get(scripts[-1])
    assert init.status_code == 200 and init["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in init.content.decode()
