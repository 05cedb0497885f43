"""The base of the errors a domain rule raises when it refuses an action.

Services raise them; the API answers each with the one error body (`crowd.api_errors`), so a
view just calls its service. A subclass says how: `status_code` and `code` as class attributes,
`message()` for people (the exception's text by default), and `payload()` for what else the body
carries (`fields`, `current`…).
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "invalid"

    def message(self) -> str:
        return str(self)

    def payload(self) -> dict[str, Any]:
        """What the error body carries besides its status, code and message."""
        return {}
