"""The metadata a template shows contributors: keys, their labels, and what is refused."""

from __future__ import annotations

import pytest

from worker.template import (
    TemplateError,
    default_label,
    metadata_dump,
    metadata_parse,
    metadata_read,
)
from worker.template.metadata import DEFAULT_LABELS, MAX_METADATA


def problems(data):
    with pytest.raises(TemplateError) as caught:
        metadata_parse(data)
    return caught.value.errors


def test_a_key_alone_is_named_by_its_default_label_and_a_lead_s_label_wins():
    specs = metadata_parse(
        [
            "catalogNumber",
            {"key": "Numéro d'inventaire", "label": {"fr": "Inventaire", "en": "Inventory"}},
            {"key": "institution", "label": "Herbier"},
        ]
    )
    assert [spec.key for spec in specs] == ["catalogNumber", "Numéro d'inventaire", "institution"]
    assert specs[0].label == {"fr": "Numéro de catalogue", "en": "Catalogue number"}
    assert not specs[0].labelled
    assert specs[1].label_in("fr") == "Inventaire"
    assert specs[1].label_in("en") == "Inventory"
    # A plain string is the label in both languages, as for fields.
    assert specs[2].label == {"fr": "Herbier", "en": "Herbier"}
    assert specs[2].labelled


def test_every_default_label_is_given_in_french_and_english():
    for key, label in DEFAULT_LABELS.items():
        assert set(label) == {"fr", "en"}, key
        assert all(text.strip() for text in label.values()), key
    assert default_label("catalogNumber") == {"fr": "Numéro de catalogue", "en": "Catalogue number"}
    assert default_label("inv_2019") is None


def test_a_key_without_a_default_label_must_be_given_one():
    assert problems(["catalogNumber", "inv_2019"]) == [
        "metadata_shown[1]: 'inv_2019' has no default label: give it one in French and English, "
        'e.g. {"key": "inv_2019", "label": {"fr": "…", "en": "…"}}'
    ]


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            {"key": "barcode", "label": {"fr": "Code\x07", "en": "Barcode"}},
            "metadata_shown[0].label.fr: control characters and direction overrides are not allowed",
        ),
        (
            {"key": "barcode", "label": {"fr": "Code-barres", "en": "Bar\u202ecode"}},
            "metadata_shown[0].label.en: control characters and direction overrides are not allowed",
        ),
        (
            {"key": "barcode", "label": {"fr": "Code\nbarres", "en": "Barcode"}},
            "metadata_shown[0].label.fr: control characters and direction overrides are not allowed",
        ),
        (
            {"key": "barcode", "label": {"fr": "x" * 101, "en": "Barcode"}},
            "metadata_shown[0].label.fr: at most 100 characters (101 given)",
        ),
        (
            {"key": "barcode", "label": {"fr": "Code-barres"}},
            "metadata_shown[0].label.en: missing; the interface ships in French and English",
        ),
        (
            {"key": "barcode", "label": {"fr": "Code", "en": "Code", "de": "Strichcode"}},
            "metadata_shown[0].label: 'de' is not a supported language (fr, en)",
        ),
        (
            {"key": "cat\x00alogNumber", "label": "Catalogue"},
            "metadata_shown[0].key: control characters and direction overrides are not allowed",
        ),
        (
            "\u202ecatalogNumber",
            "metadata_shown[0].key: control characters and direction overrides are not allowed",
        ),
        ("k" * 101, "metadata_shown[0].key: at most 100 characters (101 given)"),
        (" catalogNumber", "metadata_shown[0].key: ' catalogNumber' starts or ends with a space"),
        ("", "metadata_shown[0].key: give the metadata key as text, not ''"),
        (
            {"key": 12, "label": "Twelve"},
            "metadata_shown[0].key: give the metadata key as text, not 12",
        ),
        (
            {"key": "barcode", "lable": "Code"},
            "metadata_shown[0]: unknown property 'lable' (did you mean 'label'?)",
        ),
        (
            ["catalogNumber"],
            'metadata_shown[0]: a metadata key, or an object {"key": …, "label": {"fr": …, "en": …}}',
        ),
    ],
)
def test_hostile_or_malformed_entries_are_refused_with_their_path(entry, expected):
    assert problems([entry]) == [expected]


def test_a_key_listed_twice_not_a_list_and_too_many_keys_are_refused():
    assert problems(["catalogNumber", {"key": "catalogNumber", "label": "N°"}]) == [
        "metadata_shown[1].key: 'catalogNumber' is already listed at metadata_shown[0]"
    ]
    assert problems("catalogNumber, barcode") == [
        'metadata_shown: a list of metadata keys, e.g. ["catalogNumber", "barcode"]'
    ]
    too_many = [{"key": f"k{n}", "label": f"K{n}"} for n in range(MAX_METADATA + 1)]
    assert problems(too_many) == [
        f"metadata_shown: at most {MAX_METADATA} metadata keys, this template lists {MAX_METADATA + 1}"
    ]


def test_the_stored_form_keeps_keys_alone_where_their_default_label_serves():
    data = ["catalogNumber", {"key": "inv", "label": {"fr": "Inventaire", "en": "Inventory"}}]
    assert metadata_dump(metadata_parse(data)) == data
    assert metadata_dump(metadata_parse([{"key": "inv", "label": "Inv."}])) == [
        {"key": "inv", "label": {"fr": "Inv.", "en": "Inv."}}
    ]


def test_a_stored_list_is_read_leniently_leaving_out_what_would_be_refused():
    """A key listed before keys needed a label, and without a default one, is not shown."""
    specs = metadata_read(["catalogNumber", "inv_2019", "catalogNumber", 7, "barcode"])
    assert [spec.key for spec in specs] == ["catalogNumber", "barcode"]
    assert metadata_read("catalogNumber") == ()
    assert metadata_parse(None) == ()
