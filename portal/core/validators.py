"""One rule for every text input of the portal, in the API and on the pages: no control characters.

A name such as "bad\\u000bname" was accepted and then broke the schedule's Excel export for good (a cell cannot
hold it). Tab, newline and carriage return stay allowed (multi-line text); the other C0 controls and DEL are
refused with a message naming the field. Run by every DRF and Django form CharField (and so by every field
built on them: email, URL, slug, regex, text areas…) once `install()` has run (CoreConfig.ready()), next to the
NUL check both frameworks already apply."""

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

CONTROL_CHARACTERS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The largest integer a database column holds (PostgreSQL bigint, SQLite INTEGER): an id or a count beyond it
# cannot match anything, and SQLite refuses to even compare it (OverflowError, a 500 before this bound).
MAX_INTEGER = 2**63 - 1


@deconstructible
class ProhibitControlCharactersValidator:
    message = _("Control characters are not allowed (only tab and line breaks are).")
    code = "control_characters"

    def __call__(self, value) -> None:
        if isinstance(value, str) and CONTROL_CHARACTERS_RE.search(value):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other) -> bool:
        return isinstance(other, ProhibitControlCharactersValidator)


def install() -> None:
    """Make every DRF serializer CharField and every Django form CharField run the check before its own
    validators, every DRF IntegerField refuse a number no column holds (400 naming the field), and every
    PrimaryKeyRelatedField answer such an id as a missing object. At class level, so that fields built before
    this runs (a form imported by an admin module) have it too."""
    from django import forms
    from rest_framework import serializers

    check = ProhibitControlCharactersValidator()

    def drf_run_validators(self, value, _original=serializers.CharField.run_validators):
        try:
            check(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages, code=check.code) from None
        return _original(self, value)

    def form_run_validators(self, value, _original=forms.CharField.run_validators):
        check(value)
        return _original(self, value)

    def drf_integer(self, data, _original=serializers.IntegerField.to_internal_value):
        value = _original(self, data)
        if not -MAX_INTEGER <= value <= MAX_INTEGER:
            self.fail(
                "max_value" if value > 0 else "min_value", max_value=MAX_INTEGER, min_value=-MAX_INTEGER
            )
        return value

    def drf_related(self, data, _original=serializers.PrimaryKeyRelatedField.to_internal_value):
        if isinstance(data, int | str) and str(data).lstrip("-").isdigit() and abs(int(data)) > MAX_INTEGER:
            self.fail("does_not_exist", pk_value=data)
        return _original(self, data)

    if not getattr(serializers.IntegerField.to_internal_value, "_bounded", False):
        drf_integer._bounded = True  # type: ignore[attr-defined]
        serializers.IntegerField.to_internal_value = drf_integer  # type: ignore[method-assign]
        drf_related._bounded = True  # type: ignore[attr-defined]
        serializers.PrimaryKeyRelatedField.to_internal_value = drf_related  # type: ignore[method-assign]

    for field_class, method in (
        (serializers.CharField, drf_run_validators),
        (forms.CharField, form_run_validators),
    ):
        if not getattr(field_class.run_validators, "_prohibits_control_characters", False):
            method._prohibits_control_characters = True  # type: ignore[attr-defined]
            field_class.run_validators = method  # type: ignore[method-assign]
