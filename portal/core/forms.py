from django import forms

from .errors import ApplicationError


def form_add_application_error(form: forms.Form, exc: ApplicationError) -> None:
    """Show a refused business action on the form: per field where it names one, on top otherwise."""
    placed = False
    for field, messages in (exc.extra or {}).items():
        for message in messages if isinstance(messages, list | tuple) else [messages]:
            if field in form.fields:
                form.add_error(field, str(message))
                placed = True
    if not placed:
        form.add_error(None, exc.message)


class ReasonForm(forms.Form):
    from django.utils.translation import gettext_lazy as _

    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (the checks of each file are the service's: portal.core.uploads)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []
