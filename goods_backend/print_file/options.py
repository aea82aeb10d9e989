"""The print-file form: which goods kinds have print files, their defaults and bounds.

Defined once here; the endpoint validates with ``PrintFileParams`` and the
info it gives the page (``choices()``) comes from the same table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from goods_backend import catalogue

FILE_FIELD = "input_image"


@dataclass(frozen=True)
class PrintKind:
    """A die-cut goods kind a factory makes from our print file.

    ``height_mm`` is the printed height of the art (its opaque silhouette), with
    its default and bounds; ``offset_mm`` the default distance from the art to the
    cut line; ``white`` whether the white underbase is on by default (clear
    acrylic needs it, paper-white vinyl does not); ``min_hole_mm`` the smallest
    hole in the cut shape kept as an inner cut (smaller ones are filled).
    """

    id: str
    height_mm: float
    min_height_mm: float
    max_height_mm: float
    offset_mm: float
    white: bool
    min_hole_mm: float

    @property
    def label(self) -> str:
        return catalogue.BY_ID[self.id].label


# The reference's figures: 2 mm typical for keyrings and stickers (3 mm for stickers here:
# vinyl plotters drift more than a laser), 50/60/100 mm the common sizes of each kind.
PRINT_KINDS: dict[str, PrintKind] = {
    kind.id: kind
    for kind in (
        PrintKind("acrylic_keyring", 50.0, 15.0, 120.0, 2.0, True, 3.0),
        PrintKind("acrylic_stand", 100.0, 40.0, 300.0, 2.0, True, 3.0),
        PrintKind("sticker", 60.0, 15.0, 300.0, 3.0, False, 5.0),
    )
}
MIN_OFFSET_MM, MAX_OFFSET_MM = 1.0, 5.0
MIN_HOLE_MM, MAX_HOLE_MM, DEFAULT_HOLE_MM = 2.0, 6.0, 3.0
# Beyond this the page no longer fits the sheets print shops use (a 600 mm roll).
MAX_WIDTH_MM = 600.0


def supported_kinds_phrase() -> str:
    """``"아크릴 키링(acrylic_keyring), ..."``: what the messages offer instead."""
    return ", ".join(f"{kind.label}({kind.id})" for kind in PRINT_KINDS.values())


class PrintFileParams(BaseModel):
    """Text fields of ``POST /api/goods-gen/print-file`` (file: ``input_image``).

    Empty strings are "not given": the kind's default applies. Bounds that depend
    on the kind (``height_mm``) are checked after the kind is known.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    goods_type: Annotated[str, Field(json_schema_extra={"enum": list(PRINT_KINDS)})]
    height_mm: float | None = None
    cut_offset_mm: Annotated[float, Field(ge=MIN_OFFSET_MM, le=MAX_OFFSET_MM)] | None = None
    white_layer: bool | None = None
    hole_mm: Annotated[float, Field(ge=MIN_HOLE_MM, le=MAX_HOLE_MM)] | None = None
    accept_low_resolution: bool = False

    @field_validator(
        "height_mm", "cut_offset_mm", "white_layer", "hole_mm", "accept_low_resolution",
        mode="before",
    )  # fmt: skip
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and value.strip() == "" else value

    @field_validator("accept_low_resolution", mode="after")
    @classmethod
    def _false_when_absent(cls, value: bool | None) -> bool:
        return bool(value)

    @field_validator("goods_type", mode="before")
    @classmethod
    def _print_kind(cls, value: object) -> object:
        text = value.strip() if isinstance(value, str) else value
        if text in PRINT_KINDS:
            return text
        if text in catalogue.BY_ID:
            label = catalogue.BY_ID[str(text)].label
            raise ValueError(
                f"{label}은(는) 인쇄용 파일을 만들 수 없는 굿즈입니다 "
                f"(가능: {supported_kinds_phrase()})"
            )
        raise ValueError(
            f"인쇄용 파일을 만들 수 있는 굿즈를 골라 주세요 (가능: {supported_kinds_phrase()})"
        )

    @field_validator("height_mm", mode="after")
    @classmethod
    def _height_in_bounds(cls, value: float | None, info: ValidationInfo) -> float | None:
        kind = PRINT_KINDS.get(info.data.get("goods_type", ""))
        if value is None or kind is None:
            return value  # a wrong kind is reported on its own
        if not kind.min_height_mm <= value <= kind.max_height_mm:
            raise ValueError(
                f"{kind.label}의 높이는 {kind.min_height_mm:g}~{kind.max_height_mm:g} mm여야 합니다"
            )
        return value

    @property
    def kind(self) -> PrintKind:
        return PRINT_KINDS[self.goods_type]

    @property
    def effective_height_mm(self) -> float:
        return self.height_mm if self.height_mm is not None else self.kind.height_mm

    @property
    def effective_offset_mm(self) -> float:
        return self.cut_offset_mm if self.cut_offset_mm is not None else self.kind.offset_mm

    @property
    def effective_white(self) -> bool:
        return self.white_layer if self.white_layer is not None else self.kind.white

    @property
    def effective_hole_mm(self) -> float:
        return self.hole_mm if self.hole_mm is not None else DEFAULT_HOLE_MM


def describe(params: PrintFileParams) -> str:
    """The parameters for the request log line."""
    return (
        f"goods_type={params.goods_type} height_mm={params.effective_height_mm:g} "
        f"cut_offset_mm={params.effective_offset_mm:g} white_layer={params.effective_white} "
        f"hole_mm={params.effective_hole_mm:g} accept_low_resolution={params.accept_low_resolution}"
    )


def choices() -> dict[str, Any]:
    """The form's kinds, defaults and bounds, for the page (``GET .../print-file/options``)."""
    return {
        "goods_types": [
            {
                "id": kind.id,
                "label": kind.label,
                "height_mm": {
                    "default": kind.height_mm,
                    "min": kind.min_height_mm,
                    "max": kind.max_height_mm,
                },
                "cut_offset_mm": {
                    "default": kind.offset_mm,
                    "min": MIN_OFFSET_MM,
                    "max": MAX_OFFSET_MM,
                },
                "white_layer": kind.white,
                "hole_mm": (
                    {"default": DEFAULT_HOLE_MM, "min": MIN_HOLE_MM, "max": MAX_HOLE_MM}
                    if kind.id == "acrylic_keyring"
                    else None
                ),
            }
            for kind in PRINT_KINDS.values()
        ],
        "file_field": FILE_FIELD,
        "min_ppi": 150,
        "recommended_ppi": 300,
    }
