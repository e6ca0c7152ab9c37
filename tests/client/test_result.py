"""RealtimeResult: images as bytes, save() and to_pil()."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from leonardo_realtime_client import RealtimeResult, sniff_format

from .conftest import make_jpeg, make_png

JPEG = make_jpeg((20, 10))
PNG = make_png((6, 4), "RGBA")


def result(**kwargs: object) -> RealtimeResult:
    fields: dict[str, object] = {
        "operation": "upscale",
        "images": (JPEG, PNG),
        "mime_types": ("image/jpeg", "image/png"),
    }
    fields.update(kwargs)
    return RealtimeResult(**fields)  # type: ignore[arg-type]


def test_repr_summarises_the_images_instead_of_dumping_bytes() -> None:
    text = repr(result())
    assert f"<2 images, {len(JPEG) + len(PNG):,} bytes>" in text
    assert "\\x" not in text


def test_save_writes_the_bytes_unchanged(tmp_path: Path) -> None:
    path = result().save(tmp_path / "out.jpg")
    assert path == tmp_path / "out.jpg"
    assert path.read_bytes() == JPEG


def test_save_adds_the_right_suffix_and_creates_directories(tmp_path: Path) -> None:
    assert result().save(tmp_path / "a" / "b" / "picture", index=1) == tmp_path / "a" / "b" / "picture.png"
    assert (tmp_path / "a" / "b" / "picture.png").read_bytes() == PNG


def test_save_into_a_directory_names_the_file(tmp_path: Path) -> None:
    assert result().save(tmp_path) == tmp_path / "upscale-0.jpg"
    assert result(generated_image_id="img-7").save(tmp_path, index=-1) == tmp_path / "img-7-1.png"


@pytest.mark.parametrize("image_id", ["../../escaped", "/tmp/absolute", "sub/dir", "..", ".hidden", "a\\b", ""])
def test_save_into_a_directory_never_lets_the_servers_id_leave_it(tmp_path: Path, image_id: str) -> None:
    # generatedImageId comes from the server: it names a file only when it is a plain name.
    target = tmp_path / "out"
    target.mkdir()
    written = result(generated_image_id=image_id).save(target)
    assert written == target / "upscale-0.jpg"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["out", "upscale-0.jpg"]


def test_save_converts_when_the_suffix_names_another_format(tmp_path: Path) -> None:
    png_path = result().save(tmp_path / "out.png")
    assert sniff_format(png_path.read_bytes()) == "png"
    jpg_path = result().save(tmp_path / "out.jpeg", index=1)  # RGBA PNG → JPEG needs RGB
    assert sniff_format(jpg_path.read_bytes()) == "jpeg"
    unknown = result().save(tmp_path / "out.bin")
    assert unknown.read_bytes() == JPEG


def test_to_pil_gives_a_loaded_image() -> None:
    image = result().to_pil()
    assert isinstance(image, Image.Image)
    assert (image.format, image.size) == ("JPEG", (20, 10))
    assert result().to_pil(1).mode == "RGBA"


def test_image_is_the_first_and_bad_indexes_are_clear() -> None:
    assert result().image == JPEG
    with pytest.raises(IndexError, match="has 2 image"):
        result().to_pil(2)
    with pytest.raises(IndexError):
        result().save("x.jpg", index=-3)


def test_result_is_frozen_and_comparable() -> None:
    first = result()
    with pytest.raises(AttributeError):
        first.cost = None  # type: ignore[misc]
    assert first == result()
