"""API for people: obtain a token, and who am I."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crowd.api_schema import errors, no_content
from crowd.auth import login_refused_message
from crowd.services import token_revoke
from crowd.throttles import ScopedThrottle
from crowd.users import acting_user


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <key>`.")


class TokenView(ObtainAuthToken):
    throttle_classes = [ScopedThrottle]
    throttle_scope = "login"

    @extend_schema(
        request=AuthTokenSerializer,
        responses={200: TokenSerializer},
        auth=[],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Exchange a user name and password for an API token (the same one each time, until
        it is revoked). Wrong credentials answer 400; too many failures from one address, or
        for one account from one address, answer 429 for a while."""
        try:
            return super().post(request, *args, **kwargs)
        except exceptions.ValidationError:
            # Set by the log-in counters (crowd.auth) when they refused before any password
            # was checked: the client is told to wait, not that the password is wrong.
            if getattr(request, "axes_locked_out", False):
                raise exceptions.Throttled(
                    wait=settings.LOGIN_COOLOFF_MINUTES * 60, detail=login_refused_message()
                ) from None
            raise

    @extend_schema(request=None, responses={**no_content("Revoked."), **errors(403)})
    def delete(self, request: Request) -> Response:
        """Revoke your token: requests carrying it are refused from now on."""
        token_revoke(user=acting_user(request.user))
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
