"""Tests: SQLite by default, or the DATABASE_URL/CELERY_BROKER_URL of the machine (CI runs both).

Under pytest-xdist (`-n 2`: PYTEST_XDIST_WORKER=gw0, gw1, … is set in each worker before the settings are read)
every worker gets its own var dir (uploaded files, the embedded broker's socket) and its own Redis databases:
the database numbers of CACHE_URL, CELERY_BROKER_URL and CELERY_RESULT_BACKEND are moved up by
PORTAL_TEST_REDIS_DB_STRIDE (2) per worker, so `/8` and `/9` are 8 and 9 for gw0, 10 and 11 for gw1. pytest-django
gives each worker its own test database (in memory on SQLite; `<name>_gw0` … on PostgreSQL). The worker's
values are written back to the environment, so the processes a test starts (manage.py, a fresh interpreter) inherit
them rather than moving them again. TEST_DATABASE_NAME names the PostgreSQL test database (default `test_<name>`)."""

import os
import re
import tempfile
from pathlib import Path

_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker and os.environ.get("PORTAL_TEST_WORKER") != _worker:
    os.environ["PORTAL_TEST_WORKER"] = _worker
    _index = int(_worker.removeprefix("gw") or 0)
    _var = Path(os.environ.get("PORTAL_VAR_DIR") or tempfile.mkdtemp(prefix="portal-test-")) / _worker
    _var.mkdir(parents=True, exist_ok=True)
    os.environ["PORTAL_VAR_DIR"] = str(_var)
    _stride = int(os.environ.get("PORTAL_TEST_REDIS_DB_STRIDE", "2"))
    for _name in ("CACHE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        _url = re.fullmatch(r"(rediss?://[^/?#]*)(?:/(\d*))?([?#].*)?", os.environ.get(_name, ""))
        if _url:
            os.environ[_name] = f"{_url[1]}/{int(_url[2] or 0) + _stride * _index}{_url[3] or ''}"

os.environ.setdefault("PORTAL_VAR_DIR", tempfile.mkdtemp(prefix="portal-test-"))

from .base import *  # noqa: E402,F403
from .base import CELERY_BROKER_URL, DATABASES, VAR_DIR  # noqa: E402

if os.environ.get("TEST_DATABASE_NAME"):
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ["TEST_DATABASE_NAME"]

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = VAR_DIR / "media"
(VAR_DIR / "staticfiles").mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tasks enqueued by services run through Celery's own machinery in the calling process; tests marked
# celery_worker switch this off and drive a real worker over the real broker.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
TEST_BROKER_URL = CELERY_BROKER_URL
AXES_FAILURE_LIMIT = 5
# The suite logs in hundreds of times from one address (the test client, the browser tests); the rate-limit tests
# set their own small rates.
LOGIN_RATE = "10000/min"
AUTH_TOKEN_RATE = "10000/min"  # noqa: S105  (a rate, not a secret)
