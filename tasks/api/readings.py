"""API for machine readings: the words the OCR engine read on an image, with their boxes.

GET /api/tasks/{id}/reading/
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crowd.api_schema import errors
from tasks.models import ImageReading, ReadingStatus
from tasks.selectors.readings import reading_for, reading_reason


class ReadingWordSerializer(serializers.Serializer):
    text = serializers.CharField()
    box = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="x, y, width, height in pixels of the full-size image.",
    )
    confidence = serializers.FloatField(help_text="The engine's confidence, 0 to 100.")
    line = serializers.IntegerField(help_text="The line the word is on (reading order).")


class ReadingSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[*ReadingStatus.values, "none"],
        help_text="`none` when the image has no machine reading (the project does not read "
        "its images, or it came before).",
    )
    reason = serializers.CharField(help_text="Why it failed, or what it lacked; else empty.")
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    words = ReadingWordSerializer(many=True)


class TaskReadingView(APIView):
    """The machine reading of an image: for its project's curators and leads, and for the
    contributors it was given (to show the words over the image and pick them)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={200: ReadingSerializer, **errors(403, 404)})
    def get(self, request: Request, task_id: int) -> Response:
        task, reading = reading_for(request.user, task_id)
        body: dict[str, Any] = {
            "status": reading.status if reading is not None else "none",
            "reason": reading_reason(reading) if reading is not None else "",
            "width": task.image_width,
            "height": task.image_height,
            "words": _words(reading),
        }
        return Response(ReadingSerializer(body).data)


def _words(reading: ImageReading | None) -> list[dict[str, Any]]:
    if reading is None or reading.status != ReadingStatus.DONE:
        return []
    return [
        {"text": word["t"], "box": word["b"], "confidence": word["c"], "line": word["l"]}
        for word in reading.words
        if isinstance(word, dict)
    ]
