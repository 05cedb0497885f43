"""The registry of event types: every event sent is declared, with the fields it carries."""

import ast
from pathlib import Path

import pytest

from tasks.events import EVENTS, EventShapeError, event_message, event_send

ROOT = Path(__file__).resolve().parents[2]
SENDERS = {"event_send", "event_send_on_commit", "event_message"}


def _sent_types() -> set[str]:
    """Event types named as literals where the code sends or builds an event."""
    found: set[str] = set()
    for path in [*(ROOT / "tasks").rglob("*.py"), *(ROOT / "crowd").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            if name not in SENDERS:
                continue
            position = 0 if name == "event_message" else 1
            if len(node.args) <= position:
                continue
            for leaf in ast.walk(node.args[position]):
                if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str):
                    found.add(leaf.value)
    return found


def test_every_event_type_the_code_sends_is_declared_and_every_declared_one_is_sent():
    sent = _sent_types()

    assert sent - set(EVENTS) == set()
    assert set(EVENTS) - sent == set()


def test_an_undeclared_event_type_is_refused():
    with pytest.raises(EventShapeError, match="unknown event type"):
        event_send("project-1", "project.renamed", {"project": "x"})


def test_an_event_missing_a_field_or_carrying_an_undeclared_one_is_refused():
    with pytest.raises(EventShapeError, match=r"missing \['status'\]"):
        event_message("project.updated", {"project": "x"})
    with pytest.raises(EventShapeError, match=r"not declared \['email'\]"):
        event_message("presence", {"task": 1, "working": 2, "email": "a@b.c"})


def test_optional_fields_may_be_left_out():
    assert event_message("lease.ended", {"lease": 3}) == {"type": "lease.ended", "lease": 3}
