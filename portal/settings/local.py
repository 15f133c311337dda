"""The embedded default: SQLite under var/, the embedded Redis broker, DEBUG off, mail written to var/mail.

DEBUG is off so a missing or forbidden page shows the portal's own 404/403/500 pages (Chinese first, with a way
back), as the bureau will see them; a developer turns Django's technical pages on with DEBUG=true. With DEBUG off
runserver serves no static files: WhiteNoise does, straight from static/ and the apps (WHITENOISE_USE_FINDERS, so
no collectstatic is needed), under their plain names (no manifest). ALLOWED_HOSTS: base's 127.0.0.1/localhost."""

import os

os.environ.setdefault("EMAIL_URL", "filemail://")

from .base import *  # noqa: E402,F403
from .base import DEBUG, STORAGES  # noqa: E402

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG  # a developer's edited CSS shows at once; the demo scans the files once at start
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
