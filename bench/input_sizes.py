"""What the services send their providers: input bytes and data-URI length, before and after.

Each sample upload is normalised as the request path does (``prepare_upload``),
then encoded for the provider (``compact``: JPEG unless the image has real
transparency, never larger than the normalised copy).  The Replicate engine
sends an input inline as a data URI when its compact encoding is at most
``REPLICATE_INLINE_MAX_KB``, through the Files API otherwise; BFL always gets
raw base64.  Deterministic: sizes, not times.
"""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from bench.payloads import _illustration, character_png, noisy_jpeg, product_jpeg
from ppl_backend.settings import PplSettings
from webtoon_core.images import EncodedImage, ImageLimits, compact, prepare_upload
from webtoon_core.settings import CommonSettings


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def samples() -> dict[str, bytes]:
    return {
        "photo_png": _png(_illustration((1024, 1024), seed=5, alpha=False)),
        "character_transparent_png": character_png(),
        "product_jpeg": product_jpeg(),
        "noisy_photo_jpeg": noisy_jpeg(),
    }


def _uri_chars(data: bytes, media_type: str) -> int:
    return len(EncodedImage(data=data, media_type=media_type).data_uri())


def measure() -> dict[str, Any]:
    limits = ImageLimits.for_uploads(CommonSettings())
    inline_max = PplSettings.model_fields["replicate_inline_max_kb"].default * 1024
    rows: dict[str, Any] = {}
    for name, raw in samples().items():
        prepared = prepare_upload(raw, field=name, limits=limits)
        sent = compact(prepared)
        rows[name] = {
            "upload_bytes": len(raw),
            "size": [prepared.width, prepared.height],
            "normalised_type": prepared.media_type,
            "normalised_bytes": len(prepared.data),
            "normalised_uri_chars": _uri_chars(prepared.data, prepared.media_type),
            "sent_type": sent.media_type,
            "sent_bytes": len(sent.data),
            "sent_uri_chars": len(sent.data_uri()),
            "replicate_transport": "data URI" if len(sent.data) <= inline_max else "Files API",
        }
    return {"inline_max_bytes": inline_max, "rows": rows}


if __name__ == "__main__":
    import json

    print(json.dumps(measure(), indent=1))
