"""Number fields convert answers written in another unit, as precisely as the label wrote them."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from worker.consensus import Policy, Submission, reconcile_task
from worker.consensus.numbers import parse_number, plain
from worker.consensus.units import convert
from worker.template import FieldSpec

FOOT = Decimal("0.3048")

METRES = st.integers(min_value=-500, max_value=9000)
# Up to two decimals: "3.281" is read as thousands (1.200 is 1200), whatever the unit.
DECIMALS = st.integers(min_value=0, max_value=2)


@given(METRES, DECIMALS)
def test_a_metre_value_written_in_feet_reads_back_as_that_value_within_the_rounding(metres, places):
    feet = (Decimal(metres) / FOOT).quantize(Decimal(1).scaleb(-places))
    for typed in (f"{feet} ft", f"{feet} pieds", f"{feet}'", f"{str(feet).replace('.', ',')} feet"):
        read = parse_number(typed, "m")
        assert read is not None, typed
        # Writing in feet rounded to half a typed step of feet; reading rounds to half a step
        # of metres at the same number of decimals.
        step = Decimal(1).scaleb(-places)
        assert abs(read - metres) <= step / 2 * FOOT + step / 2, typed
        assert read == read.quantize(step)


@given(
    st.integers(min_value=-(10**12), max_value=10**12),
    DECIMALS,
    st.sampled_from(["km", "m", "cm", "mm"]),
    st.sampled_from(["km", "m", "cm", "mm"]),
)
def test_metric_units_convert_exactly_both_ways(digits, places, first, second):
    value = Decimal(digits).scaleb(-places)
    there = convert(value, typed=first, to=second)
    assert convert(there, typed=second, to=first) == value


@given(st.integers(min_value=0, max_value=10**6))
def test_a_value_in_the_field_unit_is_never_changed(number):
    assert parse_number(f"{number} m", "m") == number
    assert parse_number(f"{number}", "ft") == number
    assert parse_number(f"{number} ft", "ft") == number


def test_the_rounding_keeps_the_decimals_the_label_gave():
    assert plain(parse_number("1200 ft", "m")) == "366"
    assert plain(parse_number("1200.0 ft", "m")) == "365.8"
    assert plain(parse_number("1200.00 ft", "m")) == "365.76"
    assert plain(parse_number("-1200 ft", "m")) == "-366"  # half away from zero, both signs


def test_answers_in_feet_and_in_metres_agree_on_one_elevation_in_metres():
    field = FieldSpec(key="alt", type="number", label={"en": "Elevation"}, unit="m")
    outcome = reconcile_task(
        [field],
        [
            Submission(user="a", values={"alt": "1200 ft"}),
            Submission(user="b", values={"alt": "366 m"}),
            Submission(user="c", values={"alt": "3000 pieds"}),
        ],
        Policy(),
    )
    result = outcome.fields["alt"]
    assert result.value == "366"
    assert (result.status, result.support) == ("agreed", 2)
    assert [a.value for a in result.alternatives] == ["366", "914"]
