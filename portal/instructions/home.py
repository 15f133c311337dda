"""The home pages' card of open instructions: a holder sees those waiting for their answer, a leader those they
wrote that are still unanswered. Nothing to show: no card. One query (two for a leader) when there is nothing."""

import datetime

from portal.accounts.models import User

from . import selectors, services

HOME_ROWS = 8


def home_context(user: User, role: str | None, today: datetime.date) -> dict:
    held = selectors.open_held(user=user, rows=False)
    held_rows = list(held[:HOME_ROWS])
    written_rows = list(selectors.open_written(user=user, rows=False)[:HOME_ROWS]) if services.may_write(user) else []
    if not held_rows and not written_rows:
        return {}
    held_count = held.count() if len(held_rows) == HOME_ROWS else len(held_rows)
    return {"instructions_held": held_rows, "instructions_held_count": held_count,
            "instructions_written": written_rows}
