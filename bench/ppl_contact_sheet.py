"""Contact sheets of the local PPL compositor over the fixed test cast, for people to look at.

    .venv/bin/python -m bench.ppl_contact_sheet OUT_DIR [--size 320] \
        [--sheets cast,placements,ratios]

Writes PNGs into ``OUT_DIR`` (made if missing; never into the repository unless
you point it there - the sheets are not to be committed):

* ``cast.png``: every character (rows) with every product (columns); the
  prompt, aspect ratio and seed cycle through the placements, so the sheet
  covers all of them;
* ``placements.png``: every placement keyword, English and Korean (rows),
  for every character (columns), square frames;
* ``ratios.png``: all 14 aspect ratios (columns) for a few placements and two
  seeds (rows), one character and product per row.

Each cell is labelled (in ASCII: "/ko" marks the Korean prompt) with what was
asked and what the layout reports (placement, framing, the product's share of
the frame, the body it covers).
Prints the number of cells and the time per shot.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterable
from pathlib import Path

from PIL import Image, ImageDraw

from ppl_backend.compositor import ProductShot, render_product_shot
from tests.ppl.ppl_cast import CHARACTERS, PRODUCTS, Character, Product

RATIOS = (
    "1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3",
    "4:5", "5:4", "21:9", "9:21", "2:1", "1:2", "match_input_image",
)  # fmt: skip
PROMPTS = {
    "hold": ("holding the product", "제품을 들고 있는 캐릭터"),
    "show": ("showing the product to the camera", "카메라를 향해 제품을 보여주는"),
    "use": ("using the product", "제품을 사용하는 모습"),
    "closeup": ("close-up with the product", "제품과 함께 클로즈업"),
    "table": ("the product on a table", "테이블 위에 제품"),
    "display": ("the product on display", "제품을 진열한 모습"),
    "floor": ("the product on the floor", "바닥에 놓인 제품"),
    "beside": ("the product standing beside her", "캐릭터 옆에 제품"),
    "worn": ("wearing it", "착용한 모습"),
    "negated": ("don't hold it", "들지 않고 옆에 두기"),
}
LABEL_HEIGHT = 30


def shoot(
    character: Character, product: Product, prompt: str, ratio: str, seed: int, size: int
) -> ProductShot:
    return render_product_shot(
        character.image,
        product.image,
        prompt=prompt,
        aspect_ratio=ratio,
        seed=seed,
        longest_side=size,
        character_has_alpha=character.has_alpha,
        product_has_alpha=product.has_alpha,
    )


def cell(shot: ProductShot, title: str, size: int) -> Image.Image:
    """The shot centred in a ``size`` x ``size`` box with a two-line label under it."""
    out = Image.new("RGB", (size, size + LABEL_HEIGHT), (255, 255, 255))
    image = shot.image
    out.paste(image, ((size - image.width) // 2, (size - image.height) // 2))
    layout = shot.layout
    facts = (
        f"{layout.placement}{'/' + layout.item if layout.item else ''} {layout.framing}"
        f"{' card' if layout.card else ''} share {layout.product_share:.0%}"
        f" cover {layout.body_cover:.0%}"
    )
    draw = ImageDraw.Draw(out)
    draw.text((4, size + 2), title[:60], fill=(0, 0, 0))
    draw.text((4, size + 15), facts, fill=(90, 90, 90))
    return out


def grid(cells: list[Image.Image], columns: int) -> Image.Image:
    w, h = cells[0].size
    rows = -(-len(cells) // columns)
    sheet = Image.new("RGB", (columns * (w + 6), rows * (h + 6)), (200, 200, 200))
    for i, im in enumerate(cells):
        sheet.paste(im, ((i % columns) * (w + 6), (i // columns) * (h + 6)))
    return sheet


def cast_sheet(size: int) -> tuple[list[Image.Image], int]:
    placements = [name for name in PROMPTS if name != "worn"]
    cells = []
    for row, make_character in enumerate(CHARACTERS.values()):
        character = make_character(0)
        for col, make_product in enumerate(PRODUCTS.values()):
            product = make_product(0)
            k = row * len(PRODUCTS) + col
            if product.kind == "worn":
                name = "worn"
            else:
                name = placements[k % len(placements)]
            prompt = PROMPTS[name][k % 2] + f" ({product.words})"
            tag = f"{name}{'/ko' if k % 2 else ''}"
            ratio = RATIOS[k % len(RATIOS)]
            shot = shoot(character, product, prompt, ratio, k, size)
            title = f"{character.name} | {ratio} s{k} | {tag} | {product.name}"
            cells.append(cell(shot, title, size))
    return cells, len(PRODUCTS)


def placements_sheet(size: int) -> tuple[list[Image.Image], int]:
    products = ["label_bottle", "box_face", "transparent_product", "tall_product"]
    cells = []
    for i, (name, prompts) in enumerate(PROMPTS.items()):
        for lang, prompt in enumerate(prompts):
            for j, make_character in enumerate(CHARACTERS.values()):
                character = make_character(0)
                worn = ("cap_hat", "glasses")[(i + j) % 2]
                product = PRODUCTS[worn if name == "worn" else products[(i + j) % 4]](0)
                shot = shoot(character, product, prompt, "1:1", 3 + lang, size)
                tag = f"{name}{'/ko' if lang else ''}"
                cells.append(cell(shot, f"{character.name} | {tag} | {product.name}", size))
    return cells, len(CHARACTERS)


def ratios_sheet(size: int) -> tuple[list[Image.Image], int]:
    rows = [
        ("line_art_on_white", "label_bottle", "hold"),
        ("on_transparent", "wide_product", "show"),
        ("on_busy_background", "box_face", "hold"),
        ("chibi_on_pastel", "tall_product", "table"),
        ("arms_out_on_navy", "poster", "display"),
        ("pale_on_cream", "transparent_product", "floor"),
        ("bust_cut_off", "cap_hat", "worn"),
        ("line_art_on_white", "glasses", "worn"),
    ]
    cells = []
    for character_name, product_name, name in rows:
        character = CHARACTERS[character_name](0)
        product = PRODUCTS[product_name](0)
        for seed in (1, 2):
            for ratio in RATIOS:
                shot = shoot(character, product, PROMPTS[name][seed - 1], ratio, seed, size)
                title = f"{name}{'/ko' if seed == 2 else ''} {ratio} s{seed} | {product_name}"
                cells.append(cell(shot, title, size))
    return cells, len(RATIOS)


SHEETS = {"cast": cast_sheet, "placements": placements_sheet, "ratios": ratios_sheet}


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="directory for the PNG sheets")
    parser.add_argument("--size", type=int, default=320, help="longest side of each shot")
    parser.add_argument("--sheets", default=",".join(SHEETS), help="which sheets, comma separated")
    args = parser.parse_args(None if argv is None else list(argv))
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.sheets.split(","):
        started = time.perf_counter()
        cells, columns = SHEETS[name](args.size)
        elapsed = time.perf_counter() - started
        path = args.out / f"{name}.png"
        grid(cells, columns).save(path)
        print(f"{path}: {len(cells)} shots, {elapsed / len(cells) * 1000:.0f} ms per shot")


if __name__ == "__main__":
    main()
