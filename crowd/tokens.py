"""API tokens read together with the first statement of a busy request.

`crowd.api_auth.ClaimedTokenAuthentication` does not read the token it is shown: it hands the
view a `TokenClaim`, and the view's first statement reads the token and its owner with the rest
of what the request needs (`TOKEN_COLUMNS`, `token_instance`). The view then settles the claim
(`crowd.api_claims`): a token that matched, has not expired and whose owner is active becomes
the request's user; anything else goes through the ordinary authentication, which answers as
it always does (and deletes an expired token). Nothing is cached: a revoked token is refused by
the next request.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from knox.models import AuthToken

from crowd.models import User
from crowd.rows import columns, instance

TOKEN_COLUMNS = f"{columns(AuthToken, 'k')}, {columns(User, 'u')}"


def token_instance(row: Sequence[Any]) -> tuple[AuthToken, int]:
    """The token whose `TOKEN_COLUMNS` begin the row, its owner attached; and where the next
    columns begin."""
    token, at = instance(AuthToken, row, 0)
    token.user, at = instance(User, row, at)
    return token, at


class TokenClaim:
    """A token presented and not yet read: who it names is known once the view's first
    statement has read it. It passes `IsAuthenticated` and nothing else: no id, no role."""

    is_authenticated = True
    is_anonymous = False
    is_active = False
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, text: str, key: str, digest: str) -> None:
        self.text, self.key, self.digest = text, key, digest

    def __repr__(self) -> str:
        return "<TokenClaim>"  # never the token, not even its key (error reports print it)


def token_acceptable(token: AuthToken | None) -> bool:
    """Whether a token read by a view's statement is taken as read: it matched, has not expired
    and names an active person. Any other is read again the ordinary way, which refuses it."""
    return (
        token is not None
        and (token.expiry is None or token.expiry >= timezone.now())
        and token.user.is_active
    )


class TokenRefused(Exception):
    """The token presented is not `token_acceptable`: raised inside a transaction, so that the
    view reads it the ordinary way once the transaction is undone (an expired token is then
    deleted, and the answer says why it is refused)."""
