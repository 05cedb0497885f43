"""API of training: practice images, a project's tutorial and field guide, known answers
(leads) and what they measure.

POST  /api/projects/{slug}/practice/next/          contributors: a practice image
GET   /api/projects/{slug}/training/               the tutorial, field guide, your level
GET   /api/projects/{slug}/known-answers/          leads: the known answers (limit, offset)
POST  /api/projects/{slug}/known-answers/          leads: a CSV of expert values
POST  /api/tasks/{id}/known-answer/                leads: promote a settled image
PATCH /api/known-answers/{id}/                     leads: notes, use, in use or not
GET   /api/projects/{slug}/contributors/training/  leads: accuracy on known answers, weights
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crowd.api_schema import errors, no_content
from crowd.throttles import ScopedThrottle
from crowd.users import acting_user
from tasks.api.leases import LeaseSerializer
from tasks.api.projects import TemplateSerializer
from tasks.api.tasks import TaskSerializer
from tasks.models import KnownAnswer, KnownAnswerUse, Task
from tasks.roles import Capability, project_require
from tasks.selectors.projects import project_for
from tasks.selectors.training import (
    contributors_training,
    guide_entries,
    level_progress,
    locked_fields,
    practice_progress,
    tutorial_steps,
)
from tasks.services.known_answer_import import known_answers_import
from tasks.services.known_answers import known_answer_promote, known_answer_update
from tasks.services.leases import practice_lease_grant


def _url(request: Request, file: Any) -> str | None:
    return request.build_absolute_uri(file.url) if file else None


class PracticeNextView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [*APIView.throttle_classes, ScopedThrottle]
    throttle_scope = "next_task"

    @extend_schema(
        request=None, responses={200: dict, **no_content("No practice left."), **errors(403)}
    )
    def post(self, request: Request, slug: str) -> Response:
        """Your live practice lease, or one on the next practice image you have not done."""
        project = project_for(request.user, slug, Capability.CONTRIBUTE)
        lease = practice_lease_grant(project=project, user=acting_user(request.user))
        if lease is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(
            {
                "task": TaskSerializer(lease.task, context={"request": request}).data,
                "lease": LeaseSerializer(lease).data,
                "template": TemplateSerializer(project.template).data,
                "practice": practice_progress(project=project, user=acting_user(request.user)),
            }
        )


class TrainingView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: dict, **errors(403)})
    def get(self, request: Request, slug: str) -> Response:
        """The tutorial, the field guide, your level and which fields it leaves locked."""
        project = project_for(request.user, slug, Capability.VIEW)
        user = acting_user(request.user)
        progress = level_progress(project=project, user=user)
        return Response(
            {
                "tutorial": [
                    {
                        "title": step.title,
                        "body": step.body,
                        "image": _url(request, step.image),
                        "highlight": step.highlight,
                    }
                    for step in tutorial_steps(project=project)
                ],
                "guide": [
                    {
                        "key": entry.field_key,
                        "body": entry.body,
                        "examples": [
                            {"image": _url(request, e.image), "value": e.value, "note": e.note}
                            for e in entry.examples.all()
                        ],
                    }
                    for entry in guide_entries(project=project)
                ],
                "level": progress,
                "locked_fields": locked_fields(
                    project=project, specs=project.template.specs, level=progress["level"]
                ),
                "practice": practice_progress(project=project, user=user),
            }
        )


class KnownAnswerSerializer(serializers.ModelSerializer):
    image = serializers.SerializerMethodField()
    answers = serializers.SerializerMethodField()

    class Meta:
        model = KnownAnswer
        fields = [
            "id",
            "task",
            "use",
            "source",
            "values",
            "markers",
            "notes",
            "active",
            "image",
            "answers",
        ]
        read_only_fields = fields

    def get_image(self, known: KnownAnswer) -> str:
        return known.task.original_name

    def get_answers(self, known: KnownAnswer) -> int:
        counted = getattr(known, "answer_count", None)
        return int(counted) if counted is not None else known.checks.count()


class KnownAnswerImportSerializer(serializers.Serializer):
    file = serializers.FileField()
    use = serializers.ChoiceField(choices=KnownAnswerUse.choices, default=KnownAnswerUse.KNOWN)


class KnownAnswersView(generics.ListAPIView):
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [MultiPartParser]
    serializer_class = KnownAnswerSerializer

    def get_queryset(self) -> QuerySet[KnownAnswer]:
        project = project_for(self.request.user, self.kwargs["slug"], Capability.MANAGE)
        return (
            KnownAnswer.objects.filter(project=project)
            .select_related("task")
            .annotate(answer_count=Count("checks"))
            .order_by("task_id")
        )

    @extend_schema(request=KnownAnswerImportSerializer, responses={201: dict, **errors(400, 403)})
    def post(self, request: Request, slug: str) -> Response:
        """A CSV of expert values: all or nothing (a refusal lists every bad line)."""
        project = project_for(request.user, slug, Capability.MANAGE)
        data = KnownAnswerImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        report = known_answers_import(
            project=project,
            data=upload.read(2_000_001),
            use=data.validated_data["use"],
            actor=acting_user(request.user),
        )
        return Response(
            {"created": report.created, "updated": report.updated, "tasks": report.tasks},
            status=status.HTTP_201_CREATED,
        )


class PromoteSerializer(serializers.Serializer):
    use = serializers.ChoiceField(choices=KnownAnswerUse.choices, default=KnownAnswerUse.KNOWN)


class KnownAnswerPromoteView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=PromoteSerializer, responses={201: KnownAnswerSerializer, **errors(403, 409)}
    )
    def post(self, request: Request, task_id: int) -> Response:
        """Make a settled image a known answer, from its settled values."""
        task = Task.objects.select_related("project").filter(pk=task_id).first()
        if task is None:
            raise Http404(_("No such image."))
        project_require(request.user, task.project, Capability.MANAGE)
        data = PromoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        known = known_answer_promote(
            task=task, use=data.validated_data["use"], actor=acting_user(request.user)
        )
        return Response(KnownAnswerSerializer(known).data, status=status.HTTP_201_CREATED)


class KnownAnswerUpdateSerializer(serializers.Serializer):
    notes = serializers.JSONField(required=False)
    use = serializers.ChoiceField(choices=KnownAnswerUse.choices, required=False)
    active = serializers.BooleanField(required=False)


class KnownAnswerDetailView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=KnownAnswerUpdateSerializer,
        responses={200: KnownAnswerSerializer, **errors(400, 403)},
    )
    def patch(self, request: Request, known_id: int) -> Response:
        known = KnownAnswer.objects.select_related("project", "task").filter(pk=known_id).first()
        if known is None:
            raise Http404(_("No such known answer."))
        project_require(request.user, known.project, Capability.MANAGE)
        data = KnownAnswerUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        known = known_answer_update(known_answer=known, **data.validated_data)
        return Response(KnownAnswerSerializer(known).data)


class ContributorsTrainingView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: dict, **errors(403)})
    def get(self, request: Request, slug: str) -> Response:
        """Per contributor: accuracy on blind known answers per field, weights, answers."""
        project = project_for(request.user, slug, Capability.MANAGE)
        return Response({"contributors": contributors_training(project=project)})
