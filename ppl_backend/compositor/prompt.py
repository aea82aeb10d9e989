"""What a prompt asks for: the placement, the side and the worn item, in English or Korean.

Placements and the prompt words that reach them (:data:`PLACEMENT_WORDS`;
first in this order wins; a negated word - "don't hold it", "들지 않고" -
never counts): show to camera, worn, close-up, hold, use, table, display,
floor, beside.  With none named, a fashion item (hat, glasses, scarf,
clothes) is worn and anything else is held; "left"/"right" choose the side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# First match in this order wins. English words are whole words; Korean ones are stems.
PLACEMENT_WORDS: tuple[tuple[str, str], ...] = (
    (
        "show",
        r"\bshow(s|ing|n)?\b[^,.;!?]{0,24}\b(camera|viewers?|audience|readers?)\b"
        r"|\b(to|towards|into|at) the camera\b|\bto camera\b|\bpresent(s|ing|ed)?\b"
        r"|\bintroduc(e|es|ing)\b|\bshow(s|ing)? (it |them )?off\b"
        r"|\bhold(s|ing)? (it |them |the \w+ )?up\b|보여|카메라|소개|내밀|자랑",
    ),
    (
        "worn",
        r"\bwear(s|ing)?\b|\bworn\b|\bput(s|ting)? on\b|\bdressed in\b"
        r"|착용|입고|입은|입어|입혀|끼고|낀 |메고|멘 |걸치|두르|두른|매고",
    ),
    (
        "closeup",
        r"\bclose[- ]?up\b|\bportrait\b|\bupper body\b|\bbust shot\b"
        r"|클로즈업|클로즈 업|근접|확대|상반신|얼굴 옆",
    ),
    (
        "hold",
        r"\bhold(s|ing)?\b|\bheld\b|\bcarr(y|ies|ying)\b|\bgrip(s|ping)?\b"
        r"|\bin (his|her|their|the) hands?\b|들고|들어|들지|든 채|쥐고|쥐지|쥔|잡고|잡지|잡은|손에",
    ),
    (
        "use",
        r"\bus(e|es|ed|ing)\b|\bappl(y|ies|ying)\b|\bdrink(s|ing)?\b|\beat(s|ing)?\b"
        r"|사용|쓰는|쓰고|쓰지|바르|마시|먹",
    ),
    ("table", r"\b(table|desk|counter|shelf)\b|테이블|책상|탁자|선반|카운터"),
    (
        "display",
        r"\bdisplay(s|ed|ing)?\b|\bshowcase\b|\bpodium\b|\bpedestal\b|\bplinth\b"
        r"|진열|전시|받침대|단상|포디움",
    ),
    ("floor", r"\b(floor|ground)\b|\bat (his|her|their) feet\b|바닥|발밑|발 밑|발치|발 앞"),
    ("beside", r"\bbeside\b|\bnext to\b|\balongside\b|\bby (his|her|their) side\b|옆|곁"),
)
ITEM_WORDS: tuple[tuple[str, str], ...] = (
    ("eyewear", r"\b(sun)?glasses\b|\beyewear\b|\bspectacles\b|\bgoggles\b|안경|선글라스|고글"),
    (
        "hat",
        r"\bhats?\b|\b(baseball|ball|bucket) caps?\b|\bbeanies?\b|\bberets?\b|\bfedoras?\b"
        r"|모자|비니|베레모|버킷햇|볼캡|야구모자",
    ),
    ("scarf", r"\bscar(f|ves)\b|\bmufflers?\b|\bneckerchiefs?\b|스카프|목도리|머플러"),
    (
        "bag",
        r"\bbags?\b|\bbackpacks?\b|\bpurses?\b|\bhandbags?\b|\btotes?\b"
        r"|가방|백팩|핸드백|에코백|토트백|크로스백",
    ),
    (
        "top",
        r"\b(t-?shirts?|shirts?|tees?|hoodies?|jackets?|coats?|sweaters?|dress(es)?"
        r"|clothes|outfits?|cardigans?|blouses?)\b"
        r"|티셔츠|셔츠|후드|후디|자켓|재킷|코트|스웨터|니트|원피스|가디건|블라우스|옷을|옷",
    ),
)
_PLACEMENT_RES = tuple((name, re.compile(words)) for name, words in PLACEMENT_WORDS)
_ITEM_RES = tuple((name, re.compile(words)) for name, words in ITEM_WORDS)
_HEADWEAR_VERB = re.compile(r"쓰고|쓴|써|쓰는")  # "모자를 쓰고": worn, not "used"
_LEFT = re.compile(r"\bleft\b|왼쪽|왼편|왼손")
_RIGHT = re.compile(r"\bright\b|오른쪽|오른편|오른손")
_CLAUSE = re.compile(r"[,.;!?\n]|\bbut\b|\bthen\b|\band\b")
# English: a negation at most four words before the placement word, in the same clause.
_NEGATED_BEFORE = re.compile(
    r"\b(not|no|never|without|don'?t|doesn'?t|do not|does not|instead of|rather than"
    r"|isn'?t|aren'?t|nor)\b([\s]+[\w'-]+){0,4}\s*$"
)
# Korean: "-지 않/말/마/못", "말고", "없이", "대신", "아니" within two words after the stem,
# or "안"/"못" right before it.
_NEGATED_AFTER = re.compile(r"^(\s*[^\s,.!?]+){0,2}?\s*(지\s*(않|말|마|못)|않|말고|없이|대신|아니)")
_NEGATED_KO_BEFORE = re.compile(r"(^|\s)(안|못)\s*$")
_FASHION = ("eyewear", "hat", "scarf", "top")
_CLAUSE_END = re.compile(r"[,.;!?\n]")
_AFTER_REACH = 16  # characters after a Korean stem searched for its negation


@dataclass(frozen=True)
class PromptIntent:
    """What the prompt asks for: a placement, a side (None: the seed picks) and a worn item.

    ``negated`` holds the placements the prompt names only to rule out.
    """

    placement: str
    side: int | None
    item: str | None
    negated: frozenset[str]


def parse_prompt(prompt: str) -> PromptIntent:
    """The placement, side and fashion item a prompt names (English or Korean).

    The first placement in :data:`PLACEMENT_WORDS` named without a negation wins.
    With none, a named fashion item is worn, anything else is held; a negated
    hold falls back to standing beside.
    """
    text = prompt.lower()
    item = next((name for name, pattern in _ITEM_RES if pattern.search(text)), None)
    named, negated = _placements_named(text)
    if item in ("hat", "eyewear") and "use" in named and _HEADWEAR_VERB.search(text):
        named.insert(0, "worn")  # Korean wears hats and glasses with the verb for "use"
    placement = next((name for name, _ in PLACEMENT_WORDS if name in named), None)
    if placement is None:
        placement = _unnamed_placement(item, negated)
    return PromptIntent(placement, _side(text), item, frozenset(negated))


def _placements_named(text: str) -> tuple[list[str], set[str]]:
    """The placements ``text`` names, and those it names only negated."""
    named: list[str] = []
    negated: set[str] = set()
    for name, pattern in _PLACEMENT_RES:
        hits = [m for m in pattern.finditer(text)]
        if not hits:
            continue
        if all(_is_negated(text, m) for m in hits):
            negated.add(name)
        else:
            named.append(name)
    return named, negated


def _unnamed_placement(item: str | None, negated: set[str]) -> str:
    """The placement when none is named: worn for a fashion item, else held, else standing."""
    first: tuple[str, ...] = ("worn", "hold") if item in _FASHION else ("hold",)
    fallbacks = (*first, "beside", "table", "display")
    return next(name for name in fallbacks if name not in negated)


def _side(text: str) -> int | None:
    """-1 for left, 1 for right, None when the prompt names neither (or both)."""
    left, right = bool(_LEFT.search(text)), bool(_RIGHT.search(text))
    return -1 if left and not right else 1 if right and not left else None


def _is_negated(text: str, match: re.Match[str]) -> bool:
    """Whether a placement word is ruled out ("don't hold it", "들지 않고", "테이블 말고")."""
    before = _CLAUSE.split(text[: match.start()])[-1]
    if _NEGATED_BEFORE.search(before) or _NEGATED_KO_BEFORE.search(before):
        return True
    after = _CLAUSE_END.split(text[match.end() : match.end() + _AFTER_REACH])[0]
    return not match.group().isascii() and bool(_NEGATED_AFTER.match(after))
