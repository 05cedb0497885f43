"""The per-image ingest pipeline, without Django: every way a file can be bad, and the good."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image

from tests.images import PDF, image_bytes, jpeg
from worker.imaging.ingest import (
    THUMBNAIL_SIZE,
    ImageRejected,
    file_sha256,
    image_ingest,
)


def ingest(tmp_path: Path, data: bytes, *, max_pixels: int = 10_000_000, name: str = "in.jpg"):
    source = tmp_path / name
    source.write_bytes(data)
    return image_ingest(
        source,
        tiles_folder=tmp_path / "tiles",
        thumbnail_path=tmp_path / "thumb.jpg",
        base_id="/media/tiles",
        max_pixels=max_pixels,
        tile_size=64,
    )


def rejection(tmp_path: Path, data: bytes, **options) -> ImageRejected:
    with pytest.raises(ImageRejected) as raised:
        ingest(tmp_path, data, **options)
    assert not (tmp_path / "tiles").exists()
    assert not (tmp_path / "thumb.jpg").exists()
    return raised.value


def test_a_good_jpeg_gets_tiles_with_info_json_and_a_thumbnail(tmp_path):
    made = ingest(tmp_path, jpeg(size=(300, 200)))
    info = json.loads((tmp_path / "tiles" / "info.json").read_text())
    assert (info["width"], info["height"]) == (300, 200) == (made.width, made.height)
    assert info["id"] == "/media/tiles"
    assert (tmp_path / "tiles" / "0,0,64,64/64,64/0/default.jpg").exists()
    with Image.open(tmp_path / "thumb.jpg") as thumbnail:
        assert thumbnail.format == "JPEG"
        assert thumbnail.size == made.thumbnail_size == (300, 200)  # never enlarged
    assert made.format == "JPEG"


def test_the_thumbnail_fits_in_its_box(tmp_path):
    made = ingest(tmp_path, jpeg(size=(1200, 600)))
    assert made.thumbnail_size == (THUMBNAIL_SIZE[0], 200)


def test_a_pdf_named_jpg_is_rejected_as_a_pdf_document(tmp_path):
    rejected = rejection(tmp_path, PDF)
    assert (rejected.code, rejected.params) == ("not_image", {"kind": "pdf"})


def test_a_text_file_is_rejected_as_not_an_image(tmp_path):
    rejected = rejection(tmp_path, b"catalogue;barcode\n1;2\n")
    assert (rejected.code, rejected.params["kind"]) == ("not_image", "text")


def test_an_empty_file_is_rejected_as_empty(tmp_path):
    assert rejection(tmp_path, b"").code == "empty"


def test_a_truncated_jpeg_is_rejected_as_truncated(tmp_path):
    data = jpeg(size=(400, 300))
    assert rejection(tmp_path, data[: len(data) // 2]).code == "truncated"


def test_a_png_with_damaged_data_is_rejected_as_corrupt(tmp_path):
    data = bytearray(image_bytes((64, 64), format="PNG"))
    middle = len(data) // 2
    data[middle : middle + 8] = b"\x00\xff" * 4
    rejected = rejection(tmp_path, bytes(data), name="in.png")
    assert rejected.code in ("corrupt", "truncated")
    assert rejected.code != "corrupt" or rejected.params["detail"]


def test_a_decompression_bomb_is_rejected_before_its_pixels_are_decoded(tmp_path):
    rejected = rejection(tmp_path, jpeg(size=(200, 100)), max_pixels=19_999)
    assert rejected.code == "too_many_pixels"
    assert rejected.params == {"pixels": 20_000, "limit": 19_999, "width": 200, "height": 100}


def test_an_image_past_pillows_own_bomb_limit_is_rejected_as_too_many_pixels(tmp_path, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 5_000)
    rejected = rejection(tmp_path, jpeg(size=(200, 100)))
    assert rejected.code == "too_many_pixels"
    assert rejected.params["pixels"] == 20_000


def test_the_exif_orientation_is_applied_before_tiling(tmp_path):
    image = Image.open(io.BytesIO(jpeg(size=(120, 60))))
    exif = image.getexif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    made = ingest(tmp_path, buffer.getvalue())
    assert (made.width, made.height) == (60, 120)


@pytest.mark.parametrize(
    ("mode", "file_format"),
    [("CMYK", "JPEG"), ("I;16", "PNG"), ("P", "PNG"), ("RGBA", "PNG"), ("LA", "PNG"), ("1", "PNG")],
)
def test_cmyk_sixteen_bit_palette_and_transparent_images_are_tiled_as_rgb(
    tmp_path, mode, file_format
):
    made = ingest(tmp_path, image_bytes((80, 70), mode=mode, format=file_format), name="in.img")
    assert made.mode == mode
    with Image.open(tmp_path / "tiles" / "full/max/0/default.jpg") as tile:
        assert tile.mode == "RGB"
        assert tile.size == (80, 70)


def test_transparency_is_flattened_on_white(tmp_path):
    clear = Image.new("RGBA", (40, 40), (255, 0, 0, 0))
    buffer = io.BytesIO()
    clear.save(buffer, format="PNG")
    ingest(tmp_path, buffer.getvalue(), name="in.png")
    with Image.open(tmp_path / "tiles" / "full/max/0/default.jpg") as tile:
        red, green, blue = tile.getpixel((20, 20))
        assert min(red, green, blue) > 245


def test_running_it_again_makes_nothing_twice(tmp_path):
    ingest(tmp_path, jpeg(size=(200, 150)))
    info = tmp_path / "tiles" / "info.json"
    before = info.stat().st_mtime_ns
    ingest(tmp_path, jpeg(size=(200, 150)))
    assert info.stat().st_mtime_ns == before


def test_the_hash_is_of_the_bytes_as_uploaded(tmp_path):
    import hashlib

    data = jpeg(3)
    (tmp_path / "a.jpg").write_bytes(data)
    assert file_sha256(tmp_path / "a.jpg") == hashlib.sha256(data).hexdigest()
