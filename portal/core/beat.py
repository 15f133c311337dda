"""The scheduler of `celery beat`: django-celery-beat's database scheduler that sends periodic tasks only while it
holds the beat lock, a key in the broker's Redis. A second beat started by mistake (or a standby on another server)
waits; when the holder stops renewing the lock (it died), the other takes over within `BEAT_LOCK_SECONDS`, reloading
the schedule from the database first, so a periodic task never runs twice for one tick.

The lock is a Redis key set with NX and an expiry, renewed on every tick by its holder only (compare and extend in
one Lua script). On a broker that is not Redis the scheduler runs without a lock and says so in its log."""

import logging
import uuid

from django.conf import settings
from django_celery_beat.schedulers import DatabaseScheduler

logger = logging.getLogger(__name__)

LOCK_KEY = "portal:beat-lock"
# Extend the lock only if this scheduler still holds it; take it if it is free.
_RENEW = """
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def lock_seconds() -> int:
    return int(getattr(settings, "BEAT_LOCK_SECONDS", 30))


class SingleBeatScheduler(DatabaseScheduler):
    """Sends only while holding the beat lock (see the module)."""

    def __init__(self, *args, **kwargs):
        self.token = uuid.uuid4().hex
        self.holding = False
        self._lock_connection = None
        self._lock_client = None
        self._no_lock = False
        super().__init__(*args, **kwargs)

    def _client(self):
        if self._lock_client is None and not self._no_lock:
            connection = self.app.connection_for_write()
            channel = connection.default_channel
            client = getattr(channel, "client", None)
            if client is None or not hasattr(client, "eval"):
                logger.warning("Beat lock: the broker is not Redis; this scheduler runs without a lock")
                self._no_lock = True
                connection.release()
                return None
            self._lock_connection, self._lock_client = connection, client
        return self._lock_client

    def hold_lock(self) -> bool:
        """Takes or renews the lock; True while this scheduler holds it."""
        client = self._client()
        if client is None:
            return True
        try:
            held = bool(client.eval(_RENEW, 1, LOCK_KEY, self.token, lock_seconds() * 1000))
        except Exception:  # noqa: BLE001 — the broker is away: do not send (another beat may hold it)
            logger.exception("Beat lock: Redis did not answer; not sending until it does")
            held = False
        if held and not self.holding:
            logger.info("Beat lock taken (%s): this scheduler sends the periodic tasks", self.token[:8])
            # The schedule in memory may be stale (another beat ran the ticks): reload it from the database.
            self._initial_read = True  # django-celery-beat's flag for a full read on the next access
            self._heap = None
        elif not held and self.holding:
            logger.warning("Beat lock lost: another scheduler holds it; this one waits")
        self.holding = held
        return held

    def tick(self, *args, **kwargs):
        if not self.hold_lock():
            return min(self.max_interval, max(1, lock_seconds() / 3))
        return super().tick(*args, **kwargs)

    def close(self):
        try:
            if self._lock_client is not None and self.holding:
                self._lock_client.eval(_RELEASE, 1, LOCK_KEY, self.token)
        except Exception:  # noqa: BLE001 — the lock expires by itself
            logger.warning("Beat lock: could not release it; it expires in %d s", lock_seconds())
        finally:
            self.holding = False
            if self._lock_connection is not None:
                self._lock_connection.release()
                self._lock_connection = self._lock_client = None
        super().close()
