"""The built-in Pillow provider: runs on the worker's CPU, no network, the default on a fresh install."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PIL import Image, ImageOps

from providers import imaging
from providers.base import PaidCalls, Provider, ProviderPermanent, ProviderRequest, ProviderResult
from providers.schema import OUTPUT_PARAMS, Operation, Param

SEPIA_DARK = (46, 26, 10)
SEPIA_LIGHT = (255, 240, 196)


def _output_within_pixel_limit(params: dict[str, Any]) -> dict[str, list[str]]:
    """A resize may not make an image larger than any photo is allowed to be: the pixel limit is
    what the memory budget of workers and admin thumbnails is sized for (docs/operations.md, "Memory budget").
    Pillow's process-wide limit is set from IMAGE_MAX_PIXELS when Django starts."""
    pixels, limit = params["width"] * params["height"], Image.MAX_IMAGE_PIXELS
    if limit and pixels > limit:
        message = f"Width × height is {pixels:,} pixels, more than the {limit:,} allowed (IMAGE_MAX_PIXELS)."
        return {"width": [message], "height": [message]}
    return {}


OPERATIONS = {
    "grayscale": Operation("grayscale", "Black and white", OUTPUT_PARAMS),
    "sepia": Operation(
        "sepia",
        "Sepia",
        (
            Param(
                "strength",
                "number",
                default=1.0,
                minimum=0.0,
                maximum=1.0,
                help="0 keeps the original colours, 1 is full sepia.",
            ),
            *OUTPUT_PARAMS,
        ),
    ),
    "fit": Operation(
        "fit",
        "Resize",
        (
            Param("width", "integer", required=True, minimum=1, maximum=10000),
            Param("height", "integer", required=True, minimum=1, maximum=10000),
            Param(
                "mode",
                "enum",
                choices=("cover", "contain", "stretch"),
                default="cover",
                help="cover crops to fill, contain letterboxes, stretch distorts.",
            ),
            *OUTPUT_PARAMS,
        ),
        validators=(_output_within_pixel_limit,),
    ),
    "overlay": Operation(
        "overlay",
        "Frame overlay",
        (
            Param(
                "frame",
                "template_media",
                required=True,
                help="A PNG with transparency, laid over the photo at the photo's size.",
            ),
            Param("opacity", "number", default=1.0, minimum=0.0, maximum=1.0),
            *OUTPUT_PARAMS,
        ),
    ),
}


def _sepia(img: Image.Image, strength: float) -> Image.Image:
    rgb = img.convert("RGB")
    toned = ImageOps.colorize(ImageOps.grayscale(rgb), SEPIA_DARK, SEPIA_LIGHT)
    return Image.blend(rgb, toned, strength)


def _fit(img: Image.Image, width: int, height: int, mode: str) -> Image.Image:
    if mode == "cover":
        return imaging.cover(img, (width, height))
    if mode == "stretch":
        return img.resize((width, height), Image.Resampling.LANCZOS)
    return ImageOps.pad(img.convert("RGB"), (width, height), method=Image.Resampling.LANCZOS)


def _overlay(img: Image.Image, frame: Image.Image, opacity: float) -> Image.Image:
    base = img.convert("RGBA")
    layer = frame.convert("RGBA").resize(base.size, Image.Resampling.LANCZOS)
    if opacity < 1.0:
        alpha = layer.getchannel("A").point(lambda a: round(a * opacity))
        layer.putalpha(alpha)
    return Image.alpha_composite(base, layer)


class LocalProvider(Provider):
    name = "local"
    label = "Local (Pillow)"
    operations = OPERATIONS

    def paid_calls(self, operation: str, params: Mapping[str, Any]) -> PaidCalls | None:
        return None  # runs on our own workers: never capped by a budget

    def process(self, request: ProviderRequest) -> ProviderResult:
        params = request.params
        # The job's stored input and the template images passed the web's check when they came.
        img = imaging.decode(request.image, written_here=True)
        if request.operation == "grayscale":
            out = ImageOps.grayscale(img)
        elif request.operation == "sepia":
            out = _sepia(img, params["strength"])
        elif request.operation == "fit":
            out = _fit(img, params["width"], params["height"], params["mode"])
        elif request.operation == "overlay":
            frames = request.templates.get("frame") or ()
            if not frames:
                raise ProviderPermanent("The overlay frame image is missing.")
            out = _overlay(img, imaging.decode(frames[0], written_here=True), params["opacity"])
        else:
            raise ProviderPermanent(f"Unknown operation {request.operation!r}.")
        encoded = imaging.encode(out, output_format=params["output_format"], quality=params["quality"])
        return ProviderResult(image=encoded, model="pillow")
