"""Units of number fields: the words labels write after a number, and exact conversion.

A number field may declare its unit (`"unit": "m"` in the template). An answer written in
another unit ("1200 ft", "3000 pieds", "1,2 km", "4000'") is converted to the field's unit;
the transcription keeps what was typed, the consensus the converted value.

Rounding keeps the precision the label implies: a conversion by a power of ten (km, m, cm,
mm between themselves) is exact; any other (feet to metres and back) is rounded, half away
from zero, to as many decimals as were typed ("1200 ft" is 366 m, "1200.5 ft" is 365.9 m).
The arithmetic is done on fractions, so no digit is lost to binary floating point and the
transcription page's preview (static/js/transcribe/parse.js) computes the same value.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from worker.template.model import UNITS

# Metres per unit, exact: the international foot is 0.3048 m by definition (1959). The old
# French "pied du roi" (0.3248 m) is not told apart: a label in pieds is read as feet.
METRES: dict[str, Fraction] = {
    "m": Fraction(1),
    "km": Fraction(1000),
    "cm": Fraction(1, 100),
    "mm": Fraction(1, 1000),
    "ft": Fraction(3048, 10000),
}
assert set(METRES) == set(UNITS)

# What labels and contributors write after a number, per unit, in French and English, as
# `parse_number` sees it (NFKC, case folded). `'` and `’` after a number are feet, as
# American labels write elevations (4000'); inside a number (1'200) they group thousands.
WORDS: dict[str, tuple[str, ...]] = {
    "m": ("mètres", "metres", "meters", "mètre", "metre", "meter", "msm", "m."),
    "km": ("kilomètres", "kilometres", "kilometers", "kilomètre", "kilometre", "kilometer"),
    "cm": ("centimètres", "centimetres", "centimeters", "centimètre", "centimetre", "centimeter"),
    "mm": ("millimètres", "millimetres", "millimeters", "millimètre", "millimetre", "millimeter"),
    "ft": ("pieds", "pied", "feet", "foot", "ft.", "pi.", "pi", "'", "’", "′"),
}
# Longest first, so that "mm" is not read as "m" after an "m".
SUFFIXES: tuple[tuple[str, str], ...] = tuple(
    sorted(
        [(word, unit) for unit, words in WORDS.items() for word in (unit, *words)]
        + [(f"{unit}.", unit) for unit in ("km", "cm", "mm")],
        key=lambda pair: (-len(pair[0]), pair[0]),
    )
)


def split_unit(text: str) -> tuple[str, str | None]:
    """`text` without the unit written at its end, and that unit (None when there is none)."""
    for word, unit in SUFFIXES:
        if text.endswith(word):
            return text[: -len(word)].rstrip(), unit
    return text, None


def convert(value: Decimal, *, typed: str, to: str) -> Decimal:
    """`value`, typed in unit `typed`, in unit `to`, rounded as the module's docstring says."""
    if typed == to:
        return value
    factor, shift = _FACTORS[typed, to]
    if shift is not None:  # by a power of ten: the same digits, exactly
        sign, digits, exponent = value.as_tuple()
        assert isinstance(exponent, int)
        return Decimal((sign, digits, exponent + shift))
    exponent = value.as_tuple().exponent
    decimals = max(0, -exponent) if isinstance(exponent, int) else 0
    scaled = Fraction(value) * factor * 10**decimals
    whole = (abs(scaled.numerator) * 2 + scaled.denominator) // (2 * scaled.denominator)
    # From text, which is exact (arithmetic would round to the context's 28 digits).
    return Decimal(f"{'-' if scaled < 0 else ''}{whole}E-{decimals}")


def _power_of_ten(factor: Fraction) -> int | None:
    """k when `factor` is 10**k, else None."""
    for k in range(-9, 10):
        if factor == Fraction(10) ** k:
            return k
    return None


# Per pair of units: the factor and, when it is a power of ten, its exponent.
_FACTORS: dict[tuple[str, str], tuple[Fraction, int | None]] = {
    (a, b): (METRES[a] / METRES[b], _power_of_ten(METRES[a] / METRES[b]))
    for a in METRES
    for b in METRES
}
