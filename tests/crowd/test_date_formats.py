"""Dates are written for the page's language, and English pages do not write them month first."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import formats, translation

DECEMBER_4TH = dt.datetime(2026, 12, 4, 18, 37)
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("language", "short", "long"),
    [
        ("en", "4 December 2026, 18:37", "4 December 2026, 18:37"),
        ("fr", "04/12/2026 18:37", "4 décembre 2026 18:37"),
    ],
)
def test_dates_are_written_as_the_pages_language_writes_them(language, short, long):
    with translation.override(language):
        assert formats.date_format(DECEMBER_4TH, "SHORT_DATETIME_FORMAT") == short
        assert formats.date_format(DECEMBER_4TH, "DATETIME_FORMAT") == long


def test_an_english_short_date_names_the_month():
    with translation.override("en"):
        assert formats.date_format(DECEMBER_4TH.date(), "SHORT_DATE_FORMAT") == "4 Dec 2026"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_review_scripts_write_english_dates_day_first_with_a_24_hour_clock():
    # The module reads the page's language from the document: a minimal one stands in for it.
    script = """
        globalThis.document = {documentElement: {lang: "en"}, querySelectorAll: () => []};
        const {formatDate, formatClock} = await import("./static/js/review/common.js");
        const at = "2026-12-04T18:37:00Z";
        console.log(JSON.stringify([formatDate(at), formatClock(at)]));
    """
    run = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        cwd=ROOT,
        env={"TZ": "UTC", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    date, clock = json.loads(run.stdout)
    assert date.startswith("4 Dec 2026")
    assert "18:37" in date
    assert clock == "18:37"
