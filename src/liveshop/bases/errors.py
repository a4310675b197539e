from __future__ import annotations

from liveshop.core.errors import NotFound, PermissionDenied


class BaseNotFound(NotFound):
    code = "base_not_found"
    title = "Live base not found"


class NotBaseOperator(PermissionDenied):
    code = "not_base_operator"
    title = "Only the base's operators may do this"
