"""API for transcriptions: a contributor submits one for the image they hold."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import ParseError, UnsupportedMediaType, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crowd.api_claims import ClaimedTokenView
from crowd.api_schema import ErrorSerializer, errors
from crowd.negotiation import JsonFirstNegotiation
from crowd.throttles import ScopedThrottle
from tasks.georeference import georeference_check
from tasks.models import Task, Transcription
from tasks.selectors.training import check_feedback
from tasks.services.assignment import answer_read, answer_record, answer_visible_check
from tasks.services.known_answers import Checked
from tasks.values import MARKERS, ValuesRejected, machine_fields_check


class SubmitSerializer(serializers.Serializer):
    lease = serializers.IntegerField()
    # Checked field by field against the template by the service, for precise messages.
    values = serializers.DictField(help_text="Field key -> the text as typed.")
    markers = serializers.DictField(
        required=False, help_text=f"Field key -> one of {', '.join(MARKERS)}."
    )
    idempotency_key = serializers.CharField(max_length=64)
    machine_fields = serializers.JSONField(
        required=False,
        help_text="Provenance: the keys of the fields into which the contributor inserted "
        "words of the machine reading (the transcription page's layer).",
    )
    georeference = serializers.JSONField(
        required=False,
        help_text="Provenance of each point, per geopoint field key: {source: label (typed "
        "from the label) | map (placed on the map) | gazetteer (a place found by name, maybe "
        "moved after), uncertainty_m: whole metres 1-100000 or null, place: {id, name} for the "
        "gazetteer, else null}.",
    )


_PLAIN_KEYS = frozenset({"lease", "values", "markers", "idempotency_key"})


def plain_submission(data: Any) -> dict[str, Any] | None:
    """`SubmitSerializer`'s validated data for the body nearly every submission sends (a JSON
    object with an integer lease, values, maybe markers, a short printable ASCII key), read
    without DRF's per-field machinery; None for any other body, which the serializer reads
    (and words the errors of). A test holds the two equal."""
    if type(data) is not dict or not data.keys() <= _PLAIN_KEYS:
        return None
    lease, values, key = data.get("lease"), data.get("values"), data.get("idempotency_key")
    markers = data.get("markers", {})
    if type(lease) is not int or type(values) is not dict or type(markers) is not dict:
        return None
    if not isinstance(key, str) or not 0 < len(key) <= 64 or key != key.strip():
        return None
    if not (key.isascii() and key.isprintable()):
        return None
    return {
        "lease": lease,
        "values": dict(values),
        "markers": dict(markers),
        "idempotency_key": key,
    }


class TranscriptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    task = serializers.IntegerField(source="task_id")
    values = serializers.DictField(child=serializers.CharField())
    markers = serializers.DictField(child=serializers.CharField())
    machine_fields = serializers.ListField(child=serializers.CharField(), required=False)
    georeference = serializers.DictField(required=False)
    created_at = serializers.DateTimeField()


# One field instance formats every date of the hand-built bodies, as DRF's serializers would.
DATETIME = serializers.DateTimeField()


def _texts(values: Any) -> dict[str, str | None]:
    return {str(key): None if value is None else str(value) for key, value in values.items()}


def transcription_body(transcription: Transcription) -> dict[str, Any]:
    """`TranscriptionSerializer(transcription).data`, built by hand for the busiest write of
    the API (a test holds the two equal)."""
    return {
        "id": transcription.pk,
        "task": transcription.task_id,
        "values": _texts(transcription.values),
        "markers": _texts(transcription.markers),
        "machine_fields": [str(key) for key in transcription.machine_fields or ()],
        "georeference": dict(transcription.georeference or {}),
        "created_at": DATETIME.to_representation(transcription.created_at),
    }


class TranscriptionReadSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    display_name = serializers.CharField(source="user.public_name", read_only=True)
    values = serializers.DictField(child=serializers.CharField(allow_blank=True), read_only=True)
    markers = serializers.DictField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Transcription
        fields = [
            "id",
            "task",
            "username",
            "display_name",
            "values",
            "markers",
            "machine_fields",
            "georeference",
            "template_version",
            "created_at",
        ]
        read_only_fields = fields


@contextmanager
def _fields_under(name: str) -> Iterator[None]:
    """Values refused inside the block name their fields as the request does: under `name`."""
    try:
        yield
    except ValuesRejected as error:
        fields = {f"{name}.{key}": messages for key, messages in error.errors.items()}
        raise ValuesRejected(fields) from error


class TranscriptionCreateView(ClaimedTokenView):
    # The busiest requests: JSON clients skip the negotiation's parsing of their header.
    content_negotiation_class = JsonFirstNegotiation
    permission_classes = [permissions.IsAuthenticated]
    # Per account (API_THROTTLE_SUBMIT), on top of the API's general limits.
    throttle_classes = [*APIView.throttle_classes, ScopedThrottle]
    throttle_scope = "submit"

    @extend_schema(
        request=SubmitSerializer,
        responses={
            201: TranscriptionSerializer,
            200: OpenApiResponse(
                TranscriptionSerializer,
                description="A retry: the same idempotency key from the same contributor, also "
                "one racing its original, answers the transcription already recorded, with the "
                "same body as the 201. Send a retry with the key of the first attempt.",
            ),
            **errors(403),
            409: OpenApiResponse(
                ErrorSerializer,
                description="Nothing recorded: the lease ended and the image no longer needs "
                "you, you already transcribed this image, the project is not taking answers now, "
                "or the idempotency key was already used for another image.",
            ),
        },
    )
    def post(self, request: Request, task_id: int) -> Response:
        try:
            sent = request.data
        except (ParseError, UnsupportedMediaType):
            self.claim_read(request)  # a bad token is refused first, as on every view
            raise
        validated = plain_submission(sent)
        if validated is None:
            data = SubmitSerializer(data=sent)
            if not data.is_valid():
                # Who may not see the image learns nothing more from a bad request.
                answer_visible_check(task_id=task_id, user=self.claim_read(request))
                raise ValidationError(data.errors)
            validated = data.validated_data
        machine_fields = validated.get("machine_fields") or []
        georeference = validated.get("georeference")
        if georeference == {}:
            georeference = None
        plain = not machine_fields and georeference is None
        # The token presented is read with what the submission decides on, in one statement.
        read = answer_read(
            task_id=task_id,
            who=self.claimant(request),
            lease_id=validated["lease"],
            key=validated["idempotency_key"],
            plain=plain,
        )
        if read is None:
            user = self.claim_read(request)
        else:
            user = self.user_settle(request, token=read.token)
        if not plain:
            # Checked first, so that their messages are named as the request names them. Only
            # answers that took machine words or say how their points were made carry them
            # (they are recorded the ORM's way).
            answer_visible_check(task_id=task_id, user=user)
            task = Task.objects.select_related("project__template").get(pk=task_id)
            specs = task.project.template.specs
            machine_fields = machine_fields_check(specs=specs, machine_fields=machine_fields)
            georeference = georeference_check(specs=specs, georeference=georeference)
        with _fields_under("values"):
            submitted = answer_record(
                task_id=task_id,
                user=user,
                lease_id=validated["lease"],
                values=validated["values"],
                markers=validated.get("markers", {}),
                idempotency_key=validated["idempotency_key"],
                machine_fields=machine_fields,
                georeference=georeference,
                read=read,
            )
        if isinstance(submitted, Checked):
            # A training image: the same body, with the comparison when the contributor sees it.
            body: dict[str, Any] = dict(TranscriptionSerializer(submitted.check).data)
            if submitted.feedback:
                body["feedback"] = check_feedback(
                    check=submitted.check, specs=submitted.check.task.project.template.specs
                )
        else:
            body = transcription_body(submitted.transcription)
        return Response(
            body, status=status.HTTP_201_CREATED if submitted.created else status.HTTP_200_OK
        )
