from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.shortcuts import render
from django.utils import timezone

from .models import Heartbeat

PAGE_SIZE = 25


def paginate(request: HttpRequest, queryset, per_page: int = PAGE_SIZE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


@login_required
def system_status(request: HttpRequest):
    """Shows that the worker and scheduler run (the heartbeat task writes every minute)."""
    if not (request.user.is_superuser or request.user.has_perm("core.view_heartbeat")):
        raise PermissionDenied
    from django_celery_beat.models import PeriodicTask

    beat = Heartbeat.objects.filter(name="worker").first()
    age = (timezone.now() - beat.last_run_at).total_seconds() if beat else None
    tasks = PeriodicTask.objects.select_related("interval", "crontab").order_by("name")
    return render(request, "core/status.html", {"beat": beat, "age": age, "tasks": tasks})


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_403(request, exception=None):
    """Every refused page request (a policy refusal or a missing role permission) lands in the security log."""
    from portal.audit.services import security_event_record

    user = request.user if request.user.is_authenticated else None
    security_event_record(kind="access_refused", user=user, detail=f"{request.method} {request.path}"[:300])
    return render(request, "403.html", status=403)


def error_500(request):
    return render(request, "500.html", status=500)
