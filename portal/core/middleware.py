import time
from contextvars import ContextVar

from django.conf import settings
from django.contrib.auth import logout
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

current_request: ContextVar[HttpRequest | None] = ContextVar("current_request", default=None)

SESSION_STARTED_KEY = "portal_session_started"


class AbsoluteSessionLimitMiddleware:
    """Ends a session 12 hours after login whatever the activity (the idle limit is SESSION_COOKIE_AGE).

    Also remembers the current request for the security log (IP, path)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request.set(request)
        try:
            if request.user.is_authenticated and hasattr(request, "session"):
                started = request.session.get(SESSION_STARTED_KEY)
                now = time.time()
                if started is None:
                    request.session[SESSION_STARTED_KEY] = now
                elif now - started > settings.SESSION_ABSOLUTE_MAX_AGE:
                    logout(request)
                    if not request.path.startswith("/api/"):
                        return redirect(f"{settings.LOGIN_URL_PATH}?next={request.path}")
            return self.get_response(request)
        finally:
            current_request.reset(token)


class QueryCountHeaderMiddleware:
    """With PORTAL_QUERY_COUNT_HEADER on, reports each response's SQL query count in X-Query-Count."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = settings.PORTAL_QUERY_COUNT_HEADER

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.enabled:
            return self.get_response(request)
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            response = self.get_response(request)
        response["X-Query-Count"] = str(len(ctx.captured_queries))
        return response


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR")
