from django import forms
from django.utils.translation import gettext_lazy as _

from .models import InstructionState
from .services import MAX_TEXT


class WriteForm(forms.Form):
    text = forms.CharField(label=_("Instruction"), max_length=MAX_TEXT,
                           widget=forms.Textarea(attrs={"rows": 3}))


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3}))


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2}))


class FilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False,
                              choices=[("", _("All"))] + list(InstructionState.choices))
    holding = forms.BooleanField(label=_("Waiting for my answer"), required=False)
