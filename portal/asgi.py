"""The ASGI application production serves (uvicorn, see the Dockerfile): the same Django application as
portal.wsgi, served so that a browser waiting on a live site page's event stream (supervision.sites.stream) holds
no worker thread.

One difference from WSGI is made good here. Django's ASGI handler reads a request's whole body (into memory, then
a temporary file) before any middleware runs, so the portal's "refused with 413 before it is read" —
`RequestSizeLimitMiddleware` for uploads, the smart-site ingestion endpoint's SITE_INGEST_MAX_BYTES — would only
hold under WSGI. `BodyLimit` reads nothing of a body declared larger than the largest the portal takes (or sent
without a Content-Length, which Django does not read under WSGI either) and hands Django an empty one with the
headers unchanged: the same checks then answer from Content-Length, with the same 413 and message as under WSGI."""

import asyncio
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")

django_application = get_asgi_application()

BODY_METHODS = (b"POST", b"PUT", b"PATCH")


def largest_body(path: str | None = None) -> int:
    """The largest request body any page or API operation of the portal takes — at `path`, when given: a path with
    an upload limit of its own (a BIM model's upload, portal.core.plugins `upload_limits`) takes up to that."""
    from django.conf import settings

    from portal.core import uploads

    return max(uploads.max_request_bytes(path), getattr(settings, "SITE_INGEST_MAX_BYTES", 0),
               settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)


def _unread(scope) -> bool:
    """Whether the request's body must not be read: declared too large, or not declared at all."""
    if scope.get("type") != "http" or scope.get("method", "").encode() not in BODY_METHODS:
        return False
    headers = dict(scope.get("headers") or [])
    length = headers.get(b"content-length")
    if length is None:
        return b"transfer-encoding" in headers  # chunked: WSGI reads none of it either
    try:
        return int(length) > largest_body(scope.get("path") or None)
    except ValueError:
        return False  # Django answers a malformed length itself


class BodyLimit:
    """ASGI middleware: see the module's doc."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if not _unread(scope):
            await self.app(scope, receive, send)
            return
        handed = False

        async def empty_body():
            nonlocal handed
            if not handed:
                handed = True
                return {"type": "http.request", "body": b"", "more_body": False}
            # Django then only listens for a disconnect while it answers; the body is never read. It cancels
            # this wait once the (413) answer is sent.
            await asyncio.Event().wait()
            return {"type": "http.disconnect"}  # pragma: no cover - never reached

        await self.app(scope, empty_body, send)


application = BodyLimit(django_application)
