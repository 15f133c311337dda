"""Money as people type and read it. The database and the API keep 元 (Decimal, two places); every page shows
and takes 万元 (10,000 元), with the 元 value beside the field so a figure typed in the wrong unit is seen at once.

`WanField` is the form field of an amount: it reads 万元 (up to 6 decimal places, i.e. to the 分), refuses
letters, negative amounts and too many decimals with a message that names the field, and cleans to 元.
Its widget shows the 元 value beside the input (server-rendered, kept live by static/js/money.js)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

TEN_THOUSAND = Decimal(10000)
CENT = Decimal("0.01")
WAN_PLACES = 6  # 万元 to the 分
MAX_YUAN_DIGITS = 16  # the models' max_digits (two of them decimals): below 10**14 元

_NUMBER = re.compile(r"^\d+(\.\d*)?$|^\.\d+$")


def yuan_to_wan(amount: Decimal | int | str | float) -> Decimal:
    """元 → 万元, exact (no rounding)."""
    return Decimal(str(amount)) / TEN_THOUSAND


def wan_to_yuan(amount: Decimal | int | str) -> Decimal:
    """万元 → 元 with two places, half up."""
    return (Decimal(str(amount)) * TEN_THOUSAND).quantize(CENT, rounding=ROUND_HALF_UP)


def wan_input_text(amount: Decimal | int | str | float) -> str:
    """An amount in 元 as a 万元 form field shows it: exact, without trailing zeros or exponent ("12.5")."""
    text = f"{yuan_to_wan(amount).normalize():f}"
    return text


def yuan_text(amount: Decimal | int | str | float) -> str:
    """An amount in 元 with thousands separators and two places: "125,000.00 元"."""
    value = Decimal(str(amount)).quantize(CENT, rounding=ROUND_HALF_UP)
    return gettext("%(amount)s yuan") % {"amount": f"{value:,.2f}"}


def wan_text(amount: Decimal | int | str | float) -> str:
    """An amount in 元 shown in 万元 with thousands separators and two places: "964,000.00 万元"."""
    value = yuan_to_wan(amount).quantize(CENT, rounding=ROUND_HALF_UP)
    return f"{value:,.2f} {gettext('10k yuan')}"


def parse_wan(text: str) -> Decimal:
    """A typed 万元 amount → Decimal (万元). Thousands separators and spaces are ignored. Raises ValueError with
    the reason: "invalid", "negative" or "places"."""
    cleaned = re.sub(r"[\s,，]", "", str(text))
    if cleaned.startswith("-") and _NUMBER.match(cleaned[1:]):
        raise ValueError("negative")
    if not _NUMBER.match(cleaned):
        raise ValueError("invalid")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern admits only plain numbers
        raise ValueError("invalid") from None
    if "." in cleaned and len(cleaned.split(".", 1)[1].rstrip("0")) > WAN_PLACES:
        raise ValueError("places")
    return value


class WanInput(forms.TextInput):
    """A text input for 万元 followed by the 元 value it stands for. static/js/money.js keeps the hint up to date
    while typing (it reads data-yuan-unit for the unit word); without JavaScript the page shows it after submit."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", "data-wan": "", **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        hint = ""
        if value not in (None, ""):
            try:
                hint = "= " + yuan_text(wan_to_yuan(parse_wan(value)))
            except ValueError:
                hint = ""
        field_id = (attrs or {}).get("id") or self.attrs.get("id") or f"id_{name}"
        return format_html('{}<output class="wan-hint small muted" for="{}" data-wan-hint data-yuan-unit="{}" '
                           'aria-live="polite">{}</output>', html, field_id, gettext("%(amount)s yuan"), hint)


class WanField(forms.Field):
    """An amount typed in 万元, cleaned to 元 (Decimal, two places). Initial values are given in 元 (as the
    models keep them) and shown in 万元; bound data is shown as typed. Every error names the field."""

    widget = WanInput
    default_error_messages = {
        "required": _("%(field)s: enter an amount in 10k yuan."),
        "invalid": _("%(field)s: enter a number in 10k yuan, for example 12.5 (= 125,000 yuan)."),
        "negative": _("%(field)s cannot be negative."),
        "places": _("%(field)s takes at most 6 decimal places in 10k yuan (one fen)."),
        "too_large": _("%(field)s is too large: at most %(max)s (10k yuan)."),
    }

    def __init__(self, *, max_yuan_digits: int = MAX_YUAN_DIGITS, **kwargs):
        self.max_yuan = Decimal(10) ** (max_yuan_digits - 2)  # 元 below this (two of the digits are decimals)
        super().__init__(**kwargs)

    def _error(self, code: str, **params) -> ValidationError:
        label = str(self.label) if self.label else gettext("Amount")
        return ValidationError(self.error_messages[code], code=code, params={"field": label, **params})

    def prepare_value(self, value):
        if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
            return wan_input_text(value)  # an initial value in 元
        return value

    def to_python(self, value) -> Decimal | None:
        if value in self.empty_values:
            return None
        try:
            wan = parse_wan(value)
        except ValueError as exc:
            raise self._error(str(exc)) from None
        yuan = wan_to_yuan(wan)
        if yuan >= self.max_yuan:
            raise self._error("too_large", max=f"{(self.max_yuan / TEN_THOUSAND - Decimal('0.000001')):,f}")
        return yuan

    def validate(self, value) -> None:
        if value in self.empty_values and self.required:
            raise self._error("required")

    def has_changed(self, initial, data) -> bool:
        try:
            data_value = self.to_python(data)
        except ValidationError:
            return True
        initial_value = None if initial in (None, "") else Decimal(str(initial))
        return initial_value != data_value
