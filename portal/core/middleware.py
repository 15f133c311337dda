import time
from contextvars import ContextVar

from csp.middleware import CheckableLazyObject, CSPMiddleware
from django.conf import settings
from django.contrib.auth import logout
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from . import uploads
from .errors import HTTP_STATUS, ErrorCode

current_request: ContextVar[HttpRequest | None] = ContextVar("current_request", default=None)

SESSION_STARTED_KEY = "portal_session_started"


class AbsoluteSessionLimitMiddleware:
    """Ends a session 12 hours after login whatever the activity, and slides its idle limit (SESSION_COOKIE_AGE).

    The idle limit is renewed at most once a minute (SESSION_RENEW_SECONDS; portal.core.sessions): a request in the
    minute after a renewal writes nothing to the session store. Also remembers the current request for the
    security log (IP, path)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request.set(request)
        try:
            if request.user.is_authenticated and hasattr(request, "session"):
                session = request.session
                started = session.get(SESSION_STARTED_KEY)
                now = time.time()
                if started is None:
                    session[SESSION_STARTED_KEY] = now
                elif now - started > settings.SESSION_ABSOLUTE_MAX_AGE:
                    logout(request)
                    if not request.path.startswith("/api/"):
                        return redirect(f"{settings.LOGIN_URL_PATH}?next={request.path}")
                    return self.get_response(request)
                if getattr(session, "needs_renewal", lambda: False)():
                    session.modified = True  # saved with a fresh expiry, and the cookie sent again
            return self.get_response(request)
        finally:
            current_request.reset(token)


_CSP_CUSTOM = ("_csp_config", "_csp_update", "_csp_replace", "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro",
               "_csp_exempt", "_csp_exempt_ro")


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with the policy text built once instead of on every response (it is the same for
    every page: no nonces, no per-view changes; ~5 % of the cheapest API answer). A response that asks for
    something of its own (django-csp's decorators, a nonce) goes through django-csp as before. The text is
    rebuilt when the settings object changes (tests' override_settings)."""

    _memo: dict = {}

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        custom = any(getattr(response, name, None) is not None for name in _CSP_CUSTOM)
        if custom or getattr(request, "_csp_nonce", None) is not None or settings.DEBUG:
            return super().process_response(request, response)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        report_only = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        key = (id(policy), id(report_only))
        headers = self._memo.get(key)
        if headers is None:
            from dataclasses import asdict

            from csp.utils import build_policy

            headers = (build_policy(**asdict(self.get_policy_parts(request=request, response=response))),
                       build_policy(**asdict(self.get_policy_parts(request=request, response=response,
                                                                   report_only=True)), report_only=True))
            type(self)._memo = {key: headers}
        for (header, config), value in zip((("Content-Security-Policy", policy),
                                            ("Content-Security-Policy-Report-Only", report_only)), headers,
                                           strict=True):
            prefixes = tuple((config or {}).get("EXCLUDE_URL_PREFIXES") or ())
            if value and header not in response and not (prefixes and request.path_info.startswith(prefixes)):
                response[header] = value
        # As django-csp: asking for a nonce once the header is written is an error, not a silent no-op.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


class RequestSizeLimitMiddleware:
    """Refuses an upload larger than any the portal accepts with 413 before its body is read: a multipart POST
    whose Content-Length is above `uploads.max_request_bytes(path)` (the largest file plus the form around it; on
    a path with a limit of its own, e.g. a BIM model's upload, that limit) is answered at once, in JSON under /api/ and as a page elsewhere. A body sent without Content-Length (chunked)
    is not read at all by Django under WSGI (its stream is limited to the declared length, 0), so it cannot
    grow past the limit either. Sits in MIDDLEWARE before anything that reads request.POST (CSRF does).

    It also makes a page's multipart body keep the file names as sent (uploads.keep_raw_file_names), so a
    path-like name is refused rather than quietly cut."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("POST", "PUT", "PATCH") and request.content_type == "multipart/form-data":
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            limit = uploads.max_request_bytes(request.path_info)
            if length > limit:
                return self._too_large(request, length, limit - uploads.MULTIPART_OVERHEAD_BYTES)
            uploads.keep_raw_file_names(request)
        return self.get_response(request)

    @staticmethod
    def _too_large(request: HttpRequest, length: int, limit: int) -> HttpResponse:
        # LocaleMiddleware has not run yet: choose the language here (cookie, Accept-Language; Chinese first).
        with translation.override(translation.get_language_from_request(request)):
            message = _("The upload is %(size)s MB; a file may be at most %(limit)s MB.") % {
                "size": f"{length / 1048576:.1f}", "limit": f"{limit / 1048576:g}"}
            if request.path.startswith("/api/"):
                code = ErrorCode.TOO_LARGE
                response: HttpResponse = JsonResponse(
                    {"error": {"code": code, "message": message, "fields": {"file": [message]}}},
                    status=HTTP_STATUS[code],
                )
            else:
                response = render(request, "413.html", {"message": message}, status=413)
        # No "Connection: close" here: WSGI forbids hop-by-hop headers from the application; the server deals with
        # the unread rest of the body (gunicorn's sync workers close every connection anyway).
        return response


class LoginRateLimitMiddleware:
    """At most LOGIN_RATE login attempts (POST to the login page) per client address; over it, 429 with a
    Chinese page and Retry-After, before the password is checked (portal.core.ratelimit)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Imported here: this module is imported while apps load (current_request), DRF's token views are not.
        from . import ratelimit

        if request.method == "POST" and request.path == settings.LOGIN_URL_PATH:
            wait = ratelimit.login_wait(request)
            if wait is not None:
                response = render(request, "429.html", {"message": ratelimit.too_many_message(wait)}, status=429)
                response["Retry-After"] = str(wait)
                return response
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """The headers Django's own middleware does not send: Permissions-Policy (PERMISSIONS_POLICY) and
    Cross-Origin-Resource-Policy (CROSS_ORIGIN_RESOURCE_POLICY). X-Content-Type-Options, Referrer-Policy and
    Cross-Origin-Opener-Policy come from SecurityMiddleware, X-Frame-Options from XFrameOptionsMiddleware and
    Content-Security-Policy from django-csp's CSPMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        for header, setting in (("Permissions-Policy", "PERMISSIONS_POLICY"),
                                ("Cross-Origin-Resource-Policy", "CROSS_ORIGIN_RESOURCE_POLICY")):
            value = getattr(settings, setting, "")
            if value and header not in response:
                response[header] = value
        return response


class QueryCountHeaderMiddleware:
    """With PORTAL_QUERY_COUNT_HEADER on, reports each response's SQL query count in X-Query-Count.

    Counted with an execute wrapper (one increment per query), not Django's CaptureQueriesContext, which turns on
    the debug cursor and keeps every statement's text and timing: the benchmark runs with the header on, so its
    cost would be charged to every measured request."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.enabled = settings.PORTAL_QUERY_COUNT_HEADER

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.enabled:
            return self.get_response(request)
        count = 0

        def counting(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counting):
            response = self.get_response(request)
        response["X-Query-Count"] = str(count)
        return response


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: REMOTE_ADDR, or behind PORTAL_PROXY_COUNT reverse proxies the address the
    outermost of them saw (the same rule as the rate limits, portal.core.ratelimit)."""
    if request is None:
        return None
    proxies = getattr(settings, "PORTAL_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies and forwarded:
        addresses = [a.strip() for a in forwarded.split(",")]
        return addresses[-min(proxies, len(addresses))] or request.META.get("REMOTE_ADDR")
    return request.META.get("REMOTE_ADDR")
