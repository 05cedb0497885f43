"""The submission body read without DRF's serializer is what the serializer reads, or left to it."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from tasks.api.transcriptions import SubmitSerializer, plain_submission

BODIES = [
    {"lease": 5, "values": {"a": "Quercus"}, "idempotency_key": "k-1"},
    {"lease": 5, "values": {"a": None, "b": ""}, "markers": {"a": "illegible"},
     "idempotency_key": "x" * 64},
    {"lease": 5, "values": {}, "idempotency_key": "x" * 65},
    {"lease": 5, "values": {"a": "b"}, "idempotency_key": " padded "},
    {"lease": 5, "values": {"a": "b"}, "idempotency_key": ""},
    {"lease": 5, "values": {"a": "b"}, "idempotency_key": "   "},
    {"lease": 5, "values": {"a": "b"}, "idempotency_key": "nul\x00"},
    {"lease": 5, "values": {"a": "b"}, "idempotency_key": "clé"},
    {"lease": 5, "values": {"a": "b"}, "idempotency_key": 12},
    {"lease": "5", "values": {"a": "b"}, "idempotency_key": "k"},
    {"lease": True, "values": {"a": "b"}, "idempotency_key": "k"},
    {"lease": 5.0, "values": {"a": "b"}, "idempotency_key": "k"},
    {"lease": 5, "values": ["a"], "idempotency_key": "k"},
    {"lease": 5, "values": {"a": "b"}, "markers": None, "idempotency_key": "k"},
    {"lease": 5, "values": {"a": "b"}, "idempotency_key": "k", "machine_fields": ["a"]},
    {"lease": 5, "values": {"a": "b"}, "idempotency_key": "k", "other": 1},
    {"values": {"a": "b"}, "idempotency_key": "k"},
    {"lease": 5, "idempotency_key": "k"},
    {"lease": 5, "values": {"a": "b"}},
    ["not", "an", "object"],
    None,
]  # fmt: skip


@pytest.mark.parametrize("body", BODIES)
def test_the_quick_reading_is_the_serializers_or_none(body):
    quick = plain_submission(body)
    serializer = SubmitSerializer(data=body)
    if quick is None:
        return  # the view asks the serializer, as before
    assert serializer.is_valid(), serializer.errors
    expected = dict(serializer.validated_data)
    expected.setdefault("markers", {})
    assert quick == expected


def test_the_common_bodies_are_read_quickly_and_odd_ones_are_left_to_drf():
    read = [plain_submission(body) is not None for body in BODIES]
    assert read[:2] == [True, True]
    assert not any(read[2:])
    form = QueryDict("lease=5&idempotency_key=k", mutable=True)
    assert plain_submission(form) is None
