"""API for people: obtain a token, and who am I."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from knox.models import AuthToken
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crowd.api_schema import errors, no_content
from crowd.auth import login_cooloff, login_refused_message
from crowd.services import token_create, token_revoke
from crowd.throttles import ScopedThrottle
from crowd.users import acting_user


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <key>`.")
    expiry = serializers.DateTimeField(help_text="When the token stops being accepted.")


class TokenView(APIView):
    throttle_classes = [ScopedThrottle]
    throttle_scope = "login"

    @extend_schema(
        request=AuthTokenSerializer,
        responses={200: TokenSerializer},
        auth=[],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Exchange a user name and password for a new API token, valid for API_TOKEN_TTL_HOURS.
        Only its hash is kept: the key is shown this once. Changing or resetting the password
        revokes every token of the account. Wrong credentials answer 400; too many failures
        from one address, or for one account from one address, answer 429 for a while."""
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        try:
            serializer.is_valid(raise_exception=True)
        except exceptions.ValidationError:
            # Set by the log-in counters (crowd.auth) when they refused before any password
            # was checked: the client is told to wait, not that the password is wrong.
            if getattr(request, "axes_locked_out", False):
                raise exceptions.Throttled(
                    wait=login_cooloff(request).total_seconds(), detail=login_refused_message()
                ) from None
            raise
        token, key = token_create(user=serializer.validated_data["user"])
        return Response(TokenSerializer({"token": key, "expiry": token.expiry}).data)

    @extend_schema(request=None, responses={**no_content("Revoked."), **errors(403)})
    def delete(self, request: Request) -> Response:
        """Revoke the token this request carries (signed in with a session: every token of
        yours). Requests carrying it are refused from now on."""
        token = request.auth if isinstance(request.auth, AuthToken) else None
        token_revoke(user=acting_user(request.user), token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def get_permissions(self) -> list[Any]:
        if self.request is not None and self.request.method == "DELETE":
            return [permissions.IsAuthenticated()]
        return [permissions.AllowAny()]


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()
    email = serializers.EmailField()
    is_staff = serializers.BooleanField()


class MeView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        user = acting_user(request.user)
        return Response(
            MeSerializer(
                {
                    "username": user.username,
                    "display_name": user.public_name,
                    "email": user.email,
                    "is_staff": user.is_staff,
                }
            ).data
        )
