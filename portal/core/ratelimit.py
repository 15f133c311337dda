"""Rate limits on the two doors that take a password: the login form (POST /accounts/login/) and the API token
endpoint (POST /api/v1/auth/token/). Both count requests per client address in the default cache (Redis in
production, so every web process shares the count) with DRF's throttle machinery, at LOGIN_RATE and
AUTH_TOKEN_RATE ("30/min": requests per second, min, hour or day), read when a request comes so a deployment or a
test may change them. Over the rate the answer is 429 with a Chinese message and Retry-After.

This is not the lock-out: django-axes locks an account name after AXES_FAILURE_LIMIT failed logins; this limit
slows one address trying many names (password spraying) and answers before a password is checked. The client
address is REMOTE_ADDR, or with PORTAL_PROXY_COUNT = N > 0 reverse proxies in front, the address the Nth proxy
from the right saw (X-Forwarded-For): a client cannot pick its own address by sending the header."""

import math

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from rest_framework import exceptions, throttling
from rest_framework.authtoken.views import ObtainAuthToken

from .middleware import client_ip


class _SettingRateThrottle(throttling.SimpleRateThrottle):
    """A per-address throttle whose rate is the setting `rate_setting`, read per request."""

    rate_setting = ""

    def get_rate(self) -> str | None:
        return getattr(settings, self.rate_setting, None)

    def get_ident(self, request) -> str:
        # The portal's one rule for the client address (PORTAL_PROXY_COUNT), not DRF's NUM_PROXIES, whose default
        # would take X-Forwarded-For as the client sent it.
        return client_ip(getattr(request, "_request", request)) or ""

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginThrottle(_SettingRateThrottle):
    scope = "login"
    rate_setting = "LOGIN_RATE"


class AuthTokenThrottle(_SettingRateThrottle):
    scope = "auth-token"
    rate_setting = "AUTH_TOKEN_RATE"


def login_wait(request: HttpRequest) -> int | None:
    """Counts a login attempt from the request's address: None when it may go on, else the seconds to wait."""
    throttle = LoginThrottle()
    if throttle.allow_request(request, None):
        return None
    return max(1, math.ceil(throttle.wait() or 1))


def too_many_message(seconds: int) -> str:
    return _("Too many attempts from your address. Try again in %(seconds)s seconds.") % {"seconds": seconds}


class TokenView(ObtainAuthToken):
    """POST username and password → the user's API token; at most AUTH_TOKEN_RATE requests per address."""

    throttle_classes = [AuthTokenThrottle]

    def throttled(self, request, wait):
        seconds = max(1, math.ceil(wait or 1))
        refused = exceptions.Throttled(detail=too_many_message(seconds))
        refused.wait = seconds  # DRF sends it as Retry-After
        raise refused


token_view = TokenView.as_view()
