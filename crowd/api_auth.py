"""API token authentication in one query per request.

Knox's own class reads the tokens sharing the presented one's prefix, then every token of their
owner to delete the expired ones: two queries on each API request. This one reads the token by
prefix and digest together with its owner, and deletes only the token presented when it has
expired. Nothing is cached: a revoked token (log-out, a password change, a deactivation) is
refused by the next request, in every process.
"""

from __future__ import annotations

import binascii
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS
from knox.signals import token_expired
from rest_framework import exceptions

from crowd.models import User
from crowd.rows import rows_fetch
from crowd.tokens import TOKEN_COLUMNS, TokenClaim, token_acceptable, token_instance

_TOKEN_READ = f"""
SELECT {TOKEN_COLUMNS}
FROM knox_authtoken k JOIN crowd_user u ON u.id = k.user_id
WHERE k.token_key = %s AND k.digest = %s
"""  # noqa: S608 (names from the models, values bound)


def token_read(key: str, digest: str) -> AuthToken | None:
    """The token of that key and digest with its owner, in one hand-written statement (the
    ORM spent more time building it than the database running it)."""
    rows = rows_fetch(_TOKEN_READ, [key, digest], prepare=True)
    return token_instance(rows[0])[0] if rows else None


class TokenAuthentication(KnoxTokenAuthentication):
    def authenticate_credentials(self, token: bytes) -> tuple[Any, Any]:
        invalid = _("Invalid token.")
        text = token.decode("utf-8")
        try:
            digest = hash_token(text)
        except (TypeError, binascii.Error) as error:
            raise exceptions.AuthenticationFailed(invalid) from error
        auth_token = token_read(text[: CONSTANTS.TOKEN_KEY_LENGTH], digest)
        if auth_token is None:
            raise exceptions.AuthenticationFailed(invalid)
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            token_expired.send(
                sender=self.__class__, username=auth_token.user.get_username(), source="auth_token"
            )
            raise exceptions.AuthenticationFailed(invalid)
        return self.validate_user(auth_token)


class ClaimedTokenAuthentication(TokenAuthentication):
    """For the views whose first statement reads the token (`crowd.tokens`): the token is
    checked for form and hashed here, and read there."""

    def authenticate_credentials(self, token: bytes) -> tuple[Any, Any]:
        try:
            text = token.decode("utf-8")
            digest = hash_token(text)
        except (UnicodeDecodeError, TypeError, binascii.Error) as error:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from error
        return TokenClaim(text, text[: CONSTANTS.TOKEN_KEY_LENGTH], digest), None

    def settle(self, claim: TokenClaim, token: AuthToken | None) -> User:
        """The user of the claim, given the token its view read (None: none matched). A token
        that matched, is unexpired and names an active person is accepted as read; the others
        are read again the ordinary way, which refuses them as it always has."""
        if token is not None and token_acceptable(token):
            return token.user
        # The ordinary reading (this class's own only hashes): it refuses, saying why.
        return TokenAuthentication.authenticate_credentials(self, claim.text.encode("utf-8"))[0]
