"""The instructions pages: the list of the instructions one sees, and the forms to write, answer and withdraw
one — reached from the instructions box on each target's page (`{% instructions_for obj %}`). Access goes through
the policy; each write is one service call whose refusal is shown on the form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal.core import policy
from portal.core.errors import ApplicationError
from portal.core.fsm import require_move_permission
from portal.core.views import form_submit, paginate

from . import selectors, services, targets
from .forms import AnswerForm, FilterForm, WithdrawForm, WriteForm
from .models import Instruction


@login_required
def instruction_list(request):
    form = FilterForm(request.GET or None)
    state, holding = "", False
    if form.is_valid():
        state, holding = form.cleaned_data["state"], form.cleaned_data["holding"]
    page = paginate(request, selectors.instruction_list(user=request.user, state=state, holding=holding))
    return render(request, "instructions/list.html", {"page": page, "filter_form": form})


def _back(instruction: Instruction):
    return instruction.get_absolute_url() or "instructions:list"


@login_required
def instruction_write(request, target_type: str, target_id: str):
    if not services.may_write(request.user):
        raise PermissionDenied("write instruction")
    try:
        model = targets.target_model(target_type)
    except ApplicationError:
        raise Http404 from None
    target = policy.get_or_404(request.user, model, pk=target_id)
    form = WriteForm(request.POST if request.method == "POST" else None)
    return form_submit(
        request, form, lambda data: services.instruction_write(actor=request.user, target=target, text=data["text"]),
        success=_("The instruction was sent to %(holders)s.") % {"holders": targets.holders_of(target).label},
        redirect_to=_back, template="instructions/write.html", context={"target": target})


@login_required
def instruction_answer(request, pk: int):
    instruction = policy.get_or_404(request.user, Instruction, pk=pk)
    require_move_permission(instruction, "answer", request.user)
    if request.method != "POST" and not instruction.is_open:
        messages.info(request, _("This instruction was answered already."))
        return redirect(_back(instruction))
    form = AnswerForm(request.POST if request.method == "POST" else None)
    return form_submit(
        request, form, lambda data: services.instruction_answer(actor=request.user, instruction=instruction,
                                                                answer=data["answer"]),
        success=_("Your answer was sent."), redirect_to=_back, template="instructions/answer.html",
        context={"instruction": instruction})


@login_required
def instruction_withdraw(request, pk: int):
    instruction = policy.get_or_404(request.user, Instruction, pk=pk)
    require_move_permission(instruction, "withdraw", request.user)
    if not instruction.is_open:
        return redirect(_back(instruction))
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    return form_submit(
        request, form, lambda data: services.instruction_withdraw(actor=request.user, instruction=instruction,
                                                                  reason=data["reason"]),
        success=_("The instruction was withdrawn."), redirect_to=_back, template="instructions/withdraw.html",
        context={"instruction": instruction})
