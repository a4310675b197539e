"""One error family. Services raise LiveshopError subclasses; one handler renders problem+json.

Clients branch on `code` (stable), never on `title` or `detail` (wording may change).
"""

from __future__ import annotations

from typing import Any, ClassVar

PROBLEM_JSON = "application/problem+json"


class LiveshopError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    title: ClassVar[str] = "Bad request"

    def __init__(self, detail: str | None = None, **data: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.data = data

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"urn:liveshop:problem:{self.code}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
        }
        if instance:
            body["instance"] = instance
        # Extra fields never overwrite the standard members (a "status" datum would).
        body.update({k: v for k, v in self.data.items() if k not in body})
        return body


class InvalidInput(LiveshopError):
    status = 422
    code = "invalid_input"
    title = "Invalid input"


class NotAuthenticated(LiveshopError):
    status = 401
    code = "not_authenticated"
    title = "Authentication required"


class PermissionDenied(LiveshopError):
    status = 403
    code = "permission_denied"
    title = "Permission denied"


class NotFound(LiveshopError):
    status = 404
    code = "not_found"
    title = "Not found"


class Conflict(LiveshopError):
    status = 409
    code = "conflict"
    title = "Conflict"


class PayloadTooLarge(LiveshopError):
    status = 413
    code = "payload_too_large"
    title = "Request body too large"


class TooManyRequests(LiveshopError):
    status = 429
    code = "too_many_requests"
    title = "Too many requests"
