"""API for projects: the list and one project's settings, its template, its members."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, permissions, serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crowd.api_schema import errors, no_content
from crowd.models import User
from crowd.selectors import user_active_named
from crowd.users import acting_user
from tasks.api.filters import query_filters
from tasks.models import (
    Membership,
    Project,
    ProjectStatus,
    Role,
    Template,
    Visibility,
)
from tasks.presets import PRESETS
from tasks.roles import Capability, may_create_projects, project_capabilities, projects_visible_to
from tasks.selectors.projects import project_for, project_memberships
from tasks.services.members import membership_remove, membership_set
from tasks.services.moderation import project_archive
from tasks.services.progress import progress_blank
from tasks.services.projects import project_create, project_update, template_update


class ProgressSerializer(serializers.Serializer):
    tasks = serializers.DictField(
        child=serializers.IntegerField(), help_text="Tasks by state, and `total`."
    )
    fields = serializers.DictField(  # type: ignore[assignment]  # a field named "fields"
        child=serializers.IntegerField(), help_text="Field results by status."
    )
    transcriptions = serializers.IntegerField()
    done_percent = serializers.FloatField()
    active_contributors = serializers.IntegerField(
        required=False, help_text="Contributors holding an image now."
    )
    per_hour = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Transcriptions in each of the last 24 hours, oldest first.",
    )


class ProjectSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True)
    progress = serializers.SerializerMethodField()
    url = serializers.HyperlinkedIdentityField(view_name="api-project-detail", lookup_field="slug")

    class Meta:
        model = Project
        fields = [
            "slug",
            "url",
            "title",
            *Project.EDITABLE_FIELDS,
            "created_at",
            "progress",
            "progress_updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, project: Project) -> dict[str, Any]:
        # A project not counted yet (just created) shows zeros, never a partial object.
        return {**progress_blank(), **(project.progress or {})}


class ProjectDetailSerializer(ProjectSerializer):
    capabilities = serializers.SerializerMethodField(
        help_text="What the requesting user may do here."
    )

    class Meta(ProjectSerializer.Meta):
        fields = [*ProjectSerializer.Meta.fields, "capabilities"]
        read_only_fields = fields

    def get_capabilities(self, project: Project) -> list[str]:
        return sorted(project_capabilities(self.context["request"].user, project))


class ProjectCreateSerializer(serializers.Serializer):
    slug = serializers.SlugField(max_length=60)
    title_fr = serializers.CharField(max_length=200)
    title_en = serializers.CharField(max_length=200)
    preset = serializers.ChoiceField(choices=sorted(PRESETS))
    description_fr = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    description_en = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    fields = serializers.JSONField(  # type: ignore[assignment]  # a field named "fields"
        required=False,
        help_text="The template's ordered list of field objects; the preset's fields if left out.",
    )


class ProjectUpdateSerializer(serializers.ModelSerializer):
    """The settings a lead may change, each optional, with the model's own bounds."""

    class Meta:
        model = Project
        fields = list(Project.EDITABLE_FIELDS)
        extra_kwargs = {name: {"required": False} for name in Project.EDITABLE_FIELDS}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError(_("Send at least one setting to change."))
        return attrs


class TemplateSerializer(serializers.ModelSerializer):
    fields = serializers.JSONField(help_text="The ordered list of field objects.")  # type: ignore[assignment]
    metadata_shown = serializers.JSONField(
        required=False,
        help_text="The metadata contributors see beside the form, in order: each a key "
        '("catalogNumber", named by its default label) or {"key", "label": {"fr", "en"}}. A key '
        "without a default label needs one. Left out: unchanged.",
    )

    class Meta:
        model = Template
        fields = ["version", "preset", "fields", "metadata_shown", "updated_at"]
        read_only_fields = ["version", "preset", "updated_at"]


class MembershipSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    display_name = serializers.CharField(source="user.public_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["username", "display_name", "role", "created_at"]
        read_only_fields = fields


class MembershipWriteSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=Role.choices)


class ProjectFilters(serializers.Serializer):
    status = serializers.ChoiceField(choices=ProjectStatus.choices, required=False)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)


class ProjectListView(generics.ListCreateAPIView):
    """Projects the requester may see, newest first, with their progress counts."""

    serializer_class = ProjectSerializer

    def get_queryset(self) -> Any:
        filters = query_filters(ProjectFilters, self.request)
        return projects_visible_to(self.request.user).filter(**filters).order_by("-created_at")

    @extend_schema(parameters=[ProjectFilters])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ProjectCreateSerializer, responses={201: ProjectDetailSerializer, **errors(403)}
    )
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

    @extend_schema(
        request=ProjectUpdateSerializer, responses={200: ProjectDetailSerializer, **errors(403)}
    )
    def patch(self, request: Request, slug: str) -> Response:
        project = project_for(request.user, slug, Capability.MANAGE)
        data = ProjectUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = project_update(
            project=project, actor=acting_user(request.user), changes=data.validated_data
        )
        return Response(ProjectDetailSerializer(project, context={"request": request}).data)

    @extend_schema(responses={**no_content("Archived."), **errors(403)})
    def delete(self, request: Request, slug: str) -> Response:
        """Archive the project (leads): hidden from everyone but staff, no more work, every
        transcription kept. Only staff can restore or purge it."""
        project = project_for(request.user, slug, Capability.MANAGE)
        project_archive(project=project, actor=acting_user(request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TemplateView(APIView):
    @extend_schema(responses=TemplateSerializer)
    def get(self, request: Request, slug: str) -> Response:
        project = project_for(request.user, slug)
        return Response(TemplateSerializer(Template.objects.get(project=project)).data)

    @extend_schema(request=TemplateSerializer, responses={200: TemplateSerializer, **errors(403)})
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


class MemberListView(generics.ListAPIView):
    """A project's members and their roles, by role then user name (leads)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = MembershipSerializer

    def get_queryset(self) -> Any:
        project = project_for(self.request.user, self.kwargs["slug"], Capability.MANAGE)
        return project_memberships(project)

    @extend_schema(responses={200: MembershipSerializer, **errors(403)})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=MembershipWriteSerializer, responses={200: MembershipSerializer, **errors(403)}
    )
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

    @extend_schema(
        responses={
            **no_content("Removed."),
            **errors(400, 403),
        }
    )
    def delete(self, request: Request, slug: str, username: str) -> Response:
        """Remove a member (a project keeps at least one lead: 400 otherwise)."""
        project: Project = project_for(request.user, slug, Capability.MANAGE)
        membership_remove(
            project=project, user=_user_named(username), actor=acting_user(request.user)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


def _user_named(username: str) -> User:
    user = user_active_named(username)
    if user is None:
        raise NotFound(_("No user named %(name)s.") % {"name": username})
    return user
