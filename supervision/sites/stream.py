"""The live site page's server-sent events (`supervision:project-site-stream`): the latest values and the alerts of
one project as they change, for as long as SITE_STREAM_SECONDS; then the response ends and the browser's
EventSource reconnects by itself, resuming from the last `id:` it received (the Last-Event-ID header), with the
project's access checked again.

Every SITE_STREAM_POLL_SECONDS the stream asks for the project's latest values and alerts whose `updated_at` is
after its cursor — two queries whatever the size of the site — and sends each as an `event: reading` or
`event: alert` with JSON data. The cursor is the newest `updated_at` seen; the query looks OVERLAP before it,
because a transaction that commits late can carry an earlier `updated_at` than one already seen. What the stream
sent already (the same row with the same `updated_at`) is not sent twice; after a reconnect the page ignores what
it has. A comment line keeps the connection open through proxies when nothing happens; `retry:` tells the
browser how soon to reconnect.

Served two ways, chosen from the request:
- under ASGI (uvicorn, production) the view is a coroutine and the body an async generator: a waiting browser
  holds no thread and no database connection. Each poll runs in the event loop's shared thread pool
  (`thread_sensitive=False`), so all the streams of a process share that pool's few connections, and the
  request's own connection is closed once the response has started;
- under WSGI (runserver in the embedded demo, pytest's live server, the test client) the body is a plain
  generator on the request's thread — Django would read an async iterator to its end before sending anything
  under WSGI."""

import asyncio
import datetime
import logging
import time
from collections.abc import AsyncIterator, Iterator

import orjson
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.handlers.asgi import ASGIRequest
from django.db import DatabaseError, close_old_connections, connection
from django.http import StreamingHttpResponse
from django.utils import timezone, translation
from django.views.decorators.http import require_GET

from projects.selectors import project_for

from . import live

OVERLAP = datetime.timedelta(seconds=10)
# A browser that comes back after this long (a laptop woken up) reloads the page rather than replaying changes.
RESUME_LIMIT = datetime.timedelta(hours=1)
KEEPALIVE_SECONDS = 15.0
RETRY_MS = 1000
UTC = datetime.UTC
logger = logging.getLogger(__name__)


def encode_cursor(moment: datetime.datetime) -> str:
    return str(int(moment.timestamp() * 1_000_000))


def decode_cursor(raw: str | None) -> datetime.datetime | None:
    """A cursor sent back by the browser (Last-Event-ID) or the page (?since=): microseconds since the epoch."""
    raw = (raw or "").strip()
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > 20:
        return None
    try:
        return datetime.datetime.fromtimestamp(int(raw) / 1_000_000, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def sse(event: str | None = None, data: object | None = None, *, cursor: str | None = None,
        comment: str | None = None, retry: int | None = None) -> bytes:
    """One block of the event-stream format."""
    lines = []
    if comment is not None:
        lines.append(f": {comment}")
    if retry is not None:
        lines.append(f"retry: {retry}")
    if event is not None:
        lines.append(f"event: {event}")
    if cursor is not None:
        lines.append(f"id: {cursor}")
    if data is not None:
        lines.append("data: " + orjson.dumps(data).decode())
    return ("\n".join(lines) + "\n\n").encode()


class Poller:
    """The stream of one browser: its cursor, what it has sent, and one poll (two queries)."""

    def __init__(self, project_id: int, cursor: datetime.datetime, language: str) -> None:
        self.project_id = project_id
        self.cursor = cursor
        self.language = language
        self.sent: dict[tuple, datetime.datetime] = {}
        self.last_sent = time.monotonic()

    def opening(self, stale: bool = False) -> bytes:
        """The first block: the reconnect delay and the cursor (or, for a browser away too long, "stale": the
        page reloads)."""
        if stale:
            return sse(retry=RETRY_MS) + sse("stale", {"reason": "resume limit"})
        return sse(retry=RETRY_MS, cursor=encode_cursor(self.cursor), comment="site stream")

    def poll(self) -> bytes:
        """The blocks for what changed since the cursor (b"" for nothing); advances the cursor."""
        with translation.override(self.language):
            try:
                readings, alerts = live.changes(self.project_id, self.cursor - OVERLAP)
            except DatabaseError as error:  # a lost connection, SQLite's lock: ask again at the next poll
                logger.warning("site stream of project %s: poll failed: %s", self.project_id, error)
                return b""
            fresh: list[tuple[str, dict]] = []
            newest = self.cursor
            for row in readings:
                key: tuple = ("r", row.device_id, row.metric)
                if self.sent.get(key) != row.updated_at:
                    self.sent[key] = row.updated_at
                    fresh.append(("reading", live.reading_data(row)))
                newest = max(newest, row.updated_at)
            for alert in alerts:
                key = ("a", alert.pk)
                if self.sent.get(key) != alert.updated_at:
                    self.sent[key] = alert.updated_at
                    fresh.append(("alert", live.alert_data(alert)))
                newest = max(newest, alert.updated_at)
        # Never past this server's clock: a row stamped ahead of it (another host's clock) is looked at again,
        # and not sent twice, until the clock has passed it.
        newest = min(newest, max(self.cursor, timezone.now()))
        self.cursor = newest
        horizon = newest - OVERLAP
        self.sent = {k: v for k, v in self.sent.items() if v > horizon}
        if not fresh:
            return b""
        self.last_sent = time.monotonic()
        cursor = encode_cursor(newest)
        return b"".join(sse(event, data, cursor=cursor) for event, data in fresh)

    def poll_in_pool(self) -> bytes:
        """`poll` on a thread of the shared pool (ASGI): its connection is renewed as a request's would be
        (CONN_MAX_AGE, a broken one)."""
        close_old_connections()
        return self.poll()

    def keepalive(self) -> bytes:
        """A comment with the cursor when nothing was sent for KEEPALIVE_SECONDS (b"" otherwise): proxies keep
        the connection, and a reconnect resumes from here."""
        if time.monotonic() - self.last_sent < KEEPALIVE_SECONDS:
            return b""
        self.last_sent = time.monotonic()
        return sse(cursor=encode_cursor(self.cursor), comment="keep-alive")


def _sync_events(poller: Poller, stale: bool) -> Iterator[bytes]:
    yield poller.opening(stale)
    if stale:
        return
    deadline = time.monotonic() + settings.SITE_STREAM_SECONDS
    while True:
        chunk = poller.poll() or poller.keepalive()
        if chunk:
            yield chunk
        if time.monotonic() >= deadline:
            return
        time.sleep(settings.SITE_STREAM_POLL_SECONDS)


def _release_request_connection() -> None:
    """Close the connection the request's middleware used (on the request's own thread): the stream polls on the
    shared pool, and would otherwise keep it idle for SITE_STREAM_SECONDS. Never inside a transaction (a test's)."""
    if not connection.in_atomic_block:
        connection.close()


async def _async_events(poller: Poller, stale: bool) -> AsyncIterator[bytes]:
    yield poller.opening(stale)
    if stale:
        return
    await sync_to_async(_release_request_connection)()
    deadline = time.monotonic() + settings.SITE_STREAM_SECONDS
    poll = sync_to_async(poller.poll_in_pool, thread_sensitive=False)
    while True:
        chunk = await poll() or poller.keepalive()
        if chunk:
            yield chunk
        if time.monotonic() >= deadline:
            return
        await asyncio.sleep(settings.SITE_STREAM_POLL_SECONDS)


def _start(request, user, project_pk: int) -> tuple[Poller, bool]:
    """The access check (404 for a project the user may not see) and the stream's cursor."""
    project = project_for(user, project_pk)
    now = timezone.now()
    cursor = decode_cursor(request.headers.get("Last-Event-ID")) or decode_cursor(request.GET.get("since"))
    stale = cursor is not None and cursor < now - RESUME_LIMIT
    if cursor is None or cursor > now:
        cursor = now
    language = getattr(request, "LANGUAGE_CODE", None) or translation.get_language() or settings.LANGUAGE_CODE
    return Poller(project.pk, cursor, language), stale


@login_required
@require_GET
async def project_site_stream(request, project_pk: int):
    """The event stream of a project's live site page."""
    user = await request.auser()
    poller, stale = await sync_to_async(_start)(request, user, project_pk)
    body = _async_events(poller, stale) if isinstance(request, ASGIRequest) else _sync_events(poller, stale)
    response = StreamingHttpResponse(body, content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response
