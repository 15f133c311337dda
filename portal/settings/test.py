"""Tests: SQLite by default, or the DATABASE_URL/CELERY_BROKER_URL of the machine (CI runs both)."""

import os
import tempfile

os.environ.setdefault("PORTAL_VAR_DIR", tempfile.mkdtemp(prefix="portal-test-"))

from .base import *  # noqa: E402,F403
from .base import CELERY_BROKER_URL, VAR_DIR  # noqa: E402

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
