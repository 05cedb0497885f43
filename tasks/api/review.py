"""API for curators: the queue of disputed values, claims on images under review, an image's
answers and history, decisions on a value (resolve, reopen), bulk acceptance."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crowd.api_schema import ErrorSerializer, errors, no_content
from crowd.pagination import Pages
from crowd.users import acting_user
from tasks.api.filters import id_filter, query_filters
from tasks.api.results import FieldResultSerializer
from tasks.api.tasks import TaskReviewSerializer
from tasks.models import FieldResult, FieldStatus, ResolutionReason
from tasks.roles import Capability
from tasks.selectors.projects import project_for
from tasks.selectors.results import field_result_for, task_for_curator
from tasks.selectors.review import dispute_counts, disputes_queue, task_review
from tasks.services.review import (
    DECISIONS,
    disputes_accept_majority,
    disputes_majority,
    field_result_reopen,
    field_result_resolve,
    task_claim,
    task_claim_release,
)


class DisputeSerializer(serializers.ModelSerializer):
    task = serializers.IntegerField(source="task_id")
    answers = serializers.SerializerMethodField()
    claimed_by = serializers.SerializerMethodField()
    explanation = serializers.CharField(
        source="explanation_text",
        read_only=True,
        help_text="Why the field came out so, in the request's language.",
    )

    class Meta:
        model = FieldResult
        fields = [
            "id",
            "task",
            "key",
            "value",
            "status",
            "agreement",
            "explanation",
            "answers",
            "disputed_at",
            "updated_at",
            "claimed_by",
            "claimed_by_me",
        ]
        read_only_fields = fields

    def get_answers(self, result: FieldResult) -> int:
        return len(result.alternatives)

    claimed_by_me = serializers.SerializerMethodField()

    def _live_claim(self, result: FieldResult) -> Any:
        from django.utils import timezone

        claim = getattr(result.task, "claim", None)
        return claim if claim is not None and claim.expires_at > timezone.now() else None

    def get_claimed_by(self, result: FieldResult) -> str | None:
        claim = self._live_claim(result)
        return str(claim.curator.public_name) if claim else None

    def get_claimed_by_me(self, result: FieldResult) -> bool:
        claim = self._live_claim(result)
        return bool(claim and claim.curator_id == self.context["request"].user.pk)


class DisputeFilters(serializers.Serializer):
    field = serializers.CharField(required=False, max_length=64, help_text="Only this field key.")
    batch = id_filter("Only this batch.")
    contributor = serializers.CharField(
        required=False, max_length=150, help_text="Only images this user name transcribed."
    )
    status = serializers.ChoiceField(
        choices=[FieldStatus.DISPUTED, FieldStatus.NEEDS_MORE, FieldStatus.RESOLVED],
        required=False,
        help_text="Disputed values (the default), those waiting for more transcriptions, or "
        "those settled by curators.",
    )


class DisputePageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = DisputeSerializer(many=True)
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="Disputed values by field key."
    )


class DisputeListView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[
            DisputeFilters,
            OpenApiParameter(
                "limit", int, description="How many values (50 by default, 500 at most)."
            ),
            OpenApiParameter("offset", int, description="How many to skip."),
        ],
        responses={200: DisputePageSerializer, **errors(403)},
    )
    def get(self, request: Request, slug: str) -> Response:
        """The disputed values of a project, most urgent first, with counts per field."""
        project = project_for(request.user, slug, Capability.CURATE)
        filters = query_filters(DisputeFilters, request)
        queue = disputes_queue(
            project=project,
            key=filters.get("field") or None,
            batch_id=filters.get("batch"),
            contributor=filters.get("contributor") or None,
            status=filters.get("status", FieldStatus.DISPUTED),
        )
        paginator = Pages()
        page = paginator.paginate_queryset(queue, request, view=self)
        response = paginator.get_paginated_response(
            DisputeSerializer(page, many=True, context={"request": request}).data
        )
        response.data["counts"] = dispute_counts(project=project)
        return response


class ClaimSerializer(serializers.Serializer):
    claimed_by = serializers.CharField(help_text="The curator holding the image.")
    claimed_until = serializers.DateTimeField()


class ClaimView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: ClaimSerializer,
            **errors(403),
            409: OpenApiResponse(ErrorSerializer, description="Another curator holds it."),
        },
    )
    def post(self, request: Request, task_id: int) -> Response:
        task = task_for_curator(request.user, task_id)
        claim = task_claim(task_id=task.pk, curator=acting_user(request.user))
        return Response(
            ClaimSerializer(
                {"claimed_by": claim.curator.public_name, "claimed_until": claim.expires_at}
            ).data
        )

    @extend_schema(responses={**no_content("Released (or not held)."), **errors(403)})
    def delete(self, request: Request, task_id: int) -> Response:
        task = task_for_curator(request.user, task_id)
        task_claim_release(task_id=task.pk, curator=acting_user(request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReviewContributorSerializer(serializers.Serializer):
    username = serializers.CharField()
    reliability = serializers.FloatField(
        allow_null=True,
        help_text="Their vote weight for this field type; null while no settled answer of theirs "
        "has measured it.",
    )
    typed = serializers.CharField(
        help_text='Their answer as typed ("1200 ft"), where `value` is its normal form (366).'
    )
    made = serializers.CharField(
        help_text="For a point: how it was made (typed from the label, placed on the map, found "
        "in the gazetteer) and its uncertainty, in the request's language; else empty.",
    )


class ReviewAnswerSerializer(serializers.Serializer):
    value = serializers.JSONField(help_text="The answer, as the engine read it.")
    shown = serializers.CharField(
        help_text="The answer as a person reads it: a point with its labels "
        "(lat. 45.1886, long. 5.7244), in the request's language."
    )
    count = serializers.IntegerField()
    contributors = ReviewContributorSerializer(many=True)


class ReviewHistorySerializer(serializers.Serializer):
    decision = serializers.CharField()
    curator = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)
    note = serializers.CharField(allow_blank=True)
    before = serializers.JSONField()
    after = serializers.JSONField()
    at = serializers.DateTimeField()


class ReviewFieldSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The field result.")
    key = serializers.CharField()
    label = serializers.DictField(  # type: ignore[assignment]  # a field named "label"
        child=serializers.CharField(), help_text="{fr, en}"
    )
    type = serializers.CharField()
    status = serializers.ChoiceField(choices=FieldStatus.choices)
    value = serializers.JSONField()
    shown = serializers.CharField(
        help_text="The value as a person reads it: a point with its labels, in the request's "
        "language."
    )
    agreement = serializers.FloatField()
    explanation = serializers.CharField(allow_blank=True, help_text="In the request's language.")
    explanation_lang = serializers.CharField(
        allow_blank=True, help_text='"en" when the explanation exists only in English, else "".'
    )
    version = serializers.IntegerField()
    answers = ReviewAnswerSerializer(many=True)
    history = ReviewHistorySerializer(many=True)


class ReviewClaimSerializer(serializers.Serializer):
    curator = serializers.CharField()
    curator_id = serializers.IntegerField()
    until = serializers.DateTimeField()


class ReviewSerializer(serializers.Serializer):
    task = TaskReviewSerializer()
    fields = ReviewFieldSerializer(many=True)  # type: ignore[assignment]  # a field named "fields"
    claim = ReviewClaimSerializer(allow_null=True, help_text="A live claim, if any.")


class ReviewView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: ReviewSerializer, **errors(403)})
    def get(self, request: Request, task_id: int) -> Response:
        """The image, each field's answers with who gave them, and the decisions so far."""
        task = task_for_curator(request.user, task_id)
        return Response(ReviewSerializer(task_review(task=task), context={"request": request}).data)


class ResolveSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=list(DECISIONS))
    value = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=2000
    )
    reason = serializers.ChoiceField(
        choices=ResolutionReason.choices, required=False, allow_blank=True
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ResolveView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=ResolveSerializer,
        responses={
            200: FieldResultSerializer,
            **errors(403),
            409: OpenApiResponse(
                ErrorSerializer,
                description="Claimed by another curator, or already settled; `current` has the "
                "state.",
            ),
        },
    )
    def post(self, request: Request, field_result_id: int) -> Response:
        result = field_result_for(request.user, field_result_id)
        data = ResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = field_result_resolve(
            field_result_id=result.pk, curator=acting_user(request.user), **data.validated_data
        )
        return Response(FieldResultSerializer(result).data)


class ReopenSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=ResolutionReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ReopenView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=ReopenSerializer,
        responses={
            200: FieldResultSerializer,
            **errors(403),
            409: OpenApiResponse(ErrorSerializer, description="Already waiting."),
        },
    )
    def post(self, request: Request, field_result_id: int) -> Response:
        result = field_result_for(request.user, field_result_id)
        data = ReopenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = field_result_reopen(
            field_result_id=result.pk, actor=acting_user(request.user), **data.validated_data
        )
        return Response(FieldResultSerializer(result).data)


class BulkAcceptSerializer(serializers.Serializer):
    field = serializers.CharField(max_length=64)
    batch = serializers.IntegerField(required=False, allow_null=True)
    reason = serializers.ChoiceField(
        choices=ResolutionReason.choices, required=False, allow_blank=True
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    preview = serializers.BooleanField(default=True, help_text="Only say what would change.")


class BulkChangeSerializer(serializers.Serializer):
    field_result = serializers.IntegerField()
    task = serializers.IntegerField()
    before = serializers.JSONField()
    after = serializers.JSONField()


class BulkAcceptResultSerializer(serializers.Serializer):
    applied = serializers.BooleanField(help_text="False for a preview.")
    changes = BulkChangeSerializer(many=True)


class BulkAcceptView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=BulkAcceptSerializer,
        responses={200: BulkAcceptResultSerializer, **errors(403)},
    )
    def post(self, request: Request, slug: str) -> Response:
        """Accept the leading answer on every disputed value of one field (in one batch)."""
        project = project_for(request.user, slug, Capability.CURATE)
        data = BulkAcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        args: dict[str, Any] = {
            "project_id": project.pk,
            "key": data.validated_data["field"],
            "batch_id": data.validated_data.get("batch"),
        }
        if data.validated_data["preview"]:
            changes = disputes_majority(**args)
        else:
            changes = disputes_accept_majority(
                **args,
                curator=acting_user(request.user),
                reason=data.validated_data.get("reason", ""),
                note=data.validated_data.get("note", ""),
            )
        body = [
            {
                "field_result": c.field_result_id,
                "task": c.task_id,
                "before": c.before,
                "after": c.after,
            }
            for c in changes
        ]
        return Response(
            BulkAcceptResultSerializer(
                {"applied": not data.validated_data["preview"], "changes": body}
            ).data
        )
