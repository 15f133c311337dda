"""The embedded default: SQLite under var/, filesystem broker, DEBUG on, mail written to var/mail."""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("EMAIL_URL", "filemail://")

from .base import *  # noqa: E402,F403
