"""One error type for business-rule failures, with one set of codes shared by the pages and the API.

A service refuses with `ApplicationError(message, {field: [messages]}, code=ErrorCode.X)`; the API's exception
handler answers with the code's HTTP status (a stale version or a lost race is 409 everywhere), and the form
helper shows the message on the named fields. An app may use a code of its own (a plain string, e.g.
"dishonest_applicant") for a refusal that clients tell apart; it is answered as 400."""

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    INVALID = "invalid"  # bad input, or a business rule the input breaks: 400
    FORBIDDEN = "forbidden"  # the user may see the object but not take this action: 403
    INVALID_TRANSITION = "invalid_transition"  # the object's state does not allow it (now): 409
    STALE = "stale"  # someone changed the object since the user read it (a version or expected state): 409
    DEADLINE_PASSED = "deadline_passed"  # too late for this action: 400
    TOO_LARGE = "too_large"  # an upload larger than any the portal accepts, refused before it is read: 413
    ALREADY_GIVEN = "already_given"  # a one-time answer (an opinion) someone gave first: 409 like a lost race


HTTP_STATUS: dict[str, int] = {
    ErrorCode.INVALID: 400,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.INVALID_TRANSITION: 409,
    ErrorCode.STALE: 409,
    ErrorCode.DEADLINE_PASSED: 400,
    ErrorCode.TOO_LARGE: 413,
    ErrorCode.ALREADY_GIVEN: 409,
}


class ApplicationError(Exception):
    """A refused business action. `message` is shown to the user; `extra` may name fields: {"field": [msg]}."""

    def __init__(self, message: str, extra: dict[str, Any] | None = None, *, code: str = ErrorCode.INVALID) -> None:
        super().__init__(message)
        self.message = str(message)
        self.extra = extra or {}
        self.code = str(code)

    @property
    def http_status(self) -> int:
        return HTTP_STATUS.get(self.code, 400)
