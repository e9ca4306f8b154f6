"""The Gemini provider's operations and their parameters (the schema drives the API, the admin
form, the CLI and the worker), and the model-name rules they are validated with."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from providers.prompting import prompt_validator
from providers.schema import OUTPUT_PARAMS, Operation, Param

DEFAULT_MODEL = "gemini-2.5-flash-image"
# Model names go into the URL path: allow "name", "models/name", "tunedModels/123" and nothing else.
MODEL_NAME = re.compile(r"(?:[A-Za-z]+/)?[A-Za-z0-9][A-Za-z0-9._-]{0,99}\Z")


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
    *OUTPUT_PARAMS,
)
VALIDATORS = (prompt_validator("prompt"), _validate_models)
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
