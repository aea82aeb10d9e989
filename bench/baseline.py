"""A model of the FIRST version's goods endpoint: the baseline the benchmark compares against.

    python -m uvicorn bench.baseline:app --host 127.0.0.1 --port P

(environment: BFL_BASE_URL, BFL_API_KEY)

Faithful to what the first version did wrong, and to nothing else:

* the endpoint is ``async def`` but calls a blocking HTTP client (module-level
  ``httpx.post``/``httpx.get``, a new connection per call, exactly like
  ``requests.post``/``requests.get``) and ``time.sleep(1)`` in its polling loop,
  with no cap on the number of polls -- so while one generation waits, the
  event loop, and every other request on the process, waits with it;
* it reads the whole upload (``await input_image.read()``) and base64-encodes
  it in memory, unscaled, into the JSON body;
* it returns the provider's bytes with ``image/png`` whatever they are.

It is kept only here, for measurement; nothing in the product imports it.
"""

from __future__ import annotations

import base64
import os
import time

import httpx
from fastapi import FastAPI, File, Form, HTTPException, UploadFile
from fastapi.responses import Response

BFL_BASE_URL = os.environ.get("BFL_BASE_URL", "https://api.bfl.ai")
BFL_API_KEY = os.environ.get("BFL_API_KEY", "")

app = FastAPI(title="goods (first version model)")


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/api/goods-gen/generate")
async def generate(
    input_image: UploadFile = File(...),  # noqa: B008 - FastAPI's idiom, as the first version had it
    goods_type: str = Form("mug"),
    prompt: str = Form(""),
) -> Response:
    contents = await input_image.read()
    image_b64 = base64.b64encode(contents).decode("utf-8")
    payload = {
        "prompt": f"Create a product photo of a {goods_type} with this character. {prompt}",
        "input_image": image_b64,
        "output_format": "png",
        "safety_tolerance": 2,
    }
    headers = {"x-key": BFL_API_KEY, "accept": "application/json"}
    # Blocking calls inside ``async def``: the defect being modelled.
    url = f"{BFL_BASE_URL}/v1/flux-kontext-max"
    created = httpx.post(url, json=payload, headers=headers, timeout=60)  # noqa: ASYNC210
    if created.status_code != 200:
        raise HTTPException(status_code=500, detail="BFL request failed")
    polling_url = created.json()["polling_url"]
    while True:  # no cap: the first version polled until BFL answered
        time.sleep(1)  # noqa: ASYNC251 - blocks the event loop, as the first version did
        result = httpx.get(polling_url, headers=headers, timeout=60).json()  # noqa: ASYNC210
        status = result.get("status")
        if status == "Ready":
            image = httpx.get(result["result"]["sample"], timeout=60).content  # noqa: ASYNC210
            return Response(content=image, media_type="image/png")
        if status in ("Error", "Failed", "Request Moderated", "Content Moderated"):
            raise HTTPException(status_code=500, detail=f"BFL status {status}")
