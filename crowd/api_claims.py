"""Views whose first statement authenticates: the token is read with what the request needs.

A view taking `ClaimedTokenView` is authenticated by `ClaimedTokenAuthentication` (or by the
session, as every view): a token becomes a `TokenClaim` that passes `IsAuthenticated` and
nothing else. The view's first statement reads the token with its own facts; `user_settle` then
makes the person it names the request's user and checks the permissions and rate limits that
waited for them, before the view acts. A view that needs the person before its first statement
calls `user_settle` with `claim_read`, which reads the token on its own.
"""

from __future__ import annotations

from typing import Any

from knox.models import AuthToken
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.request import Request
from rest_framework.views import APIView

from crowd.api_auth import ClaimedTokenAuthentication, TokenAuthentication, token_read
from crowd.models import User
from crowd.throttles import throttle_waits
from crowd.tokens import TokenClaim
from crowd.users import acting_user


class ClaimedTokenView(APIView):
    authentication_classes = [ClaimedTokenAuthentication, SessionAuthentication]

    def get_authenticators(self) -> list[BaseAuthentication]:
        if getattr(self, "swagger_fake_view", False):
            # The API schema: the same token scheme as every view (the claim reads it later).
            return [TokenAuthentication(), SessionAuthentication()]
        return super().get_authenticators()

    def check_throttles(self, request: Request) -> None:
        # Per-person limits need the person: they are checked once the claim is settled. The
        # limits count in one round trip to Redis (`throttle_waits`), not one each.
        if isinstance(request.user, TokenClaim):
            return
        waits = throttle_waits(self.get_throttles(), request, self)
        if waits:
            self.throttled(request, max(waits))

    def claimant(self, request: Request) -> User | TokenClaim:
        """Who the request says it acts for: the token's claim, not yet read, or the person
        signed in by session."""
        who = request.user
        return who if isinstance(who, TokenClaim) else acting_user(who)

    def user_settle(self, request: Request, *, token: AuthToken | None) -> User:
        """The request's person: `request.user` itself when signed in by session, else the
        one its claim names, given the token the view read (None when none matched). Refused
        as the ordinary authentication refuses; permissions and rate limits are then checked
        as for any view."""
        claim = request.user
        if not isinstance(claim, TokenClaim):
            return acting_user(claim)
        settled = ClaimedTokenAuthentication().settle(claim, token)
        request.user = settled
        request.auth = token
        self.check_permissions(request)
        self.check_throttles(request)
        return settled

    def claim_read(self, request: Request) -> User:
        """`user_settle` for a view that needs the person first: the token read on its own."""
        claim: Any = request.user
        if not isinstance(claim, TokenClaim):
            return acting_user(claim)
        return self.user_settle(request, token=token_read(claim.key, claim.digest))
