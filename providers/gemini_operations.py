"""The Gemini provider's operations and their parameters (the schema drives the API, the admin
form, the CLI and the worker), and the model-name rules they are validated with."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from providers.prompting import prompt_validator
from providers.schema import OUTPUT_PARAMS, Operation, Param

DEFAULT_MODEL = "gemini-2.5-flash-image"
# Model names go into the URL path: allow "name", "models/name", "tunedModels/123" and nothing else.
MODEL_NAME = re.compile(r"(?:[A-Za-z]+/)?[A-Za-z0-9][A-Za-z0-9._-]{0,99}\Z")


# The aspect ratios Gemini's image models produce (ImageConfig.aspect_ratio). Without one the model
# takes the shape of the reference images, and a landscape style image would turn a portrait
# booth photo into a landscape result that match_input_size then cover-crops (heads cut off).
ASPECT_RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")
IMAGE_SIZES = ("1K", "2K", "4K")
# Models that take ImageConfig.image_size (Gemini 3 Pro Image, "Nano Banana Pro"); others refuse it.
IMAGE_SIZE_MODELS = ("gemini-3-pro-image",)


def _ratio(name: str) -> float:
    width, height = name.split(":")
    return int(width) / int(height)


def nearest_aspect_ratio(width: int, height: int) -> str:
    """The supported ratio closest to ``width``:``height`` (compared as logarithms, so 2:1 and
    1:2 are equally far from 1:1)."""
    shape = math.log(width / height)
    return min(ASPECT_RATIOS, key=lambda name: abs(math.log(_ratio(name)) - shape))


def takes_image_size(model: str) -> bool:
    return model.removeprefix("models/").startswith(IMAGE_SIZE_MODELS)


def split_models(value: str | None) -> list[str]:
    return [name.strip() for name in (value or "").split(",") if name.strip()]


def _validate_models(cleaned: Mapping[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if cleaned.get("model") and not MODEL_NAME.match(cleaned["model"]):
        errors["model"] = [f"{cleaned['model']!r} is not a valid model name."]
    bad = [name for name in split_models(cleaned.get("fallback_models")) if not MODEL_NAME.match(name)]
    if bad:
        errors["fallback_models"] = [f"Not valid model names: {', '.join(map(repr, bad))}."]
    return errors


PROMPT = Param(
    "prompt",
    "text",
    required=True,
    min_length=1,
    max_length=4000,
    help="What to do with the photo. {field} inserts a booth form field (e.g. {name}); "
    "a field the booth did not send becomes empty. Write {{ and }} for literal braces.",
)
COMMON_PARAMS = (
    Param("model", "string", default=DEFAULT_MODEL, max_length=100, help="Gemini image model."),
    Param(
        "fallback_models",
        "string",
        max_length=500,
        help="Comma-separated models tried in order when the model fails, within the same deadline.",
    ),
    Param(
        "match_input_size", "boolean", default=True, help="Crop and resize the result to the photo's exact pixel size."
    ),
    Param(
        "image_size",
        "enum",
        choices=IMAGE_SIZES,
        default="2K",
        help="Resolution the model draws at, on models that take it (gemini-3-pro-image-preview): 1K, "
        "2K (about 2048 px on the long side: a 15 x 10 cm print at 300 dpi) or 4K (for large prints, "
        "about 1.8 times the price). Other models ignore it.",
    ),
    Param(
        "hedge_after",
        "number",
        minimum=0.1,
        maximum=600,
        help="Seconds after which a call that has not answered gets a second one beside it, on the next "
        "fallback model (or the next API key); the first image wins. Empty: calls are made one after another.",
    ),
    Param(
        "refusal_prompt",
        "text",
        max_length=4000,
        help="Asked once more, with the same placeholders, when the model refuses the photo (e.g. a "
        "safety block); then the fallback models. Empty: a refusal is final.",
    ),
    *OUTPUT_PARAMS,
)
VALIDATORS = (prompt_validator("prompt"), prompt_validator("refusal_prompt"), _validate_models)
OPERATIONS = {
    "style_transfer": Operation(
        "style_transfer",
        "Style transfer",
        (
            PROMPT,
            Param(
                "style_images",
                "template_media_list",
                required=True,
                max_items=4,
                help="Reference images whose style the result should take.",
            ),
            *COMMON_PARAMS,
        ),
        help="Re-draw the photo in the style of the reference images.",
        validators=VALIDATORS,
    ),
    "edit": Operation(
        "edit",
        "Edit with a prompt",
        (PROMPT, *COMMON_PARAMS),
        help="Change the photo as the prompt says.",
        validators=VALIDATORS,
    ),
    "background_replace": Operation(
        "background_replace",
        "Replace background",
        (
            PROMPT,
            Param("background", "template_media", required=True, help="The new background image."),
            *COMMON_PARAMS,
        ),
        help="Put the people from the photo onto the background image.",
        validators=VALIDATORS,
    ),
}
TEMPLATE_PARAMS = {"style_transfer": ("style_images",), "edit": (), "background_replace": ("background",)}
