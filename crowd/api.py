"""API for people: obtain a token, and who am I."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crowd.roles import acting_user
from crowd.throttles import ScopedThrottle


class TokenView(ObtainAuthToken):
    """Exchange a user name and password for an API token (`Authorization: Token <key>`)."""

    throttle_classes = [ScopedThrottle]
    throttle_scope = "login"


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
