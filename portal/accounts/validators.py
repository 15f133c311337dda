from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015 unified social credit code: 18 characters from this alphabet (no I, O, Z, S, V),
# the last one a check character computed from the first 17 with these weights, modulo 31.
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    total = sum(_ALPHABET.index(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    code = (value or "").upper()
    if len(code) != 18 or any(c not in _ALPHABET for c in code):
        raise ValidationError(_("A unified social credit code has 18 digits or capital letters (no I, O, Z, S, V)."))
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationError(_("The check character of this unified social credit code is wrong."))
