"""Thin API views: validate, call one service or selector, serialize."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crowd.models import User
from crowd.roles import Capability, acting_user, may_create_projects
from crowd.selectors import user_active_named
from crowd.services import membership_remove, membership_set
from tasks.api.serializers import (
    MembershipSerializer,
    MembershipWriteSerializer,
    ProjectCreateSerializer,
    ProjectDetailSerializer,
    ProjectSerializer,
    ProjectUpdateSerializer,
    TemplateSerializer,
)
from tasks.models import Project, Template
from tasks.selectors import project_for, project_memberships, projects_visible_to
from tasks.services.projects import project_create, project_update, template_update


class ProjectListView(generics.ListCreateAPIView):
    """Projects the requester may see, newest first, with their progress counts."""

    serializer_class = ProjectSerializer

    def get_queryset(self) -> Any:
        return projects_visible_to(self.request.user).order_by("-created_at")

    @extend_schema(request=ProjectCreateSerializer, responses={201: ProjectDetailSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not may_create_projects(request.user):
            raise PermissionDenied(_("You may not create projects on this platform."))
        data = ProjectCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = project_create(lead=acting_user(request.user), **data.validated_data)
        body = ProjectDetailSerializer(project, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class ProjectDetailView(APIView):
    @extend_schema(responses=ProjectDetailSerializer)
    def get(self, request: Request, slug: str) -> Response:
        project = project_for(request.user, slug)
        return Response(ProjectDetailSerializer(project, context={"request": request}).data)

    @extend_schema(request=ProjectUpdateSerializer, responses=ProjectDetailSerializer)
    def patch(self, request: Request, slug: str) -> Response:
        project = project_for(request.user, slug, Capability.MANAGE)
        data = ProjectUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = project_update(
            project=project, actor=acting_user(request.user), changes=data.validated_data
        )
        return Response(ProjectDetailSerializer(project, context={"request": request}).data)


class TemplateView(APIView):
    @extend_schema(responses=TemplateSerializer)
    def get(self, request: Request, slug: str) -> Response:
        project = project_for(request.user, slug)
        return Response(TemplateSerializer(Template.objects.get(project=project)).data)

    @extend_schema(request=TemplateSerializer, responses=TemplateSerializer)
    def put(self, request: Request, slug: str) -> Response:
        project = project_for(request.user, slug, Capability.MANAGE)
        data = TemplateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        template = template_update(
            project=project,
            actor=acting_user(request.user),
            fields=data.validated_data["fields"],
            metadata_shown=data.validated_data.get("metadata_shown"),
        )
        return Response(TemplateSerializer(template).data)


class MemberListView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=MembershipSerializer(many=True))
    def get(self, request: Request, slug: str) -> Response:
        project = project_for(request.user, slug, Capability.MANAGE)
        return Response(MembershipSerializer(project_memberships(project), many=True).data)

    @extend_schema(request=MembershipWriteSerializer, responses=MembershipSerializer)
    def post(self, request: Request, slug: str) -> Response:
        """Add a member, or change their role."""
        project = project_for(request.user, slug, Capability.MANAGE)
        data = MembershipWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = _user_named(data.validated_data["username"])
        membership = membership_set(
            project=project,
            user=user,
            role=data.validated_data["role"],
            actor=acting_user(request.user),
        )
        return Response(MembershipSerializer(membership).data, status=status.HTTP_200_OK)


class MemberDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request: Request, slug: str, username: str) -> Response:
        project: Project = project_for(request.user, slug, Capability.MANAGE)
        membership_remove(project=project, user=_user_named(username))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _user_named(username: str) -> User:
    user = user_active_named(username)
    if user is None:
        raise NotFound(_("No user named %(name)s.") % {"name": username})
    return user
