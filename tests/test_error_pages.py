"""Issue 9, defect 4: the demo runs with DEBUG off, so a missing or forbidden page is the portal's own 404/403 page,
Chinese first, with a way back (home, and the page the user came from) — never Django's technical page — and the
static files are still served (WhiteNoise from the finders: no collectstatic in the demo)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
TECHNICAL = ("Using the URLconf", "Django tried these URL patterns", "DEBUG = True", "Traceback")


def assert_portal_page(response, status: int, text: str) -> str:
    body = response.content.decode()
    assert response.status_code == status
    assert [t.name for t in response.templates][:1] == [f"{status}.html"]
    assert text in body, body
    assert 'href="/" data-testid="error-home">返回工作台</a>' in body and 'data-testid="error-back"' in body
    assert not any(t in body for t in TECHNICAL)
    return body


def test_a_missing_project_is_the_portals_own_404_page_in_chinese_with_the_way_back(client_for, staff):
    client = client_for(staff)
    body = assert_portal_page(client.get("/projects/999999/", HTTP_REFERER="http://testserver/projects/"),
                              404, "该页面不存在，或您无权访问。")
    assert 'href="http://testserver/projects/"' in body  # back to where the user came from
    # A referer from elsewhere is not linked: the browser's own history instead.
    body = assert_portal_page(client.get("/projects/999999/", HTTP_REFERER="https://evil.example/x"), 404,
                              "该页面不存在")
    assert "evil.example" not in body and 'href="/" data-history-back' in body


def test_a_forbidden_page_is_the_portals_own_403_page_in_chinese_with_the_way_back(client_for, contractor):
    response = client_for(contractor).get("/status/")
    assert_portal_page(response, 403, "您无权进行此操作")


def _demo_settings(**env) -> dict:
    """The demo's settings (portal.settings.local, as scripts/run.sh uses them), read in a fresh interpreter,
    with a request for a stylesheet and an unknown page through the real middleware."""
    script = """
import json, django
from django.conf import settings
django.setup()
from django.test import Client
client = Client()
css = client.get("/static/css/portal.css")
missing = client.get("/no-such-page/")
print(json.dumps({
    "debug": settings.DEBUG, "finders": settings.WHITENOISE_USE_FINDERS,
    "storage": settings.STORAGES["staticfiles"]["BACKEND"], "hosts": settings.ALLOWED_HOSTS,
    "css": [css.status_code, css.get("Content-Type", ""),
            b"".join(css.streaming_content if css.streaming else [css.content])[:200].decode("utf-8", "replace")],
    "missing": [missing.status_code, missing.content.decode()],
}))
"""
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_SETTINGS_MODULE", "ALLOWED_HOSTS")}
    clean.update({"DJANGO_SETTINGS_MODULE": "portal.settings.local",
                  "PORTAL_VAR_DIR": os.environ.get("PORTAL_VAR_DIR", "/tmp"), **env})
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=clean, capture_output=True, text=True,  # noqa: S603
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_demo_runs_with_debug_off_and_still_serves_its_stylesheet():
    demo = _demo_settings()
    assert demo["debug"] is False
    assert demo["finders"] is True and "Manifest" not in demo["storage"]  # no collectstatic needed
    assert {"127.0.0.1", "localhost"} <= set(demo["hosts"])
    status, content_type, css = demo["css"]
    assert status == 200 and content_type.startswith("text/css") and css.strip()
    status, body = demo["missing"]
    assert status == 404 and "errorpage" in body and "该页面不存在" in body and "返回工作台" in body
    assert not any(t in body for t in TECHNICAL)


def test_a_developer_turns_debug_on_with_the_environment():
    assert _demo_settings(DEBUG="true")["debug"] is True
