"""The benchmark harness (`bench/run.sh`): production settings on loopback plain HTTP, with X-Query-Count on.

Only the transport differs from production (no TLS on 127.0.0.1, so no HTTPS redirect and no Secure-only
cookies); everything the requests exercise — DEBUG off, the manifest static storage, middleware, auth backends,
persistent database connections — is production's."""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("PORTAL_QUERY_COUNT_HEADER", "true")

from .production import *  # noqa: E402,F403

SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
LOGGING["root"]["level"] = os.environ.get("LOG_LEVEL", "WARNING")  # noqa: F405
# The scenarios never fetch static files; skipping whitenoise's gzip/brotli pass saves a minute and a half of
# collectstatic. The manifest (hashed names in every page) stays as in production.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}  # noqa: F405
