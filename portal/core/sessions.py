"""The session store: Django's database sessions (read through Redis when the cache is shared), written only when
something changed or the idle limit needs renewing, and refusing a session key Django could never have issued.

- **No write per request.** SESSION_SAVE_EVERY_REQUEST would rewrite the session row on every request to slide
  the 30-minute idle limit. Instead each stored copy records when it expires (`EXPIRES_KEY`, taken from the row
  on a database read), and `AbsoluteSessionLimitMiddleware` renews a session only when its last renewal is more
  than `SESSION_RENEW_SECONDS` (60) old: the idle limit keeps a minute's resolution, and a request that changes
  nothing writes nothing.
- **Read through Redis** (`SESSION_CACHED`, on by default when CACHE_URL is Redis, as in production): Django's
  cached_db store, so a request reads its session from the cache and only a miss reads the row; every write
  still goes to the database first. Never with the local-memory cache: each process would keep its own copy, and a
  session ended in one web process would live on in the others.
- Django's keys are 32 lowercase letters and digits; it checks only their length, so a cookie carrying a NUL byte
  reached the query and PostgreSQL refused it (a 500 for a crafted cookie, found by fuzzing the API). Such a key is
  treated like no key at all: a new, empty session.
"""

import time

from django.conf import settings
from django.contrib.sessions.backends import cached_db, db

EXPIRES_KEY = "_portal_expires"  # when this copy of the session expires (a Unix time)


class _Renewable:
    """Keeps the session's expiry in its data, so that a copy read from the cache knows it too."""

    _row_expires: float | None = None

    def _validate_session_key(self, key):
        return bool(super()._validate_session_key(key)) and key.isascii() and key.isalnum()

    def _get_session_from_db(self):
        row = super()._get_session_from_db()
        self._row_expires = row.expire_date.timestamp() if row is not None else None
        return row

    def load(self):
        data = super().load()
        if self._row_expires is not None:  # read from the row: the row's expiry is the truth
            data[EXPIRES_KEY] = self._row_expires
        return data

    def save(self, must_create=False):
        data = self._get_session(no_load=must_create)
        data[EXPIRES_KEY] = self.get_expiry_date().timestamp()
        super().save(must_create=must_create)

    def seconds_left(self) -> float | None:
        """Seconds until this session expires when idle, or None when not known (never saved with an expiry)."""
        expires = self.get(EXPIRES_KEY)
        return None if expires is None else expires - time.time()

    def needs_renewal(self) -> bool:
        """True when the last renewal is more than SESSION_RENEW_SECONDS old (or its expiry is unknown)."""
        left = self.seconds_left()
        return left is None or left < settings.SESSION_COOKIE_AGE - settings.SESSION_RENEW_SECONDS


def mark_login(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver: the session remembers when it began (the 12-hour limit), saved with the login
    itself, so that the first request after logging in has nothing to write either."""
    from .middleware import SESSION_STARTED_KEY

    session = getattr(request, "session", None)
    if session is not None:
        session[SESSION_STARTED_KEY] = time.time()


Base = cached_db.SessionStore if getattr(settings, "SESSION_CACHED", False) else db.SessionStore


class SessionStore(_Renewable, Base):  # type: ignore[valid-type,misc]
    pass
