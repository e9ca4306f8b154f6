"""What the stand-in Gemini server (``tests.support.gemini_stub``) says on the wire: Google's
error bodies, and the checks and shapes of ``generationConfig.imageConfig``."""

from __future__ import annotations

import base64
import binascii
import io
from typing import Any

from PIL import Image

ASPECT_RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")
IMAGE_SIZES = ("1K", "2K", "4K")
IMAGE_SIZE_MODELS = ("gemini-3-pro-image",)

STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "BAD_GATEWAY",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def error_body(
    status: int, message: str, retry_delay: float | None = None, extra: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    details = list(extra or [])
    if retry_delay is not None:
        details.append({"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{retry_delay:g}s"})
    body: dict[str, Any] = {"code": status, "message": message, "status": STATUS_NAMES.get(status, "UNKNOWN")}
    if details:
        body["details"] = details
    return {"error": body}


def image_config_error(model: str, aspect_ratio: Any, image_size: Any) -> str:
    if aspect_ratio is not None and aspect_ratio not in ASPECT_RATIOS:
        return f"Unsupported aspect ratio {aspect_ratio!r}; supported: {', '.join(ASPECT_RATIOS)}."
    if image_size is not None:
        if not model.removeprefix("models/").startswith(IMAGE_SIZE_MODELS):
            return f"imageSize is not supported by model {model}."
        if image_size not in IMAGE_SIZES:
            return f"Unsupported image size {image_size!r}; supported: {', '.join(IMAGE_SIZES)}."
    return ""


def drawn_size(
    photo: tuple[int, int], aspect_ratio: str | None, images: list[tuple[str, int, int, bytes]]
) -> tuple[int, int]:
    """The shape the model draws in: the requested ratio, else the last reference image's (as
    Gemini does without an aspect ratio), else the photo's; as long as the photo on its long side.
    The whole photo is stretched into it: nothing of the scene is left out."""
    if aspect_ratio is not None:
        width, height = (int(v) for v in aspect_ratio.split(":"))
    elif len(images) > 1:
        width, height = images[-1][1], images[-1][2]
    else:
        return photo
    long_side = max(photo)
    if width >= height:
        return long_side, max(1, round(long_side * height / width))
    return max(1, round(long_side * width / height)), long_side


def b64decode(data: str) -> bytes:
    """Standard or URL-safe alphabet, padded or not (the SDK sends URL-safe)."""
    cleaned = "".join(data.split()).replace("-", "+").replace("_", "/")
    return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)


def parse_parts(body: dict[str, Any]) -> tuple[list[str], list[tuple[str, int, int, bytes]]]:
    """The prompts and the images (``(mime_type, width, height, bytes)``) of a request, in order."""
    prompts: list[str] = []
    images: list[tuple[str, int, int, bytes]] = []
    for content in body.get("contents", []):
        for part in content.get("parts", []):
            if "text" in part:
                prompts.append(part["text"])
            blob = part.get("inlineData") or part.get("inline_data")
            if blob is not None:
                mime = blob.get("mimeType") or blob.get("mime_type") or ""
                try:
                    data = b64decode(blob["data"])
                except binascii.Error as exc:
                    raise ValueError(f"Invalid base64 in inline data: {exc}") from None
                with Image.open(io.BytesIO(data)) as img:
                    images.append((mime, img.width, img.height, data))
    return prompts, images
