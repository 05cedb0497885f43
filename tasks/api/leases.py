"""API for contributors' leases: the next task to transcribe, heartbeat, release."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crowd.api_claims import ClaimedTokenView
from crowd.api_schema import ErrorSerializer, errors, no_content
from crowd.models import User
from crowd.negotiation import JsonFirstNegotiation
from crowd.throttles import ScopedThrottle
from crowd.tokens import TokenClaim, TokenRefused
from crowd.users import acting_user
from tasks.api.projects import TemplateSerializer
from tasks.api.tasks import TaskSerializer, task_contributor_body
from tasks.api.transcriptions import DATETIME
from tasks.models import Lease, Project, TaskStep, Template
from tasks.models.work import SkipReason
from tasks.selectors.steps import settled_label, settled_place
from tasks.services.assignment import direct_statements, next_task_grant
from tasks.services.lease_upkeep import lease_heartbeat, lease_release
from tasks.services.steps import StepRefused
from tasks.step_choice import step_remember, step_remembered
from worker.template.steps import STEPS, has_georeference


def step_chosen(request: Request, slug: str) -> tuple[str | None, bool]:
    """The step asked for (`?step=`, remembered in a cookie session), else the one the session
    remembers for the project; and whether it came from the session. An unknown step is left
    to the service to refuse, unremembered."""
    session = getattr(request._request, "session", None)
    asked = request.query_params.get("step")
    if asked is not None:
        asked = asked.strip()
        step_remember(session, slug, asked)
        return asked or None, False
    remembered = step_remembered(session, slug)
    return (remembered, True) if remembered else (None, False)


class LeaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lease
        fields = ["id", "expires_at", "state"]
        read_only_fields = fields


class SettledValueSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField(  # type: ignore[assignment]  # a field named "label"
        help_text="The field's label in your language."
    )
    value = serializers.CharField(help_text="The value the label step settled.")


class SettledPlaceSerializer(serializers.Serializer):
    country = serializers.CharField(help_text="ISO 3166-1 alpha-2 code; empty when unknown.")
    region = serializers.CharField(help_text="The region as settled; empty when unknown.")


class NextTaskSerializer(serializers.Serializer):
    task = TaskSerializer()
    lease = LeaseSerializer()
    template = TemplateSerializer()
    step = serializers.ChoiceField(
        choices=TaskStep.choices,
        required=False,
        help_text="Projects with a georeference step only: the step this image is given for. "
        "Answer the template's fields of that step (`georeference: true` in the georeference "
        "step, the others with the label).",
    )
    settled = SettledValueSerializer(
        many=True,
        required=False,
        help_text="Georeference step only: what the label step settled (locality, country, "
        "region, habitat, collector, date…), to place the specimen by.",
    )
    place = SettledPlaceSerializer(
        required=False,
        help_text="Georeference step only: the record's country and region as the consensus "
        "checks points against them; pass them to the places search and the map area.",
    )


def next_task_body(*, lease: Lease, template: Template, request: Request) -> dict[str, Any]:
    """`NextTaskSerializer`'s body, built by hand (see `task_contributor_body`)."""
    body = _next_task_body(lease=lease, template=template, request=request)
    if has_georeference(template.specs):
        body["step"] = lease.step
        placing = lease.step == TaskStep.GEOREFERENCE
        body["settled"] = settled_label(task=lease.task, specs=template.specs) if placing else []
        if placing:
            body["place"] = settled_place(task=lease.task, specs=template.specs)
    return body


def _next_task_body(*, lease: Lease, template: Template, request: Request) -> dict[str, Any]:
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


class NextTaskView(ClaimedTokenView):
    # The busiest requests: JSON clients skip the negotiation's parsing of their header.
    content_negotiation_class = JsonFirstNegotiation
    permission_classes = [permissions.IsAuthenticated]
    # Per account (API_THROTTLE_NEXT_TASK), on top of the API's general limits.
    throttle_classes = [*APIView.throttle_classes, ScopedThrottle]
    throttle_scope = "next_task"

    @extend_schema(
        request=None,
        parameters=[
            OpenApiParameter(
                "step",
                str,
                enum=[*STEPS, ""],
                description="In a project with a georeference step: `label` for images whose "
                "label waits for transcriptions, `georeference` for images whose settled label "
                "waits for a point, empty for either (labels first). Remembered for the "
                "session; without it, the session's choice.",
            )
        ],
        responses={
            200: NextTaskSerializer,
            **no_content("Nothing left for you here."),
            **errors(400, 403),
        },
    )
    def post(self, request: Request, slug: str) -> Response:
        """Your live lease in this project, or a lease on the next task that needs you."""
        # A token is read with the first statement where the hand-written ones run.
        who = self.claimant(request) if direct_statements() else self.claim_read(request)
        step, remembered = step_chosen(request, slug)
        try:
            project, lease = self._grant(request, slug, who, step)
        except TokenRefused:
            # Read again the ordinary way, outside the undone transaction: it says why.
            project, lease = self._grant(request, slug, self.claim_read(request), step)
        except StepRefused:
            if not remembered:
                raise
            # The project's template changed since the choice was made: forget it.
            step_remember(getattr(request._request, "session", None), slug, "")
            project, lease = self._grant(request, slug, self.claimant(request), None)
        if lease is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(next_task_body(lease=lease, template=project.template, request=request))

    def _grant(
        self, request: Request, slug: str, who: User | TokenClaim, step: str | None
    ) -> tuple[Project, Lease | None]:
        return next_task_grant(
            slug=slug,
            user=who,
            step=step,
            settle=lambda token: self.user_settle(request, token=token),
        )


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
