"""``POST /api/goods-gen/print-file`` end to end, through the app (create_app(GoodsSettings()))."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pikepdf
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from pydantic import ValidationError

from goods_backend.main import create_app
from goods_backend.print_file.preflight import PrintWarning
from goods_backend.print_file.route import MAX_WARNING_HEADER, warning_header
from goods_backend.settings import GoodsSettings
from tests.goods.print_file_arts import (
    PAPER,
    busy_jpeg,
    character,
    detached_hand,
    drawn,
    jpeg,
    png,
    unpack,
)
from tests.support import noisy_jpeg

KOREAN = re.compile(r"[\uac00-\ud7a3]")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(GoodsSettings())) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def art() -> bytes:
    return png(drawn(character, side=800))


def post(client: TestClient, raw: bytes, path: str = "/api/goods-gen/print-file", **fields: str):
    files = {"input_image": ("art.png", raw, "image/png")}
    return client.post(path, data=fields, files=files)


def error_of(response) -> tuple[int, str, str]:
    body = response.json()["error"]
    assert KOREAN.search(body["message"]), body["message"]
    assert body["request_id"] == response.headers["x-request-id"]
    return response.status_code, body["code"], body["message"]


@pytest.mark.parametrize("path", ["/api/goods-gen/print-file", "/print-file"])
def test_a_keyring_package_comes_back_as_a_zip(client: TestClient, art: bytes, path: str):
    response = post(client, png(drawn(detached_hand, side=800)), path, goods_type="acrylic_keyring")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert (
        response.headers["content-disposition"]
        == 'attachment; filename="print-acrylic_keyring.zip"'
    )
    assert response.headers["cache-control"] == "no-store"
    files = unpack(response.content)
    assert list(files.files) == ["spec.json", "print.pdf", "print.svg", "white.png", "preview.png"]
    spec = files.spec
    assert spec["cut"]["offset_mm"] == 2.0 and spec["art"]["height_mm"] == 50.0
    assert spec["white"]["enabled"] and spec["keyring"]["hole_mm"] == 3.0
    assert spec["art"]["profile"].startswith("sRGB") and spec["art"]["colour_mode"] == "RGB"
    assert spec["cut"]["spot_colour"] == "CutContour" and spec["white"]["spot_colour"] == "White"
    # The page reads the warnings from the header without unzipping: the same as spec.json.
    header = json.loads(unquote(response.headers["x-print-warnings"]))
    assert header == [{"code": w["code"], "message": w["message"]} for w in spec["warnings"]]
    assert "ISLANDS_MERGED" in {w["code"] for w in header}
    assert all(KOREAN.search(w["message"]) for w in header)
    assert int(response.headers["x-print-ppi"]) == round(spec["art"]["ppi"])


@pytest.mark.parametrize(
    ("kind", "offset", "height", "white"),
    [
        ("acrylic_keyring", 2.0, 50.0, True),
        ("acrylic_stand", 2.0, 100.0, True),
        ("sticker", 3.0, 60.0, False),
    ],
)
def test_each_kind_has_its_defaults(client: TestClient, kind, offset, height, white):
    raw = png(drawn(character, side=1400))  # 300 ppi even at a stand's 100 mm
    response = post(client, raw, goods_type=kind)
    assert response.status_code == 200, response.text
    files = unpack(response.content)
    spec = files.spec
    assert (spec["cut"]["offset_mm"], spec["art"]["height_mm"], spec["white"]["enabled"]) == (
        offset,
        height,
        white,
    )
    assert ("white.png" in files.files) is white
    # The art's printed height: its visible pixels are the asked height (give or take the rim).
    assert spec["art"]["placed_mm"][3] == pytest.approx(height, rel=0.02)


def test_the_options_are_honoured(client: TestClient, art: bytes):
    response = post(
        client, art, goods_type="acrylic_keyring", height_mm="40", cut_offset_mm="3",
        white_layer="false", hole_mm="2.5",
    )  # fmt: skip
    assert response.status_code == 200, response.text
    files = unpack(response.content)
    spec = files.spec
    assert spec["cut"]["offset_mm"] == 3.0 and spec["keyring"]["hole_mm"] == 2.5
    assert "white.png" not in files.files and not spec["white"]["enabled"]
    assert "WHITE_LAYER_OFF" in {w["code"] for w in spec["warnings"]}
    assert spec["art"]["placed_mm"][3] == pytest.approx(40, rel=0.02)
    sticker = post(client, art, goods_type="sticker", white_layer="true")
    assert "white.png" in unpack(sticker.content).files


def test_a_plain_background_jpeg_is_cut_out_and_said_so(client: TestClient):
    raw = jpeg(drawn(character, side=800, background=PAPER))
    response = post(client, raw, goods_type="sticker", height_mm="50")
    assert response.status_code == 200, response.text
    warnings = {w["code"]: w for w in unpack(response.content).spec["warnings"]}
    removed = warnings["BACKGROUND_REMOVED"]
    assert (
        removed["background"]["border_plain"] is True and removed["background"]["plain_share"] > 0.9
    )
    assert "테두리" in removed["message"] and "#" in removed["message"]


@pytest.mark.parametrize(
    ("make", "fields", "status", "code", "needle"),
    [
        (lambda: png(drawn(character, side=40)), {}, 422, "IMAGE_TOO_SMALL", "64px"),
        (lambda: png(drawn(character, side=120)), {}, 422, "PRINT_RESOLUTION_TOO_LOW", "ppi"),
        (busy_jpeg, {}, 422, "PRINT_BACKGROUND_NOT_REMOVABLE", "투명한 PNG"),
        (lambda: noisy_jpeg((500, 500)), {}, 422, "PRINT_BACKGROUND_NOT_REMOVABLE", "투명한 PNG"),
        (
            lambda: png(Image.new("RGB", (600, 600), (40, 90, 200))),
            {},
            422,
            "PRINT_BACKGROUND_NOT_REMOVABLE",
            "너무 비슷해",
        ),
        (lambda: b"%PDF-1.7 not an image", {}, 415, "UNSUPPORTED_IMAGE", "PNG 또는 JPEG"),
        (lambda: b"", {}, 400, "EMPTY_FILE", "비어"),
        (lambda: png(drawn(character)), {"goods_type": "mug"}, 422, "VALIDATION_ERROR", "머그컵"),
        (
            lambda: png(drawn(character)),
            {"goods_type": "spaceship"},
            422,
            "VALIDATION_ERROR",
            "아크릴 키링(acrylic_keyring)",
        ),
        (lambda: png(drawn(character)), {"goods_type": ""}, 422, "VALIDATION_ERROR", "goods_type"),
        (
            lambda: png(drawn(character)),
            {"height_mm": "500"},
            422,
            "VALIDATION_ERROR",
            "height_mm: 아크릴 키링의 높이는 15~120 mm",
        ),
        (
            lambda: png(drawn(character)),
            {"cut_offset_mm": "0.5"},
            422,
            "VALIDATION_ERROR",
            "cut_offset_mm",
        ),
        (lambda: png(drawn(character)), {"hole_mm": "9"}, 422, "VALIDATION_ERROR", "hole_mm"),
        (lambda: png(drawn(character)), {"height_mm": "abc"}, 422, "VALIDATION_ERROR", "height_mm"),
    ],
)
def test_bad_input_answers_its_code_in_korean(
    client: TestClient, make, fields, status, code, needle
):
    data = {"goods_type": "acrylic_keyring", **fields}
    response = post(client, make(), **data)
    got_status, got_code, message = error_of(response)
    assert (got_status, got_code) == (status, code), message
    assert needle in message, message


def test_the_resolution_refusal_says_the_ppi_and_what_to_use_instead(client: TestClient):
    raw = png(drawn(character, side=300))  # ~285 px tall: ~145 ppi at 50 mm
    _, code, message = error_of(post(client, raw, goods_type="acrylic_keyring"))
    assert code == "PRINT_RESOLUTION_TOO_LOW"
    ppi = int(re.search(r"(\d+)ppi로", message).group(1))
    assert 130 < ppi < 150
    assert re.search(r"높이를 \d+ mm 이하로", message) and "591 px 이상" in message
    assert "accept_low_resolution" in message
    accepted = post(client, raw, goods_type="acrylic_keyring", accept_low_resolution="true")
    assert accepted.status_code == 200
    codes = [w["code"] for w in json.loads(unquote(accepted.headers["x-print-warnings"]))]
    assert "VERY_LOW_RESOLUTION" in codes
    smaller = post(client, raw, goods_type="acrylic_keyring", height_mm="30")  # ~240 ppi
    assert smaller.status_code == 200
    assert "LOW_RESOLUTION" in smaller.headers["x-print-warnings"]


def test_a_missing_file_is_named(client: TestClient):
    response = client.post(
        "/api/goods-gen/print-file", data={"goods_type": "sticker"}, files={"other": ("a", b"x")}
    )
    _, code, message = error_of(response)
    assert code == "VALIDATION_ERROR" and "input_image: 파일이 필요합니다" in message


def test_the_same_input_gives_the_same_bytes(client: TestClient, art: bytes):
    first = post(client, art, goods_type="acrylic_stand", height_mm="60")
    second = post(client, art, goods_type="acrylic_stand", height_mm="60")
    assert first.status_code == 200
    assert first.content == second.content
    with zipfile.ZipFile(io.BytesIO(first.content)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    files = unpack(first.content)
    for name in ("print.pdf", "print.svg", "spec.json"):
        assert not re.search(rb"(19|20)\d\d-\d\d-\d\d|D:(19|20)\d\d", files.files[name]), name
        assert b"CreationDate" not in files.files[name]
    with pikepdf.open(io.BytesIO(files.files["print.pdf"])) as pdf:
        assert len(bytes(pdf.trailer.ID[0])) == 16  # qpdf's ID, derived from the content


def test_spot_colour_names_come_from_the_settings(art: bytes):
    settings = GoodsSettings(print_cut_spot_name="Thru-cut", print_white_spot_name="RDG_WHITE")
    with TestClient(create_app(settings)) as custom:
        response = post(custom, art, goods_type="acrylic_keyring")
    files = unpack(response.content)
    with pikepdf.open(io.BytesIO(files.files["print.pdf"])) as pdf:
        names = {str(space[1]) for space in pdf.pages[0].Resources.ColorSpace.values()}
    assert names == {"/Thru-cut", "/RDG_WHITE"}
    assert files.spec["cut"]["spot_colour"] == "Thru-cut"
    with pytest.raises(ValidationError):
        GoodsSettings(print_cut_spot_name="Cut Contour")  # a space is no PDF name


def test_the_options_endpoint_describes_the_form(client: TestClient):
    for path in ("/api/goods-gen/print-file/options", "/print-file/options"):
        options = client.get(path).json()
        kinds = {k["id"]: k for k in options["goods_types"]}
        assert set(kinds) == {"acrylic_keyring", "acrylic_stand", "sticker"}
        assert (
            kinds["sticker"]["white_layer"] is False
            and kinds["sticker"]["cut_offset_mm"]["default"] == 3.0
        )
        assert (
            kinds["acrylic_keyring"]["hole_mm"]["default"] == 3.0
            and kinds["sticker"]["hole_mm"] is None
        )
        assert options["min_ppi"] == 150 and options["recommended_ppi"] == 300


def test_a_long_warning_list_still_fits_a_header():
    from goods_backend.print_file.package import PrintPackage

    message = "칼선 안쪽 폭이 좁은 곳이 있습니다. " * 8
    many = tuple(PrintWarning(f"CODE_{i}", message) for i in range(20))
    header = warning_header(PrintPackage(b"", "print-sticker.zip", 300.0, many))
    assert len(header) <= MAX_WARNING_HEADER and header.isascii()
    entries = json.loads(unquote(header))
    assert [e["code"] for e in entries] == [f"CODE_{i}" for i in range(20)]  # every code
    with_text = [e for e in entries if "message" in e]
    assert with_text and with_text == entries[: len(with_text)]  # messages while they fit


def test_spec_json_is_the_zips_first_entry_readable_without_unzipping(
    client: TestClient, art: bytes
):
    """What a page can do with a DataView: the first local header, a stored entry."""
    data = post(client, art, goods_type="sticker").content
    assert data[:4] == b"PK\x03\x04"
    method = int.from_bytes(data[8:10], "little")
    size = int.from_bytes(data[18:22], "little")
    name_length = int.from_bytes(data[26:28], "little")
    extra_length = int.from_bytes(data[28:30], "little")
    name = data[30 : 30 + name_length].decode()
    start = 30 + name_length + extra_length
    assert (name, method) == ("spec.json", 0)  # stored
    spec = json.loads(data[start : start + size].decode("utf-8"))
    assert spec["goods_type"] == "sticker" and spec["files"][0] == "spec.json"


def test_the_event_loop_answers_while_a_package_is_built(client: TestClient):
    """The build runs in the worker pool: /health answers at once meanwhile."""
    raw = png(drawn(character, side=2400))
    done = threading.Event()
    took: list[float] = []

    def build() -> None:
        started = time.perf_counter()
        response = post(client, raw, goods_type="acrylic_stand")
        took.append(time.perf_counter() - started)
        assert response.status_code == 200
        done.set()

    worker = threading.Thread(target=build)
    worker.start()
    latencies = []
    while not done.is_set():
        started = time.perf_counter()
        assert client.get("/health").status_code == 200
        latencies.append(time.perf_counter() - started)
        time.sleep(0.01)
    worker.join()
    assert len(latencies) >= 5, "the build took long enough to be watched"
    assert max(latencies) < max(0.25, took[0] / 3), (max(latencies), took[0])


def test_the_geometry_and_pdf_libraries_load_with_the_first_print_job_only(tmp_path, art):
    """A goods pod on the real engine that makes no print file does not hold OpenCV, Shapely and
    pikepdf (~50 MiB); the local engine's cut-out needs OpenCV anyway."""
    (tmp_path / "art.png").write_bytes(art)
    script = """
import sys
from pathlib import Path
from fastapi.testclient import TestClient
from goods_backend.main import create_app
from goods_backend.settings import GoodsSettings

HEAVY = ("cv2", "shapely", "pikepdf")
folder = Path(sys.argv[1])
settings = GoodsSettings(goods_engine="bfl", job_store_url=(folder / "jobs").as_uri())
with TestClient(create_app(settings)) as client:
    assert client.get("/health").status_code == 200
    before = [name for name in HEAVY if name in sys.modules]
    files = {"input_image": ("art.png", (folder / "art.png").read_bytes(), "image/png")}
    answer = client.post("/api/goods-gen/print-file", data={"goods_type": "sticker"}, files=files)
    after = [name for name in HEAVY if name in sys.modules]
print(before, answer.status_code, after)
"""
    done = subprocess.run(  # noqa: S603 - a fixed argv
        [sys.executable, "-c", script, str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[-2] == "[] 200 ['cv2', 'shapely', 'pikepdf']", done.stdout
