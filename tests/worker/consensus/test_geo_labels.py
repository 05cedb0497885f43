"""Points as labels write them: words before each coordinate, in either order, and decimal
commas where they cannot be the separator (pure Python; the shared readings table checks the
transcription page's reader on the same cases)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from worker.consensus.geo import format_point, parse_point, read_formatted

latitudes = st.decimals(min_value=-90, max_value=90, places=4, allow_nan=False)
longitudes = st.decimals(min_value=-180, max_value=180, places=4, allow_nan=False)


@given(latitudes, longitudes)
def test_a_labelled_point_reads_the_same_whichever_coordinate_the_label_names_first(lat, lon):
    expected = format_point((float(lat), float(lon)))
    for written in (
        f"Lat. {lat} Long. {lon}",
        f"Long. {lon} Lat. {lat}",
        f"latitude : {lat} ; longitude : {lon}",
        f"lat {str(lat).replace('.', ',')} ; long {str(lon).replace('.', ',')}",
    ):
        point = parse_point(written)
        assert point is not None, written
        assert format_point(point) == expected, written


@given(latitudes, longitudes)
def test_a_pair_with_decimal_commas_split_by_a_space_is_read_in_its_order(lat, lon):
    point = parse_point(f"{str(lat).replace('.', ',')} {str(lon).replace('.', ',')}")
    assert point is not None
    assert format_point(point) == format_point((float(lat), float(lon)))


@given(latitudes, longitudes)
def test_a_consensus_value_reads_back_as_the_label_parser_reads_it(lat, lon):
    value = format_point((float(lat), float(lon)))
    assert read_formatted(value) == parse_point(value)


def test_text_that_is_not_a_consensus_value_goes_to_the_label_parser():
    for written in (
        "45.18850,5.7245",
        "Lat. 45,1885 ; Long. 5,7245",
        "45.1885 , 5.7245",
        "x,y",
        "",
    ):
        assert read_formatted(written) == parse_point(written), written
