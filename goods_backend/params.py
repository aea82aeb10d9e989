"""The goods form: fields, rules and choices, defined once (API, info endpoint, pages)."""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from goods_backend import catalogue

# BFL takes any W:H between 21:9 and 9:21; we offer the PPL form's 13 fixed ratios.
AspectRatio = Literal[
    "1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3", "4:5", "5:4", "21:9", "9:21", "2:1", "1:2",
]  # fmt: skip
OutputFormat = Literal["png", "jpeg", "jpg", "webp"]
ASPECT_RATIOS: tuple[str, ...] = get_args(AspectRatio)
FILE_FIELDS = ("input_image",)
# No provider documents a maximum seed; some refuse more than a signed 32-bit integer.
MAX_SEED = 2**31 - 1


class GoodsParams(BaseModel):
    """Text fields of ``POST /api/goods-gen/generate`` (file: ``input_image``)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    goods_type: Annotated[
        str | None, Field(json_schema_extra={"enum": [*catalogue.BY_ID, None]})
    ] = None
    prompt: Annotated[str, Field(max_length=2000)] = ""
    aspect_ratio: AspectRatio | None = None
    output_format: OutputFormat = "png"
    safety_tolerance: Annotated[int, Field(ge=0, le=2)] = 2
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] | None = None

    @field_validator("goods_type", "aspect_ratio", "seed", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and value.strip() == "" else value

    @field_validator("prompt", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    @field_validator("goods_type")
    @classmethod
    def _known_kind(cls, value: str | None) -> str | None:
        if value is not None and value not in catalogue.BY_ID:
            known = ", ".join(catalogue.BY_ID)
            raise ValueError(f"알 수 없는 굿즈 종류입니다 (가능: {known})")
        return value

    @model_validator(mode="after")
    def _prompt_or_kind(self) -> GoodsParams:
        if self.goods_type is None and not self.prompt:
            raise ValueError("goods_type을 고르거나 prompt를 입력해 주세요")
        return self

    @property
    def kind(self) -> catalogue.GoodsKind | None:
        return catalogue.BY_ID.get(self.goods_type) if self.goods_type else None

    @property
    def effective_aspect_ratio(self) -> str:
        if self.aspect_ratio is not None:
            return self.aspect_ratio
        return self.kind.aspect_ratio if self.kind else "1:1"

    @property
    def bfl_output_format(self) -> str:
        """What BFL is asked for: flux-kontext-max makes PNG or JPEG only (422 to ``webp``)."""
        return "jpeg" if self.output_format in ("jpeg", "jpg") else "png"

    @property
    def result_format(self) -> str:
        """The format the user gets: a WebP request is converted from BFL's PNG here."""
        return "jpeg" if self.output_format == "jpg" else self.output_format

    def model_prompt(self) -> str:
        """What the model reads.

        The kind's English prompt with the creator's words, or else the free prompt.
        """
        return self.kind.prompt(self.prompt) if self.kind else self.prompt


def describe(params: GoodsParams) -> str:
    return (
        f"goods_type={params.goods_type or '-'} aspect_ratio={params.effective_aspect_ratio} "
        f"output_format={params.output_format} safety_tolerance={params.safety_tolerance} "
        f"seed={params.seed} prompt_chars={len(params.prompt)}"
    )


def result_format(params: GoodsParams) -> str:
    return params.result_format


def choices(_: Any) -> dict[str, Any]:
    return {
        "goods_types": catalogue.as_json(),
        "aspect_ratios": list(ASPECT_RATIOS),
        "default_aspect_ratio": "1:1",
        "output_formats": ["png", "jpeg", "webp"],
        "default_output_format": "png",
        "safety_tolerance": {"min": 0, "max": 2, "default": 2},
        "seed": {"min": 0, "max": MAX_SEED},
        "prompt_max_chars": 2000,
        "file_fields": list(FILE_FIELDS),
    }
