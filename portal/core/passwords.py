"""The password policy's one addition to Django's validators (AUTH_PASSWORD_VALIDATORS in settings/base.py)."""

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, refusing in Chinese: Django 5.2 words its message with "%d", which its zh_Hans catalogue does not
    have yet (it has the "%(min_length)d" wording of earlier versions), so a short password was refused in English.
    This asks for the wording the catalogue translates."""

    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}
