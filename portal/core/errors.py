"""One error type for business-rule failures; the API exception handler and the form helper render it."""

from typing import Any


class ApplicationError(Exception):
    """A refused business action. `message` is shown to the user; `extra` may name fields: {"field": [msg]}."""

    def __init__(self, message: str, extra: dict[str, Any] | None = None, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = str(message)
        self.extra = extra or {}
        self.code = code
