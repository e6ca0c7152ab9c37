"""The stand-in image processing: deterministic, sized as asked, strength and style visible, masks respected."""

from __future__ import annotations

import io
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageDraw, ImageStat

from leonardo_realtime_client.server import UPSCALE_FACTOR, ServerConfig

from .conftest import client_for, data_url, decode_output, jpeg_bytes, scene

STYLES = [
    "ANIME", "CINEMATIC", "DIGITAL_ART", "DYNAMIC", "ENVIRONMENT", "FANTASY_ART", "ILLUSTRATION",
    "PHOTOGRAPHY", "RENDER_3D", "RAYTRACED", "SKETCH_BW", "SKETCH_COLOR", "VIBRANT",
]  # fmt: skip


def post(path: str, body: dict[str, Any], config: ServerConfig | None = None) -> Image.Image:
    with client_for(config or ServerConfig()) as client:  # a fresh server each time: no cache involved
        response = client.post(path, json=body)
    assert response.status_code == 200, response.text
    return decode_output(response.json())


def mean_diff(a: Image.Image, b: Image.Image, mask: Image.Image | None = None) -> float:
    """Mean absolute difference in grey levels (0-255), averaged over the channels."""
    stat = ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB")), mask=mask)
    return sum(stat.mean) / 3


def generate(url: str, **extra: Any) -> Image.Image:
    return post("/generations-lcm", {"imageDataUrl": url, "prompt": "a lighthouse at dusk", **extra})


def test_same_request_gives_the_same_bytes_and_seed_prompt_style_each_change_it(scene_url: str) -> None:
    base = generate(scene_url, seed=1)
    assert mean_diff(base, generate(scene_url, seed=1)) == 0
    assert mean_diff(base, generate(scene_url, seed=2)) > 5
    assert mean_diff(base, post("/generations-lcm", {"imageDataUrl": scene_url, "prompt": "a red fox", "seed": 1})) > 5
    assert mean_diff(base, generate(scene_url, seed=1, style="VIBRANT")) > 5


def test_strength_sets_how_far_the_output_departs_from_the_input(scene_url: str) -> None:
    source = scene()
    diffs = [mean_diff(source, generate(scene_url, strength=s, seed=4)) for s in (0.1, 0.4, 0.7, 1.0)]
    assert diffs == sorted(diffs)
    assert diffs[0] < 5, "strength 0.1 should stay close to the input"
    assert diffs[-1] > 40, "strength 1 should keep little of the input"


def test_every_style_visibly_changes_palette_or_contrast(scene_url: str) -> None:
    plain = generate(scene_url, seed=9, style="NONE")
    assert mean_diff(plain, generate(scene_url, seed=9)) == 0  # no style is NONE
    plain_stat = ImageStat.Stat(plain)
    for style in STYLES:
        styled = ImageStat.Stat(generate(scene_url, seed=9, style=style))
        palette_shift = max(abs(a - b) for a, b in zip(styled.mean, plain_stat.mean, strict=True))
        contrast_shift = max(abs(a - b) for a, b in zip(styled.stddev, plain_stat.stddev, strict=True))
        assert max(palette_shift, contrast_shift) > 8, style


def test_styles_do_what_their_names_say(scene_url: str) -> None:
    def saturation(img: Image.Image) -> float:
        return float(ImageStat.Stat(img.convert("HSV").getchannel("S")).mean[0])

    plain = generate(scene_url, seed=9, strength=0.5)
    sketch = generate(scene_url, seed=9, strength=0.5, style="SKETCH_BW")
    vibrant = generate(scene_url, seed=9, strength=0.5, style="VIBRANT")
    assert saturation(sketch) < saturation(plain) / 2
    assert saturation(vibrant) > saturation(plain) + 15


def test_refine_keeps_the_size_and_more_of_the_input_than_generate(scene_url: str) -> None:
    body = {"imageDataUrl": scene_url, "prompt": "a lighthouse", "strength": 0.8, "width": 640, "height": 640}
    refined = post("/lcm-instant-refine", body)
    generated = post("/generations-lcm", body)
    source = scene((640, 640))
    assert refined.size == (640, 640)
    assert mean_diff(source, refined) < mean_diff(source, generated)


def test_upscale_multiplies_the_requested_size(scene_url: str) -> None:
    out = post("/lcm-upscale", {"imageDataUrl": scene_url, "prompt": "p", "width": 640, "height": 512})
    assert out.size == (640 * UPSCALE_FACTOR, 512 * UPSCALE_FACTOR)


def test_upscale_without_a_size_starts_from_the_input_capped_at_1024() -> None:
    small = data_url(jpeg_bytes(scene((300, 200))))
    large = data_url(jpeg_bytes(scene((1500, 1000))))
    assert post("/lcm-upscale", {"imageDataUrl": small, "prompt": "p"}).size == (600, 400)
    assert post("/lcm-upscale", {"imageDataUrl": large, "prompt": "p"}).size == (2048, 1366)


def test_upscale_factor_is_configurable(scene_url: str) -> None:
    out = post("/lcm-upscale", {"imageDataUrl": scene_url, "prompt": "p"}, ServerConfig(upscale_factor=3))
    assert out.size == (1536, 1536)


def test_upscale_stays_faithful_and_refine_creative_departs_more(scene_url: str) -> None:
    body: dict[str, Any] = {"imageDataUrl": scene_url, "prompt": "a lighthouse", "refineStrength": 0.9}
    reference = scene((1024, 1024))
    plain = post("/lcm-upscale", body)
    creative = post("/lcm-upscale", {**body, "refineCreative": True})
    assert mean_diff(reference, plain) < 12
    assert mean_diff(reference, creative) > mean_diff(reference, plain) + 5


def test_png_input_is_accepted() -> None:
    buf = io.BytesIO()
    scene().save(buf, "PNG")
    out = generate(data_url(buf.getvalue(), "image/png"), strength=0.1)
    assert mean_diff(scene(), out) < 5


# -- inpainting: only the white area changes ----------------------------------------------------------------------

boxes = st.tuples(st.integers(0, 448), st.integers(0, 448), st.integers(32, 256), st.integers(32, 256)).map(
    lambda b: (b[0], b[1], min(512, b[0] + b[2]), min(512, b[1] + b[3]))
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    mask_boxes=st.lists(boxes, min_size=1, max_size=3),
    prompt=st.text(min_size=1, max_size=30),
    seed=st.integers(0, 9_999_999_998),
    strength=st.floats(0.1, 1.0),
    style=st.sampled_from([None, *STYLES]),
)
def test_inpainting_changes_only_the_white_area(
    scene_url: str,
    mask_boxes: list[tuple[int, int, int, int]],
    prompt: str,
    seed: int,
    strength: float,
    style: str | None,
) -> None:
    mask = Image.new("L", (512, 512), 0)
    # JPEG works in 8x8 blocks (16x16 with chroma subsampling): compare outside a 16-pixel band round the mask,
    # and measure the change inside 8 pixels from its edge.
    outside = Image.new("L", (512, 512), 255)
    inside = Image.new("L", (512, 512), 0)
    for x0, y0, x1, y1 in mask_boxes:
        ImageDraw.Draw(mask).rectangle((x0, y0, x1, y1), fill=255)
        ImageDraw.Draw(outside).rectangle((x0 - 16, y0 - 16, x1 + 16, y1 + 16), fill=0)
        if x1 - x0 > 16 and y1 - y0 > 16:
            ImageDraw.Draw(inside).rectangle((x0 + 8, y0 + 8, x1 - 8, y1 - 8), fill=255)
    body: dict[str, Any] = {
        "imageDataUrl": scene_url,
        "maskDataUrl": data_url(jpeg_bytes(mask.convert("RGB"), quality=95)),
        "prompt": prompt,
        "seed": seed,
        "strength": strength,
    }
    if style is not None:
        body["style"] = style
    out = post("/lcm-inpainting", body)

    served_input = Image.open(io.BytesIO(jpeg_bytes(scene()))).convert("RGB")  # what the server decoded
    # The noise of re-encoding the input alone is the yardstick for "unchanged".
    reencoded = Image.open(io.BytesIO(jpeg_bytes(served_input))).convert("RGB")
    noise = mean_diff(served_input, reencoded, outside)
    assert mean_diff(served_input, out, outside) <= noise * 1.5 + 0.5
    worst = ImageChops.difference(served_input, out).convert("L")
    assert ImageStat.Stat(worst, mask=outside).extrema[0][1] <= 24

    if ImageStat.Stat(inside).mean[0] > 2:  # enough of the mask left to measure
        assert mean_diff(served_input, out, inside) > 2


def test_inpainting_with_a_black_mask_returns_the_input_and_a_white_mask_changes_it_all(scene_url: str) -> None:
    def inpaint(value: int) -> Image.Image:
        mask = data_url(jpeg_bytes(Image.new("RGB", (512, 512), (value, value, value))))
        return post("/lcm-inpainting", {"imageDataUrl": scene_url, "maskDataUrl": mask, "prompt": "p", "strength": 1})

    source = scene()
    assert mean_diff(source, inpaint(0)) < 1.5
    assert mean_diff(source, inpaint(255)) > 40


def test_mask_of_another_size_is_scaled_to_the_output(scene_url: str) -> None:
    mask = Image.new("L", (256, 256), 0)
    ImageDraw.Draw(mask).rectangle((0, 0, 127, 255), fill=255)  # left half white
    body = {"imageDataUrl": scene_url, "maskDataUrl": data_url(jpeg_bytes(mask.convert("RGB"))), "prompt": "p"}
    out = post("/lcm-inpainting", {**body, "width": 1024, "height": 1024})
    source = scene((1024, 1024))
    left, right = (0, 0, 480, 1024), (544, 0, 1024, 1024)
    assert mean_diff(source.crop(right), out.crop(right)) < 3
    assert mean_diff(source.crop(left), out.crop(left)) > 10


def test_many_requests_share_one_http_client(scene_url: str) -> None:
    with client_for(ServerConfig()) as client:
        sizes = {
            decode_output(
                client.post("/lcm-instant-refine", json={"imageDataUrl": scene_url, "prompt": str(i)}).json()
            ).size
            for i in range(3)
        }
        assert isinstance(client, httpx.Client)
    assert sizes == {(512, 512)}
