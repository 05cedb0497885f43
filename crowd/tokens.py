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
from functools import cache
from typing import Any

from django.utils import timezone
from knox.models import AuthToken

from crowd.models import User
from crowd.rows import columns, instance, rows_fetch

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


@cache
def with_person(facts: str, by_token: bool, lock: bool = False) -> str:
    """A statement that reads `facts` (a SELECT about the person aliased `u`) with the person:
    by the token presented (`TOKEN_COLUMNS` first; parameters `token_key` and `digest`), or by
    their id (`user`) when signed in by session. `lock`: their row FOR UPDATE."""
    joined = f"LEFT JOIN LATERAL ({facts}) f ON true"
    locking = " FOR UPDATE OF u" if lock else ""
    if by_token:
        return (
            f"SELECT {TOKEN_COLUMNS}, f.* FROM knox_authtoken k "  # noqa: S608 (names, bound values)
            f"JOIN crowd_user u ON u.id = k.user_id {joined} "
            f"WHERE k.token_key = %(token_key)s AND k.digest = %(digest)s{locking}"
        )
    return f"SELECT f.* FROM crowd_user u {joined} WHERE u.id = %(user)s{locking}"  # noqa: S608


def person_read(
    facts: str, params: dict[str, Any], who: User | TokenClaim, *, lock: bool = False
) -> tuple[User | None, AuthToken | None, Sequence[Any] | None]:
    """Run `with_person` (prepared): the person, the token read (None when signed in by
    session, or when no token matched: the person is None then too) and the facts' columns
    (None when no token matched; all None when `facts` found no row)."""
    if isinstance(who, TokenClaim):
        params = {**params, "token_key": who.key, "digest": who.digest}
        rows = rows_fetch(with_person(facts, True, lock), params, prepare=True)
        if not rows:
            return None, None, None
        token, at = token_instance(rows[0])
        return token.user, token, rows[0][at:]
    rows = rows_fetch(with_person(facts, False, lock), {**params, "user": who.pk}, prepare=True)
    return who, None, rows[0] if rows else None
