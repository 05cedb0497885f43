"""API for the template builder: check a template as saving would, without saving it.

The answer lists each problem with the path and the index of the field it concerns, so that the
builder shows it beside that field. A template with problems is still a `200`: the request was
understood; `valid` says whether saving would accept the template.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crowd.api_schema import errors
from crowd.throttles import ScopedThrottle
from tasks.models import Project
from tasks.roles import Capability, may_create_projects
from tasks.selectors.projects import project_for
from tasks.selectors.templates import template_problems

# Enough to show beside every field of a template; `count` says how many there were in all.
MAX_PROBLEMS_SHOWN = 200


class TemplateValidateSerializer(serializers.Serializer):
    fields = serializers.JSONField(  # type: ignore[assignment]  # a field named "fields"
        help_text="The ordered list of field objects, as `PUT …/template/` takes it."
    )


class TemplateProblemSerializer(serializers.Serializer):
    path = serializers.CharField(
        help_text='Where: "fields" (the template as a whole), "fields[3]", "fields[3].label.fr"…'
    )
    message = serializers.CharField(help_text="What is wrong, in the reader's language.")
    field = serializers.IntegerField(
        allow_null=True, help_text="The index of the field it concerns; null: the whole template."
    )
    key = serializers.CharField(
        allow_null=True, help_text="That field's key (or a removed field's), when it has one."
    )


class TemplateValidationSerializer(serializers.Serializer):
    valid = serializers.BooleanField(help_text="Whether saving would accept the template.")
    count = serializers.IntegerField(help_text="How many problems in all.")
    problems = TemplateProblemSerializer(
        many=True, help_text=f"The problems, in order; the first {MAX_PROBLEMS_SHOWN} at most."
    )


class _TemplateValidateView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [*APIView.throttle_classes, ScopedThrottle]
    throttle_scope = "template_validate"

    def _validate(self, request: Request, project: Project | None) -> Response:
        data = TemplateValidateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        problems = template_problems(fields=data.validated_data["fields"], project=project)
        body: dict[str, Any] = {
            "valid": not problems,
            "count": len(problems),
            "problems": [problem.as_dict() for problem in problems[:MAX_PROBLEMS_SHOWN]],
        }
        return Response(body)


class TemplateValidateView(_TemplateValidateView):
    @extend_schema(
        request=TemplateValidateSerializer,
        responses={200: TemplateValidationSerializer, **errors(400, 403)},
    )
    def post(self, request: Request) -> Response:
        """Check a new project's template (those who may create projects)."""
        if not may_create_projects(request.user):
            raise PermissionDenied(_("You may not create projects on this platform."))
        return self._validate(request, None)


class ProjectTemplateValidateView(_TemplateValidateView):
    @extend_schema(
        request=TemplateValidateSerializer,
        responses={200: TemplateValidationSerializer, **errors(400, 403)},
    )
    def post(self, request: Request, slug: str) -> Response:
        """Check a template for this project (leads), with the project's own rules: its
        levels, and the fields that already have transcriptions."""
        project = project_for(request.user, slug, Capability.MANAGE)
        return self._validate(request, project)
