from __future__ import annotations

import io
import time

import pytest
from PIL import Image, ImageStat

from media.images import image_check
from providers.base import ImageData, ProviderPermanent, ProviderRequest
from providers.image_guard import MAX_PIXELS_PER_BYTE
from providers.local import OPERATIONS, LocalProvider
from providers.schema import ParamsInvalid
from tests.support import hostile_images, images


def _request(operation: str, params: dict, photo: bytes | None = None, **kwargs) -> ProviderRequest:
    cleaned = LocalProvider.operations[operation].validate(params)
    return ProviderRequest(
        operation=operation,
        image=ImageData(photo or images.jpeg(), "image/jpeg"),
        params=cleaned,
        deadline=time.time() + 10,
        **kwargs,
    )


def _out(result) -> Image.Image:
    return images.decode(result.image.data)


def test_grayscale_returns_a_single_channel_jpeg():
    result = LocalProvider().process(_request("grayscale", {}))
    assert result.image.content_type == "image/jpeg"
    assert _out(result).mode == "L"


def test_sepia_tones_red_over_green_over_blue():
    out = _out(LocalProvider().process(_request("sepia", {})))
    red, green, blue = ImageStat.Stat(out).mean
    assert red > green > blue


def test_sepia_strength_zero_keeps_the_colours():
    photo = images.png()
    result = LocalProvider().process(_request("sepia", {"strength": 0, "output_format": "png"}, photo))
    assert _out(result).tobytes() == images.decode(photo).convert("RGB").tobytes()


@pytest.mark.parametrize("mode", ["cover", "contain", "stretch"])
def test_fit_produces_exactly_the_requested_size(mode):
    result = LocalProvider().process(_request("fit", {"width": 100, "height": 150, "mode": mode}))
    assert _out(result).size == (100, 150)


def test_overlay_composites_the_frame_over_the_photo():
    frame = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    frame.paste((255, 0, 0, 255), (0, 0, 10, 2))  # an opaque red band across the top
    request = _request(
        "overlay",
        {"frame": "f", "output_format": "png"},
        templates={"frame": (ImageData(images.encode(frame, "PNG"), "image/png"),)},
    )
    out = _out(LocalProvider().process(request)).convert("RGB")
    assert out.size == (320, 240)
    red, green, _ = out.getpixel((160, 10))
    assert red > 240 and green < 15
    assert out.getpixel((160, 200))[1] > 100  # the photo shows below the band


def test_overlay_without_its_frame_is_a_permanent_error():
    with pytest.raises(ProviderPermanent):
        LocalProvider().process(_request("overlay", {"frame": "f"}))


def test_exif_rotated_photo_is_processed_upright():
    img = images.gradient(320, 240)
    exif = img.getexif()
    exif[0x0112] = 6  # rotate 90° clockwise on display
    photo = images.encode(img, "JPEG", exif=exif.tobytes())
    out = _out(LocalProvider().process(_request("grayscale", {}, photo)))
    assert out.size == (240, 320)


def test_undecodable_input_is_a_permanent_error():
    with pytest.raises(ProviderPermanent):
        LocalProvider().process(_request("grayscale", {}, b"garbage"))


# --- hostile inputs: the worker's decode goes through the same guard as the web's check --------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(hostile_images.repeated_scan_jpeg(), id="repeated-scans"),
        pytest.param(hostile_images.chunk_flood_png(), id="chunk-flood"),
        pytest.param(hostile_images.sparse_png(8000, 8000), id="over-the-pixel-limit"),
    ],
)
def test_an_input_the_decode_guard_refuses_fails_permanently_at_once(data):
    started = time.monotonic()
    with pytest.raises(ProviderPermanent, match="Cannot decode"):
        LocalProvider().process(_request("grayscale", {}, photo=data))
    assert time.monotonic() - started < 0.5


def test_a_photo_whose_exif_outgrows_its_segment_is_processed_upright():
    out = _out(LocalProvider().process(_request("grayscale", {}, photo=hostile_images.growing_exif_jpeg())))
    assert out.size == (240, 320)


def test_a_multi_picture_jpeg_is_processed_as_its_first_image():
    assert _out(LocalProvider().process(_request("grayscale", {}, photo=hostile_images.mpo(320, 240)))).size == (
        320,
        240,
    )


def test_a_resize_larger_than_the_pixel_limit_is_refused_on_both_sides(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 52_000_000)
    fit = OPERATIONS["fit"]

    with pytest.raises(ParamsInvalid) as refused:
        fit.validate({"width": 10000, "height": 10000})

    assert set(refused.value.fields) == {"width", "height"}
    assert fit.validate({"width": 7000, "height": 7000})["width"] == 7000


def test_a_large_flat_photo_the_web_turned_upright_is_processed_by_the_worker():
    upload = hostile_images.flat_turned_webp(4000, 3200)  # 12.8 MP: over the ratio rule's exemption
    checked = image_check(io.BytesIO(upload), max_pixels=52_000_000)
    assert len(checked.upright) * MAX_PIXELS_PER_BYTE < 4000 * 3200  # the app's own re-encode is tiny
    out = _out(LocalProvider().process(_request("grayscale", {}, photo=checked.upright)))
    assert out.size == (3200, 4000)
