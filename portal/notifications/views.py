from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from portal.core import policy
from portal.core.views import paginate

from . import services
from .models import Notification


@login_required
def notification_list(request):
    qs = policy.visible(request.user, Notification)
    only_unread = request.GET.get("unread") == "1"
    if only_unread:
        qs = qs.unread()
    return render(request, "notifications/list.html", {"page": paginate(request, qs), "only_unread": only_unread})


@login_required
@require_POST
def notification_open(request, pk: int):
    n = policy.get_or_404(request.user, Notification, pk=pk)
    services.notification_mark_read(user=request.user, notification=n)
    if n.url and url_has_allowed_host_and_scheme(n.url, allowed_hosts={request.get_host()}):
        return redirect(n.url)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request):
    services.notifications_mark_all_read(user=request.user)
    return redirect("notifications:list")
