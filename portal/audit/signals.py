from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import SecurityEventKind
from .services import security_event_record


@receiver(user_logged_in, dispatch_uid="audit.login")
def _logged_in(sender, request, user, **kwargs):
    security_event_record(kind=SecurityEventKind.LOGIN, user=user)


@receiver(user_logged_out, dispatch_uid="audit.logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        security_event_record(kind=SecurityEventKind.LOGOUT, user=user)


@receiver(user_login_failed, dispatch_uid="audit.login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    security_event_record(kind=SecurityEventKind.LOGIN_FAILED, username=str(credentials.get("username", "")))


@receiver(user_locked_out, dispatch_uid="audit.locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    security_event_record(
        kind=SecurityEventKind.LOCKED_OUT, username=username or "", detail=f"locked out from {ip_address}"
    )
