"""Simulated volunteers for the demo: what people really type when they read a label.

Pure Python. Each simulated contributor has an error rate; errors are the common ones (a
dropped accent, a slipped letter, a date or coordinates typed as printed, a unit typed after a
number, a field left blank), so the demo shows agreed values, tasks asking for one more
transcription, and disputes.
"""

from __future__ import annotations

import random
import unicodedata

from worker.demo.vocabulary import MONTHS_FR

_SLIPS = {"m": "rn", "e": "c", "l": "1", "o": "0", "u": "n", "a": "o", "i": "l"}


def noisy_values(
    truth: dict[str, str], types: dict[str, str], *, care: float, rng: random.Random
) -> dict[str, str]:
    """What a contributor of the given `care` (0..1, 1 = never wrong) types for `truth`."""
    typed: dict[str, str] = {}
    for key, value in truth.items():
        kind = types.get(key, "text")
        roll = rng.random()
        if not value:
            typed[key] = "?" if roll < 0.03 else ""
        elif roll < (1 - care) * 0.3:
            typed[key] = ""  # left blank
        elif roll < (1 - care) * 0.9:
            typed[key] = _mistake(value, kind, rng)
        else:
            typed[key] = _as_printed(value, kind, rng)
    return typed


def _as_printed(value: str, kind: str, rng: random.Random) -> str:
    """The right value, typed the way labels print it."""
    if kind == "date" and len(value) == 10 and rng.random() < 0.5:
        year, month, day = value.split("-")
        if rng.random() < 0.5:
            return f"{day}/{month}/{year}"
        return f"{int(day)} {MONTHS_FR[int(month) - 1]} {year}"
    if kind == "number" and rng.random() < 0.4:
        return f"{value} m"
    if kind == "geopoint" and rng.random() < 0.3:
        lat, lon = (float(part) for part in value.split(","))
        return f"N {lat:.4f} E {lon:.4f}" if lat >= 0 and lon >= 0 else value
    return value


def _mistake(value: str, kind: str, rng: random.Random) -> str:
    if kind in {"text", "select"}:
        if rng.random() < 0.5:
            return "".join(
                c for c in unicodedata.normalize("NFD", value) if not unicodedata.combining(c)
            )
        positions = [i for i, c in enumerate(value) if c.lower() in _SLIPS]
        if positions:
            i = rng.choice(positions)
            return value[:i] + _SLIPS[value[i].lower()] + value[i + 1 :]
        return value[:-1]
    if kind == "date":
        return value[:4]  # only the year
    if kind == "number":
        return value[:-1] + str((int(value[-1]) + 1) % 10) if value[-1].isdigit() else value
    if kind == "geopoint":
        lat, lon = value.split(",")
        return f"{lon},{lat}"  # swapped
    return value
