import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from projects.models import FeasibilityReview, OpinionConclusion

from . import selectors


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReviewForm(forms.Form):
    """Open a review: a title, a description, and the departments asked, each with its due date (its own, or
    the common one)."""

    title = forms.CharField(label=_("Title"), max_length=200,
                            widget=forms.TextInput(attrs={"placeholder": _("e.g. Joint review of the feasibility study report")}))
    description = forms.CharField(label=_("Description"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text=_("What the departments are asked to review; shown on their opinion page."))
    departments = forms.ModelMultipleChoiceField(label=_("Departments asked"), queryset=None,
                                                 widget=forms.CheckboxSelectMultiple)
    default_due = forms.DateField(label=_("Common due date"), required=False, widget=_date_widget(),
                                  help_text=_("For every department without a date of its own."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.department_list = list(selectors.departments())
        self.fields["departments"].queryset = selectors.departments()
        for d in self.department_list:
            self.fields[f"due_{d.pk}"] = forms.DateField(label=d.name, required=False, widget=_date_widget())

    def department_rows(self):
        """(department, checked?, due-date bound field) for the template's table."""
        chosen = {str(v) for v in (self["departments"].value() or [])}
        return [(d, str(d.pk) in chosen, self[f"due_{d.pk}"]) for d in self.department_list]

    def department_dues(self) -> list[tuple]:
        default = self.cleaned_data.get("default_due")
        return [(d, self.cleaned_data.get(f"due_{d.pk}") or default) for d in self.cleaned_data["departments"]]


class AddDepartmentForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Department"), queryset=None)
    due_date = forms.DateField(label=_("Due date"), widget=_date_widget())

    def __init__(self, *args, review: FeasibilityReview, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = selectors.departments().exclude(
            pk__in=review.opinions.values("department_id"))


class ExtendForm(forms.Form):
    due_date = forms.DateField(label=_("New due date"), widget=_date_widget())
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, current: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due_date"].help_text = _("Currently due on %(due)s.") % {"due": current}


class ConcludeForm(forms.Form):
    conclusion = forms.CharField(label=_("Conclusion"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}),
                                 help_text=_("The bureau's conclusion drawn from the departments' opinions."))


class OpinionForm(forms.Form):
    conclusion = forms.ChoiceField(label=_("Conclusion"), widget=forms.RadioSelect, choices=OpinionConclusion.choices)
    opinion = forms.CharField(label=_("Opinion"), max_length=10000, widget=forms.Textarea(attrs={"rows": 6}),
                              help_text=_("Your department's opinion on the feasibility study."))
    conditions = forms.CharField(label=_("Conditions"), required=False, max_length=5000,
                                 widget=forms.Textarea(attrs={"rows": 3}),
                                 help_text=_("Required when you agree with conditions."))
