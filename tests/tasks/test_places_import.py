"""`manage.py gazetteer_import`: GeoNames dumps and the built-in places, loaded once."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tasks.models import GazetteerSource, Place, PlaceName
from tasks.selectors.places import places_search
from tasks.services.places import BATCH_SIZE
from tests.worker.test_places_gazetteer import dump_line
from worker.places.gazetteer import LINE_MAX_BYTES

pytestmark = pytest.mark.django_db

GOOD = [
    dump_line(),
    dump_line(
        "2980104",
        "Saint-Flour",
        asciiname="Saint-Flour",
        alternatenames="Fort-Cantal,Fort-Libre,Mont-Flour",
        latitude="45.03374",
        longitude="3.09297",
        population="7499",
    ),
    dump_line(
        "3128760",
        "Barcelona",
        asciiname="Barcelona",
        alternatenames="Barcelone,Barcellona",
        latitude="41.38879",
        longitude="2.15899",
        country_code="ES",
        admin1_code="56",
        admin2_code="B",
        population="1620343",
    ),
    dump_line(
        "2993530",
        "Puy Mary",
        asciiname="Puy Mary",
        alternatenames="Le Puy Mary",
        latitude="45.1097",
        longitude="2.6797",
        feature_class="T",
        feature_code="MT",
        population="0",
    ),
]


def dump(tmp_path, lines, name="FR.txt"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("gazetteer_import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_good_dump_is_loaded_with_names_regions_and_kinds(tmp_path):
    out, _ = run(str(dump(tmp_path, GOOD)))
    assert out.startswith("4 places written, 0 skipped (filters), 0 kept")
    mauriac = Place.objects.get(pk=2995024)
    assert (mauriac.admin1_name, mauriac.admin2_name, mauriac.admin2_code) == (
        "Auvergne-Rhône-Alpes",
        "Cantal",
        "15",
    )
    assert Place.objects.get(pk=2993530).feature_code == "MT"
    assert Place.objects.get(pk=2980104).alternate_names == [
        "Fort-Cantal",
        "Fort-Libre",
        "Mont-Flour",
    ]
    [hit] = places_search("Fort Libre")
    assert hit.place.pk == 2980104
    assert GazetteerSource.objects.get(name="FR.txt").places == 4


def test_importing_again_updates_and_never_duplicates(tmp_path):
    run(str(dump(tmp_path, GOOD)))
    counts = (Place.objects.count(), PlaceName.objects.count())
    run(str(dump(tmp_path, GOOD)))
    assert (Place.objects.count(), PlaceName.objects.count()) == counts
    changed = [*GOOD[:3], GOOD[3].replace("Le Puy Mary", "Puy-Mary")]
    changed[0] = changed[0].replace("\t3955\t", "\t4000\t")
    run(str(dump(tmp_path, changed)))
    assert Place.objects.count() == counts[0]
    assert Place.objects.get(pk=2995024).population == 4000
    assert set(PlaceName.objects.filter(place_id=2993530).values_list("key", flat=True)) == {
        "puy mary"
    }


def test_bad_rows_are_listed_by_line_and_the_good_ones_written(tmp_path):
    lines = [
        GOOD[0],
        "2995025\tshort row",
        dump_line("2995026", latitude="123"),
        dump_line("2995027", alternatenames="x," * LINE_MAX_BYTES),
        GOOD[1],
    ]
    with pytest.raises(CommandError, match="3 bad rows"):
        run(str(dump(tmp_path, lines)))
    assert set(Place.objects.values_list("pk", flat=True)) == {2995024, 2980104}
    # Nothing half-written: no place without its names, no names without their place.
    assert set(PlaceName.objects.values_list("place_id", flat=True)) == {2995024, 2980104}


def test_the_report_names_each_bad_line(tmp_path):
    lines = [GOOD[0], "2995025\tshort row", dump_line("2995026", latitude="123")]
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "gazetteer_import", str(dump(tmp_path, lines)), stdout=io.StringIO(), stderr=err
        )
    assert err.getvalue().splitlines() == [
        "line 2: 2 columns, expected 19 (tab-separated)",
        "line 3: latitude: out of range ('123')",
    ]


def test_a_huge_line_is_refused(tmp_path):
    err = io.StringIO()
    lines = [dump_line(alternatenames="Mauriac," * 3_000), GOOD[1]]
    with pytest.raises(CommandError, match="1 bad rows"):
        call_command(
            "gazetteer_import", str(dump(tmp_path, lines)), stdout=io.StringIO(), stderr=err
        )
    assert err.getvalue().startswith(f"line 1: longer than {LINE_MAX_BYTES} bytes")
    assert list(Place.objects.values_list("pk", flat=True)) == [2980104]


def test_country_and_feature_class_filters(tmp_path):
    out, _ = run(str(dump(tmp_path, GOOD)), "--country", "Espagne")
    assert out.startswith("1 places written, 3 skipped")
    assert list(Place.objects.values_list("pk", flat=True)) == [3128760]
    run(str(dump(tmp_path, GOOD)), "--country", "FR", "--feature-class", "T")
    assert set(Place.objects.values_list("pk", flat=True)) == {3128760, 2993530}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--country", "Atlantis"], "'Atlantis' is not a country"),
        (["--feature-class", "P,Q"], "--feature-class: Q is not one of"),
        (["--builtin"], "Give either a dump file or --builtin"),
    ],
)
def test_bad_options_are_refused(tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        run(str(dump(tmp_path, GOOD)), *args)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(CommandError, match="No file"):
        run(str(tmp_path / "nothing.txt"))


def test_a_zip_as_geonames_serves_it_is_read(tmp_path):
    path = tmp_path / "FR.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "GeoNames readme")
        archive.writestr("FR.txt", "\n".join(GOOD) + "\n")
    out, _ = run(str(path))
    assert out.startswith("4 places written")


def test_a_dry_run_writes_nothing(tmp_path):
    out, _ = run(str(dump(tmp_path, GOOD)), "--dry-run")
    assert out.startswith("4 places checked")
    assert not Place.objects.exists()
    assert not GazetteerSource.objects.exists()


def test_the_builtin_places_load_once_and_leave_a_dumps_places_alone(tmp_path):
    andorra = dump_line(
        "3041563",
        "Andorra la Vella (from the dump)",
        latitude="42.50779",
        longitude="1.52109",
        country_code="AD",
        admin1_code="07",
        population="20430",
    )
    run(str(dump(tmp_path, [andorra], name="AD.txt")))
    out, _ = run("--builtin", "--country", "AD")
    assert "kept (loaded from a dump)" in out
    assert Place.objects.filter(country_code="AD").count() > 5
    assert Place.objects.get(pk=3041563).name == "Andorra la Vella (from the dump)"
    places = Place.objects.count()
    out, _ = run("--builtin", "--country", "AD")
    assert out.startswith("Built-in places already loaded")
    assert Place.objects.count() == places
    assert places_search("Escaldes", country="AD")


def damaged_zip(tmp_path, lines):
    """A GeoNames zip whose dump's last bytes were damaged in transit: every line but the
    last reads, then the archive's checksum fails."""
    path = tmp_path / "FR.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("FR.txt", "\n".join(lines) + "\n")
    data = bytearray(path.read_bytes())
    last = data.rindex(b"Moriac")  # an alternate name of the last row
    data[last] = ord("N")
    path.write_bytes(bytes(data))
    return path


def test_an_import_that_fails_midway_leaves_the_gazetteer_as_it_was(tmp_path):
    run(str(dump(tmp_path, GOOD)))
    before = (
        sorted(Place.objects.values_list("pk", "name", "population")),
        sorted(PlaceName.objects.values_list("place_id", "key")),
        sorted(GazetteerSource.objects.values_list("name", "places")),
    )
    # More rows than a batch, so that batches are written before the damage is found; the
    # first updates a place already there.
    renamed = GOOD[0].replace("Mauriac\tMauriac", "Mauriac-renamed\tMauriac")
    more = [dump_line(str(3_000_000 + n), f"Lieu {n}") for n in range(BATCH_SIZE + 10)]
    path = damaged_zip(tmp_path, [renamed, *more, GOOD[0]])
    with pytest.raises(CommandError, match=r"FR\.zip.*damaged.*nothing was written"):
        run(str(path))
    after = (
        sorted(Place.objects.values_list("pk", "name", "population")),
        sorted(PlaceName.objects.values_list("place_id", "key")),
        sorted(GazetteerSource.objects.values_list("name", "places")),
    )
    assert after == before


def test_a_zip_that_inflates_far_beyond_a_dump_is_refused_unread(tmp_path):
    path = tmp_path / "FR.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("FR.txt", "\n".join(GOOD) + "\n" + "\n" * 2_000_000)
    with pytest.raises(CommandError, match=r"FR\.txt.*inflates.*times"):
        run(str(path))
    assert not Place.objects.exists()
