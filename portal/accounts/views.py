from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from portal.audit.models import SecurityEvent, SecurityEventKind
from portal.audit.services import security_event_record
from portal.core import policy
from portal.core.errors import ApplicationError
from portal.core.forms import ReasonForm, form_add_application_error
from portal.core.services import object_void
from portal.core.views import form_submit, paginate

from . import selectors, services
from .forms import CreditStandingForm, OrganizationForm
from .models import CreditStanding, Organization, OrganizationKind, User


@login_required
def organization_list(request):
    q = request.GET
    orgs = selectors.organization_list(user=request.user, search=q.get("q", ""), kind=q.get("kind", ""),
                                       standing=q.get("standing", ""))
    return render(request, "accounts/organization_list.html", {
        "page": paginate(request, orgs), "kinds": OrganizationKind.choices, "standings": CreditStanding.choices,
        "may_add": request.user.has_perm("accounts.add_organization"),
    })


@login_required
def organization_detail(request, pk: int):
    org = policy.get_or_404(request.user, Organization, pk=pk)
    members = selectors.user_list(user=request.user, organization_id=org.pk)[:100]
    return render(request, "accounts/organization_detail.html", {
        "org": org, "members": members, "credit_history": selectors.organization_credit_history(organization=org),
        "credit_form": CreditStandingForm(initial={"standing": org.credit_standing}),
    })


def _organization_form(request, org: Organization | None):
    form = OrganizationForm(request.POST or None, instance=org)

    def save(data):
        fields = {k: data[k] for k in form.Meta.fields}
        fields["credit_code"] = fields["credit_code"] or None
        if org is None:
            return services.organization_create(actor=request.user, name=fields.pop("name"), kind=fields.pop("kind"),
                                                **fields)
        return services.organization_update(actor=request.user, organization=org, **fields)

    return form_submit(request, form, save, success=_("Saved."), redirect_to=lambda o: o,
                       template="accounts/organization_form.html", context={"org": org})


@login_required
def organization_create(request):
    if not request.user.has_perm("accounts.add_organization"):
        raise PermissionDenied
    return _organization_form(request, None)


@login_required
def organization_edit(request, pk: int):
    org = policy.get_or_404(request.user, Organization, pk=pk)
    policy.require(request.user, "change", org)
    return _organization_form(request, Organization.objects.get(pk=pk))


@login_required
@require_POST
def organization_set_credit(request, pk: int):
    org = policy.get_or_404(request.user, Organization, pk=pk)
    policy.require(request.user, "set_credit_standing", org)
    form = CreditStandingForm(request.POST)
    if form.is_valid():
        try:
            services.organization_set_credit_standing(
                actor=request.user, organization=org, standing=form.cleaned_data["standing"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            form_add_application_error(form, exc)
        else:
            messages.success(request, _("Credit standing updated."))
            return redirect(org)
    return render(request, "accounts/organization_detail.html", {
        "org": org, "members": selectors.user_list(user=request.user, organization_id=org.pk)[:100],
        "credit_history": selectors.organization_credit_history(organization=org), "credit_form": form,
    }, status=400)


@login_required
def organization_void(request, pk: int):
    org = policy.get_or_404(request.user, Organization, pk=pk)
    policy.require(request.user, "void", org)
    return form_submit(
        request, ReasonForm(request.POST or None),
        lambda data: object_void(actor=request.user, obj=org, reason=data["reason"]),
        success=_("The organisation was voided."), redirect_to="accounts:organization-list",
        template="includes/void_form.html", context={"obj": org, "cancel_url": org.get_absolute_url()},
    )


@login_required
def user_list(request):
    users = selectors.user_list(user=request.user, search=request.GET.get("q", ""))
    return render(request, "accounts/user_list.html", {"page": paginate(request, users)})


@login_required
def user_detail(request, pk: int):
    person = policy.get_or_404(request.user, User.objects.select_related("organization"), pk=pk)
    return render(request, "accounts/user_detail.html", {"person": person})


@login_required
def profile(request):
    token = Token.objects.filter(user=request.user).first()
    return render(request, "accounts/profile.html", {"token": token})


@login_required
@require_POST
def token_regenerate(request):
    Token.objects.filter(user=request.user).delete()
    token = Token.objects.create(user=request.user)
    security_event_record(kind=SecurityEventKind.TOKEN_CREATED, user=request.user)
    messages.success(request, _("A new API token was created. The old one no longer works."))
    return render(request, "accounts/profile.html", {"token": token, "show_token": True})


@login_required
def security_log(request):
    if not request.user.has_perm("audit.view_securityevent"):
        raise PermissionDenied
    events = SecurityEvent.objects.select_related("user")
    if kind := request.GET.get("kind"):
        events = events.filter(kind=kind)
    if who := request.GET.get("q", "").strip():
        events = events.filter(username__icontains=who)
    return render(request, "accounts/security_log.html", {
        "page": paginate(request, events, 50), "kinds": SecurityEventKind.choices,
    })


class PortalPasswordChangeView(PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        security_event_record(kind=SecurityEventKind.PASSWORD_CHANGED, user=self.request.user)
        messages.success(self.request, _("Your password was changed."))
        return response
