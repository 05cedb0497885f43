"""API for contributors' leases: the next task to transcribe, heartbeat, release."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crowd.api_schema import ErrorSerializer, errors, no_content
from crowd.throttles import ScopedThrottle
from crowd.users import acting_user
from tasks.api.projects import TemplateSerializer
from tasks.api.tasks import TaskSerializer, task_contributor_body
from tasks.api.transcriptions import DATETIME
from tasks.models import Lease, Template
from tasks.models.work import SkipReason
from tasks.services.assignment import next_task_grant
from tasks.services.leases import lease_heartbeat, lease_release


class LeaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lease
        fields = ["id", "expires_at", "state"]
        read_only_fields = fields


class NextTaskSerializer(serializers.Serializer):
    task = TaskSerializer()
    lease = LeaseSerializer()
    template = TemplateSerializer()


def next_task_body(*, lease: Lease, template: Template, request: Request) -> dict[str, Any]:
    """`NextTaskSerializer`'s body, built by hand (see `task_contributor_body`)."""
    return {
        "task": task_contributor_body(lease.task, request),
        "lease": {
            "id": lease.pk,
            "expires_at": DATETIME.to_representation(lease.expires_at),
            "state": lease.state,
        },
        "template": {
            "version": template.version,
            "preset": template.preset,
            "fields": template.fields,
            "metadata_shown": template.metadata_shown,
            "updated_at": DATETIME.to_representation(template.updated_at),
        },
    }


class ReleaseSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=SkipReason.choices, required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class NextTaskView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    # Per account (API_THROTTLE_NEXT_TASK), on top of the API's general limits.
    throttle_classes = [*APIView.throttle_classes, ScopedThrottle]
    throttle_scope = "next_task"

    @extend_schema(
        request=None,
        responses={
            200: NextTaskSerializer,
            **no_content("Nothing left for you here."),
            **errors(403),
        },
    )
    def post(self, request: Request, slug: str) -> Response:
        """Your live lease in this project, or a lease on the next task that needs you."""
        project, lease = next_task_grant(slug=slug, user=acting_user(request.user))
        if lease is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(next_task_body(lease=lease, template=project.template, request=request))


class LeaseHeartbeatView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: LeaseSerializer,
            **errors(403),
            409: OpenApiResponse(ErrorSerializer, description="The lease ended."),
        },
    )
    def post(self, request: Request, lease_id: int) -> Response:
        lease = lease_heartbeat(lease_id=lease_id, user=acting_user(request.user))
        return Response(LeaseSerializer(lease).data)


class LeaseReleaseView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=ReleaseSerializer, responses={200: LeaseSerializer, **errors(403)})
    def post(self, request: Request, lease_id: int) -> Response:
        data = ReleaseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lease = lease_release(
            lease_id=lease_id, user=acting_user(request.user), **data.validated_data
        )
        return Response(LeaseSerializer(lease).data)
