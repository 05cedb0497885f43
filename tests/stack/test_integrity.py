"""Stack tier: after the other stack tests have uploaded, ingested, transcribed, reconciled and
exported on the real stack, `manage.py check_integrity` finds the database and the files in
agreement and nothing left waiting."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.stack


def test_the_stack_s_data_and_files_agree(stack):
    report = json.loads(stack.manage("check_integrity", "--json"))
    assert report["ok"] is True, report
    assert len(report["checks"]) == 5
