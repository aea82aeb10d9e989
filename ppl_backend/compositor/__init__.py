"""Local PPL engine: an offline, deterministic product-shot compositor.

The real PPL engine is an AI model.  This package is the local stand-in and the
preview every newcomer sees: it lifts the character and the product off their
backgrounds (:func:`webtoon_core.cutout.remove_background`, the one background
removal the goods renderer and the print files use too), frames the character
like a photographer would for the placement the prompt asks for, and places
the product where that placement puts it, with contact shadows and a light
colour match so the result reads as one photographed scene.

The numbers a shot keeps (checked by ``tests/ppl/test_ppl_shots.py``):

* :data:`PRODUCT_SHARE`: the product's bounding box covers 8-20 % of the frame
  (the seed aims at 10-15 %).  The camera frames the character closer (knee-,
  waist-up or bust shots) until the product reaches that share without growing
  past a believable size for the body (:attr:`Placement.size`).  A worn item is
  sized by the body part it is worn on instead.
* :data:`BODY_COVER_LIMIT`: the product covers at most 10 % of the character's
  visible silhouette (worn items excepted: clothes cover the body on purpose).
* the face is never covered: the head is found from the silhouette's neck and
  kept clear (a hat sits above the hairline; glasses sit on the eyes on purpose).
* a character that cannot be cut out (a busy or photo background) is shown on
  purpose as a card with a white border and a shadow, the product against it.

The seed picks the unspecified side, the framing among the placement's two,
the size within the share range, the tilt and the product's height: two seeds
give visibly different pictures.

Contract: same inputs + seed -> identical pixels; no network, no global random
state; pure Pillow + numpy, synchronous (the service runs it in a thread pool),
about 0.05-0.1 s for a 1024-px frame on one core.

The modules, in the order a shot passes through them:

* :mod:`.prompt` - the placement, side and worn item a prompt names;
* :mod:`.proportions` - every ratio the layout uses, named;
* :mod:`.figure` / :mod:`.product` - the subjects cut out, the figure's head,
  face and hands read from its silhouette;
* :mod:`.shot` - a shot's fixed inputs, the seed's draws, a candidate plan;
* :mod:`.layout` - the framing search and centring; :mod:`.placement` - where
  the product goes and how big; :mod:`.grid` - overlap with the body and face;
* :mod:`.draw`, :mod:`.studio`, :mod:`.shadows` - painting the plan;
* :mod:`.render` - the public entry points, end to end.
"""

from __future__ import annotations

from ppl_backend.compositor.prompt import PLACEMENT_WORDS, PromptIntent, parse_prompt
from ppl_backend.compositor.proportions import (
    BODY_COVER_LIMIT,
    CARD,
    FIGURE,
    PLACEMENTS,
    PRODUCT_SHARE,
    STAGE,
    WORN,
    Placement,
    Worn,
)
from ppl_backend.compositor.render import (
    ProductShot,
    ShotLayout,
    compose_product_shot,
    render_product_shot,
)

__all__ = [
    "BODY_COVER_LIMIT",
    "CARD",
    "FIGURE",
    "PLACEMENTS",
    "PLACEMENT_WORDS",
    "PRODUCT_SHARE",
    "STAGE",
    "WORN",
    "Placement",
    "ProductShot",
    "PromptIntent",
    "ShotLayout",
    "Worn",
    "compose_product_shot",
    "parse_prompt",
    "render_product_shot",
]
