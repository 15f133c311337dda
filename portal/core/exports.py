"""What every Excel export shares: stored text is written as it can be, never refused.

openpyxl refuses a cell holding a control character other than tab, newline and carriage return (Excel cannot
store one); the inputs now refuse them too (portal.core.validators), but text stored before, or arriving by
another door (an import, the admin), must not make an export fail for good."""

from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE


def cell_value(value: Any) -> Any:
    """`value`, with the characters an Excel cell cannot hold taken out when it is text."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def append_row(ws, values) -> None:
    """`ws.append(values)` with every text value made writable (see `cell_value`); cells pass unchanged."""
    ws.append([cell_value(v) for v in values])
