"""The session store: Django's database sessions, refusing a session key Django could never have issued.

Django's keys are 32 lowercase letters and digits; it checks only their length, so a cookie carrying a NUL byte
reached the query and PostgreSQL refused it (a 500 for a crafted cookie, found by fuzzing the API). Such a key is
treated like no key at all: a new, empty session."""

from django.contrib.sessions.backends import db


class SessionStore(db.SessionStore):
    def _validate_session_key(self, key):
        return bool(super()._validate_session_key(key)) and key.isascii() and key.isalnum()
