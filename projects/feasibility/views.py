"""Feasibility pages: the project's tab (bureau staff open, extend, conclude and void reviews), and the department
reviewer's queue and opinion page (which shows what the reviewer needs of the project without the project)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.accounts.models import Role
from portal.core import fsm, policy
from portal.core.forms import ReasonForm
from portal.core.views import form_submit, paginate
from projects.models import FeasibilityOpinion, FeasibilityReview
from projects.selectors import project_for

from . import selectors, services
from .forms import AddDepartmentForm, ConcludeForm, ExtendForm, OpinionForm, ReviewForm

QUEUE_FILTERS = [("pending", gettext_lazy("Awaiting our opinion")), ("given", gettext_lazy("Given")),
                 ("all", gettext_lazy("All"))]


def _review(request, pk: int) -> FeasibilityReview:
    """A review bureau staff may change (404 if not visible, 403 if visible but not changeable)."""
    review = policy.get_or_404(request.user, FeasibilityReview.objects.select_related("project"), pk=pk)
    policy.require(request.user, "change", review)
    return review


@login_required
def project_feasibility(request, pk: int):
    project = project_for(request.user, pk)
    today = timezone.localdate()
    reviews = [
        {"review": r, "rows": selectors.opinion_rows(r.opinions.all(), today), "summary": selectors.review_summary(r),
         "conclude": next((m for m in fsm.available(r, request.user) if m.name == "conclude"), None)}
        for r in selectors.project_reviews(user=request.user, project=project)
    ]
    return render(request, "projects/feasibility/tab.html", {
        "project": project, "tab": "feasibility", "reviews": reviews,
        "may_open": policy.can(request.user, "advance", project),
    })


@login_required
def review_create(request, pk: int):
    project = project_for(request.user, pk, "advance")
    form = ReviewForm(request.POST or None)
    return form_submit(
        request, form,
        lambda data: services.review_open(actor=request.user, project=project, title=data["title"],
                                          description=data["description"], departments=form.department_dues()),
        success=_("Review opened: the departments were asked for their opinions."),
        redirect_to=lambda review: review.get_absolute_url(),
        template="projects/feasibility/review_form.html", context={"project": project, "tab": "feasibility"},
    )


@login_required
def review_add_department(request, pk: int):
    review = _review(request, pk)
    return form_submit(
        request, AddDepartmentForm(request.POST or None, review=review),
        lambda data: services.review_add_department(actor=request.user, review=review, **data),
        success=_("The department was asked for its opinion."), redirect_to=review.get_absolute_url(),
        template="projects/feasibility/action_form.html",
        context=_action_context(review, _("Ask another department"), _("Ask the department")),
    )


@login_required
def review_conclude(request, pk: int):
    review = _review(request, pk)
    return form_submit(
        request, ConcludeForm(request.POST or None),
        lambda data: services.review_conclude(actor=request.user, review=review, conclusion=data["conclusion"]),
        success=_("The review is concluded."), redirect_to=review.get_absolute_url(),
        template="projects/feasibility/action_form.html",
        context=_action_context(review, _("Conclude the review"), _("Conclude")),
    )


@login_required
def review_void(request, pk: int):
    review = _review(request, pk)
    return form_submit(
        request, ReasonForm(request.POST or None),
        lambda data: services.review_void(actor=request.user, review=review, reason=data["reason"]),
        success=_("The review was voided."), redirect_to=review.get_absolute_url(),
        template="includes/void_form.html", context={"obj": review, "cancel_url": review.get_absolute_url()},
    )


@login_required
def opinion_extend(request, pk: int):
    opinion = policy.get_or_404(request.user, FeasibilityOpinion.objects.select_related("review__project",
                                                                                         "department"), pk=pk)
    policy.require(request.user, "change", opinion.review)
    return form_submit(
        request, ExtendForm(request.POST or None, current=opinion.due_date),
        lambda data: services.opinion_extend_due(actor=request.user, opinion=opinion, **data),
        success=_("The due date was extended."), redirect_to=opinion.review.get_absolute_url(),
        template="projects/feasibility/action_form.html",
        context=_action_context(opinion.review, _("Extend the due date of %(org)s") % {"org": opinion.department.name},
                                _("Extend")),
    )


def _action_context(review: FeasibilityReview, heading: str, button: str) -> dict:
    return {"project": review.project, "tab": "feasibility", "review": review, "heading": heading, "button": button}


# ------------------------------------------------------------------------------------------- the department
@login_required
def opinion_queue(request):
    if not request.user.has_role(Role.DEPARTMENT_REVIEWER):
        raise PermissionDenied
    shown = request.GET.get("show") if request.GET.get("show") in selectors.QUEUE_SHOWS else "pending"
    page = paginate(request, selectors.opinion_queue(user=request.user, show=shown))
    return render(request, "projects/feasibility/queue.html", {
        "page": page, "rows": selectors.opinion_rows(page, timezone.localdate()), "filters": QUEUE_FILTERS,
        "shown": shown,
    })


@login_required
def opinion_detail(request, pk: int):
    opinion = selectors.opinion_for_page(user=request.user, pk=pk)
    give = next((m for m in fsm.available(opinion, request.user) if m.name == "give"), None)
    may_give = give is not None and give.enabled
    form = OpinionForm(request.POST or None) if may_give else None
    if request.method == "POST":
        fsm.require_move_permission(opinion, "give", request.user)  # 403 unless a reviewer of the department
        if form is None:
            form = OpinionForm(request.POST)  # not possible now: the service says why (given, withdrawn…)
        return form_submit(
            request, form,
            lambda data: services.opinion_give(actor=request.user, opinion=opinion, conclusion=data["conclusion"],
                                               opinion_text=data["opinion"], conditions=data["conditions"]),
            success=_("Your department's opinion is recorded."), redirect_to=opinion.get_absolute_url(),
            template="projects/feasibility/opinion.html", context=_opinion_context(request, opinion, give),
        )
    return render(request, "projects/feasibility/opinion.html", {"form": form, **_opinion_context(request, opinion, give)})


def _opinion_context(request, opinion: FeasibilityOpinion, give: fsm.Move | None) -> dict:
    """`give`: the user's "give" move on the opinion (None: not theirs), enabled or with its reason."""
    left = opinion.days_left(timezone.localdate())
    project = opinion.review.project
    return {
        "opinion": opinion, "review": opinion.review, "project": project, "regions": project.regions.all(),
        "may_give": give is not None and give.enabled,
        "give_refused": give.reason if give is not None and not give.enabled else "",
        "light": opinion.light(timezone.localdate()), "left": left,
        "overdue_by": -left if left is not None and left < 0 else 0,
        "may_see_project": policy.can(request.user, "view", project),
    }
