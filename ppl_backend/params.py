"""The PPL form: fields, rules and choices, defined once (API, info endpoint, pages)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

AspectRatio = Literal[
    "match_input_image", "1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3",
    "4:5", "5:4", "21:9", "9:21", "2:1", "1:2",
]  # fmt: skip
OutputFormat = Literal["png", "jpg", "jpeg"]

ASPECT_RATIOS: tuple[str, ...] = get_args(AspectRatio)
OUTPUT_FORMATS: tuple[str, ...] = ("png", "jpg")
FILE_FIELDS = ("input_image_1", "input_image_2")
# No provider documents a maximum seed; some refuse more than a signed 32-bit integer.
MAX_SEED = 2**31 - 1


class PplParams(BaseModel):
    """Text fields of ``POST /api/ppl-gen/generate`` (files: ``FILE_FIELDS``)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    prompt: Annotated[str, Field(min_length=1, max_length=2000)]
    aspect_ratio: AspectRatio = "match_input_image"
    output_format: OutputFormat = "png"
    safety_tolerance: Annotated[int, Field(ge=0, le=2)] = 2
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] | None = None

    @field_validator("prompt", mode="before")
    @classmethod
    def _strip_prompt(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    @field_validator("seed", mode="before")
    @classmethod
    def _empty_seed_is_none(cls, value: object) -> object:
        if isinstance(value, str) and value.strip() == "":
            return None
        return value

    @property
    def replicate_output_format(self) -> str:
        # Replicate takes "jpg", never "jpeg" (the first version sent "jpeg" and failed).
        return "jpg" if self.output_format in ("jpg", "jpeg") else "png"

    @property
    def result_format(self) -> str:
        """The format the user gets, whatever the engine made."""
        return "jpeg" if self.output_format in ("jpg", "jpeg") else "png"


def describe(params: PplParams) -> str:
    return (
        f"aspect_ratio={params.aspect_ratio} output_format={params.output_format} "
        f"safety_tolerance={params.safety_tolerance} seed={params.seed} "
        f"prompt_chars={len(params.prompt)}"
    )


def result_format(params: PplParams) -> str:
    return params.result_format


def choices(_: Any) -> dict[str, Any]:
    return {
        "aspect_ratios": list(ASPECT_RATIOS),
        "default_aspect_ratio": "match_input_image",
        "output_formats": list(OUTPUT_FORMATS),
        "default_output_format": "png",
        "safety_tolerance": {"min": 0, "max": 2, "default": 2},
        "seed": {"min": 0, "max": MAX_SEED},
        "prompt_max_chars": 2000,
        "file_fields": list(FILE_FIELDS),
    }
