from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tasks.models import (
    AssignmentOrder,
    Membership,
    Project,
    ProjectStatus,
    Role,
    Template,
    Visibility,
)
from tasks.models.projects import LICENCE_CHOICES
from tasks.presets import PRESETS
from tasks.roles import project_capabilities
from tasks.services.progress import progress_blank


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
            "title_fr",
            "title_en",
            "description_fr",
            "description_en",
            "status",
            "visibility",
            "redundancy_min",
            "redundancy_max",
            "agreement_threshold",
            "lease_minutes",
            "assignment_order",
            "licence",
            "data_open",
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


class ProjectUpdateSerializer(serializers.Serializer):
    title_fr = serializers.CharField(max_length=200, required=False)
    title_en = serializers.CharField(max_length=200, required=False)
    description_fr = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    description_en = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    status = serializers.ChoiceField(choices=ProjectStatus.choices, required=False)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    redundancy_min = serializers.IntegerField(min_value=1, max_value=20, required=False)
    redundancy_max = serializers.IntegerField(min_value=1, max_value=20, required=False)
    agreement_threshold = serializers.FloatField(min_value=0.5, max_value=1.0, required=False)
    lease_minutes = serializers.IntegerField(min_value=1, max_value=24 * 60, required=False)
    assignment_order = serializers.ChoiceField(choices=AssignmentOrder.choices, required=False)
    licence = serializers.ChoiceField(
        choices=LICENCE_CHOICES, required=False, help_text="The licence every export carries."
    )
    data_open = serializers.BooleanField(
        required=False,
        help_text="Anyone who may see the project may download its exports (else leads only).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError(_("Send at least one setting to change."))
        return attrs


class TemplateSerializer(serializers.ModelSerializer):
    fields = serializers.JSONField(help_text="The ordered list of field objects.")  # type: ignore[assignment]
    metadata_shown = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False
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
