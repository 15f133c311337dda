from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from .errors import ApplicationError
from .forms import form_add_application_error
from .fsm import Move
from .models import Heartbeat

PAGE_SIZE = 25


def form_submit(request: HttpRequest, form, apply, *, success: str, redirect_to, template: str, context=None):
    """The one shape of a form page: on a valid POST call `apply(cleaned_data)` (a service); a refusal
    (ApplicationError) is shown on the form, success redirects with a message. `redirect_to` may be a callable
    of the service's result."""
    if request.method == "POST" and form.is_valid():
        try:
            result = apply(form.cleaned_data)
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, success)
            return redirect(redirect_to(result) if callable(redirect_to) else redirect_to)
    return render(request, template, {"form": form, **(context or {})})


def paginate(request: HttpRequest, queryset, per_page: int = PAGE_SIZE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


@login_required
def system_status(request: HttpRequest):
    """Shows that the worker and scheduler run (the heartbeat task writes every minute)."""
    if not (request.user.is_superuser or request.user.has_perm("core.view_heartbeat")):
        raise PermissionDenied
    from django_celery_beat.models import PeriodicTask

    from .schedule import schedule_in_words, task_label

    beat = Heartbeat.objects.filter(name="worker").first()
    age = (timezone.now() - beat.last_run_at).total_seconds() if beat else None
    tasks = []
    for t in PeriodicTask.objects.select_related("interval", "crontab").order_by("name"):
        last_run, runs = t.last_run_at, t.total_run_count
        if t.task == "core.heartbeat" and beat:
            # The scheduler writes its own counts only every few minutes; the heartbeat's row shows the worker's
            # figures, the same as the heading above.
            last_run, runs = beat.last_run_at, beat.runs
        tasks.append({"label": task_label(t.name), "name": t.name, "task": t.task, "schedule": schedule_in_words(t),
                      "last_run_at": last_run, "runs": runs, "enabled": t.enabled})
    from .taskledger import figures

    return render(request, "core/status.html", {"beat": beat, "age": age, "tasks": tasks, "ledger": figures()})


def _back_url(request: HttpRequest) -> str:
    """The page the user came from, when it is one of the portal's (the error pages' "back" link); else ""."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return referer
    return ""


def error_404(request, exception=None):
    if request.path.startswith("/api/"):  # an address no API route matches (e.g. /projects/abc/): the API's error
        from django.http import JsonResponse
        from django.utils.translation import gettext as _

        return JsonResponse({"error": {"code": "not_found", "message": _("Not found."), "fields": {}}}, status=404)
    return render(request, "404.html", {"back_url": _back_url(request)}, status=404)


def error_403(request, exception=None):
    """Every refused page request (a policy refusal or a missing role permission) lands in the security log."""
    from portal.audit.services import security_event_record

    user = request.user if request.user.is_authenticated else None
    security_event_record(kind="access_refused", user=user, detail=f"{request.method} {request.path}"[:300])
    return render(request, "403.html", {"back_url": _back_url(request)}, status=403)


def error_500(request):
    return render(request, "500.html", status=500)


@dataclass(frozen=True)
class MoveButton:
    """A workflow move as a page shows it (templates/includes/moves.html): where its button posts (or, for a
    move that needs input, links to its form), enabled, or disabled with the reason."""

    move: Move
    url: str
    has_form: bool = False

    name = property(lambda self: self.move.name)
    label = property(lambda self: self.move.label)
    style = property(lambda self: self.move.style)
    enabled = property(lambda self: self.move.enabled)
    reason = property(lambda self: self.move.reason)


def move_buttons(moves: Iterable[Move], url: Callable[[str], str | None], with_form: Iterable[str] = ()
                 ) -> list[MoveButton]:
    """Buttons for the moves that have a page URL (`url(name)` None: the move has no button of its own)."""
    forms = set(with_form)
    return [MoveButton(m, u, m.name in forms) for m in moves if (u := url(m.name))]
