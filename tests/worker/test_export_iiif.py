"""IIIF exports: manifests per batch and their collection, loaded with iiif-prezi3. No database:
writers take plain records."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import replace

from iiif_prezi3 import Collection, Manifest

from tests.worker.export_records import HERBARIUM, dataset, sheet, write
from worker.exports import counting
from worker.exports.iiif import iiif_write, manifest_chunks
from worker.exports.records import (
    LICENCES,
    Value,
)


def test_iiif_manifests_per_batch_load_with_iiif_prezi3():
    records = [sheet(1), sheet(2), sheet(3, batch=(2, "Lot B"))]
    body, count, _ = write(iiif_write, dataset(HERBARIUM), records)
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert count == 3
    assert sorted(archive.namelist()) == [
        "collection.json",
        "manifests/batch-1.json",
        "manifests/batch-2.json",
    ]
    collection = Collection(**json.loads(archive.read("collection.json")))
    assert len(collection.items) == 2
    data = json.loads(archive.read("manifests/batch-1.json"))
    manifest = Manifest(**data)
    assert manifest.rights == LICENCES["CC-BY-4.0"].url
    assert len(manifest.items) == 2
    assert "Jeanne Baret (12)" in data["requiredStatement"]["value"]["en"][0]
    canvas = data["items"][0]
    painting = canvas["items"][0]["items"][0]
    assert painting["body"]["service"][0]["type"] == "ImageService3"
    annotations = {a["id"].rsplit("/", 1)[1]: a for a in canvas["annotations"][0]["items"]}
    assert annotations["scientificName"]["body"]["value"] == "Quercus ilex L."
    assert annotations["scientificName"]["motivation"] == "describing"
    assert annotations["scientificName"]["target"] == canvas["id"]
    assert "recordNumber" not in annotations  # blank values are not annotations
    assert len(json.loads(archive.read("manifests/batch-2.json"))["items"]) == 1


def iiif_archive(records):
    body, count, seen = write(iiif_write, dataset(HERBARIUM), records)
    return zipfile.ZipFile(io.BytesIO(body)), count, seen


def test_iiif_does_not_annotate_values_that_are_not_settled():
    record = sheet(
        1,
        state="disputed",
        scientificName=Value("Quercus ilex L.", "disputed", 0.5, 1, 2, "exact"),
        eventDate=Value("1898-06-12", "needs_more", 1.0, 1, 1, "date"),
    )
    archive, _, _ = iiif_archive([record])
    canvas = json.loads(archive.read("manifests/batch-1.json"))["items"][0]
    keys = {a["id"].rsplit("/", 1)[1] for a in canvas["annotations"][0]["items"]}
    assert keys == {"coordinates", "locality"}


def test_the_painted_image_says_its_own_format():
    names = ["a.png", "b.TIF", "c.jp2", "d.webp", "e.jpeg?v=2", "f"]
    records = [
        replace(sheet(i), image_url=f"https://example.org/media/{name}")
        for i, name in enumerate(names, start=1)
    ]
    archive, _, _ = iiif_archive(records)
    manifest = json.loads(archive.read("manifests/batch-1.json"))
    Manifest(**manifest)
    bodies = [canvas["items"][0]["items"][0]["body"] for canvas in manifest["items"]]
    assert [body.get("format") for body in bodies] == [
        "image/png",
        "image/tiff",
        "image/jp2",
        "image/webp",
        "image/jpeg",
        None,  # unknown: better unsaid than wrong
    ]


def test_a_task_without_an_image_or_its_size_is_no_canvas_but_still_counts_as_progress():
    records = [
        sheet(1),
        replace(sheet(2), image_url=""),
        replace(sheet(3), width=None),
        replace(sheet(4), height=0),
    ]
    archive, count, seen = iiif_archive(records)
    assert count == 1
    assert seen == [1, 2, 3, 4]
    manifest = json.loads(archive.read("manifests/batch-1.json"))
    assert [canvas["id"].rsplit("/", 1)[1] for canvas in manifest["items"]] == ["1"]
    assert all(canvas["width"] > 1 and canvas["height"] > 1 for canvas in manifest["items"])


def test_a_batch_with_no_canvas_has_no_manifest_and_is_not_in_the_collection():
    records = [
        replace(sheet(1, batch=(1, "Lot A")), image_url=""),
        sheet(2, batch=(2, "Lot B")),
        replace(sheet(3, batch=(3, "Lot C")), width=None),
    ]
    archive, count, seen = iiif_archive(records)
    assert count == 1
    assert seen == [1, 2, 3]
    assert sorted(archive.namelist()) == ["collection.json", "manifests/batch-2.json"]
    collection = json.loads(archive.read("collection.json"))
    Collection(**collection)
    assert [item["id"].split("/")[-2] for item in collection["items"]] == ["batch-2"]


def test_a_live_manifest_of_a_batch_with_no_canvas_is_still_a_json_document():
    records = [replace(sheet(1), image_url="")]
    counted: list[int] = []
    text = "".join(
        manifest_chunks(dataset(HERBARIUM), 1, "Lot A", counting(records, counted.append))
    )
    assert json.loads(text)["items"] == []
    assert counted == [1]


def test_a_point_s_annotation_says_latitude_and_longitude():
    archive, _, _ = iiif_archive([sheet(1)])
    canvas = json.loads(archive.read("manifests/batch-1.json"))["items"][0]
    bodies = {a["id"].rsplit("/", 1)[1]: a["body"] for a in canvas["annotations"][0]["items"]}
    assert bodies["coordinates"]["value"] == "lat. 44.0123, long. 2.8765"
    assert bodies["locality"]["value"] == "Grenoble,\tau bord\nde l'Isère"
