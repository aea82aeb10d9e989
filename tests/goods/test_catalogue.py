from __future__ import annotations

import pytest

from goods_backend import catalogue
from goods_backend.params import ASPECT_RATIOS, GoodsParams


def test_at_least_eight_kinds_with_korean_labels_and_valid_ratios():
    assert len(catalogue.CATALOGUE) >= 8
    ids = [k.id for k in catalogue.CATALOGUE]
    assert len(set(ids)) == len(ids)
    for kind in catalogue.CATALOGUE:
        assert any("\uac00" <= ch <= "\ud7a3" for ch in kind.label), kind.label
        assert kind.aspect_ratio in ASPECT_RATIOS


def test_every_prompt_is_english_names_its_object_and_keeps_the_character():
    prompts = {k.id: k.prompt() for k in catalogue.CATALOGUE}
    assert len(set(prompts.values())) == len(prompts)  # each kind its own prompt
    for kind_id, prompt in prompts.items():
        assert prompt.isascii(), kind_id
        assert "character" in prompt and "reference image" in prompt
        assert "Additional direction" not in prompt  # nothing woven in when the user said nothing


@pytest.mark.parametrize(
    ("kind", "word"),
    [
        ("tshirt", "T-shirt"),
        ("mug", "mug"),
        ("sticker", "white border"),
        ("badge", "circle"),
        ("acrylic_keyring", "silhouette"),
    ],
)
def test_prompts_say_how_the_product_carries_the_print(kind, word):
    assert word in catalogue.BY_ID[kind].prompt()


def test_user_words_are_woven_in():
    prompt = catalogue.BY_ID["ecobag"].prompt("  빈티지 느낌, navy handles ")
    assert prompt.endswith("Additional direction from the creator: 빈티지 느낌, navy handles")


@pytest.mark.parametrize(
    ("prompt", "kind"),
    [
        ("a realistic white short-sleeve T-shirt with this pig character printed on it", "tshirt"),
        ("캐릭터 머그컵 만들어줘", "mug"),
        ("pink sticker sheet", "sticker"),
        ("something nice", "poster"),
    ],
)
def test_free_prompt_picks_a_kind_for_the_local_preview(prompt, kind):
    assert catalogue.guess_kind(prompt).id == kind


def test_params_rules():
    assert GoodsParams.model_validate({"goods_type": "mug"}).effective_aspect_ratio == "4:3"
    assert GoodsParams.model_validate({"prompt": "x"}).effective_aspect_ratio == "1:1"
    assert (
        GoodsParams.model_validate({"goods_type": "mug", "output_format": "jpg"}).bfl_output_format
        == "jpeg"
    )
    with pytest.raises(ValueError):
        GoodsParams.model_validate({})
    with pytest.raises(ValueError):
        GoodsParams.model_validate({"goods_type": "spaceship"})
