"use strict";
/* PPL page: character + product upload zones, prompt presets. Shared flow: common.js. */
(function () {
  const UI = window.WebtoonUI;
  const prompt = UI.$("#prompt");
  const presets = Array.from(document.querySelectorAll(".preset"));

  // Presets fill the prompt; the one matching the prompt shows as pressed.
  const syncPresets = () => {
    const text = prompt.value.trim();
    for (const preset of presets) preset.setAttribute("aria-pressed", String(preset.dataset.prompt === text));
  };
  for (const preset of presets) {
    preset.addEventListener("click", () => {
      prompt.value = preset.dataset.prompt;
      prompt.dispatchEvent(new Event("input", { bubbles: true }));
      prompt.focus();
    });
  }
  prompt.addEventListener("input", syncPresets);
  syncPresets();

  UI.startPage({
    slots: (limits) => [
      UI.createUploadZone("character", "캐릭터", limits),
      UI.createUploadZone("product", "제품", limits),
    ],
    validate() {
      if (!prompt.value.trim()) {
        return { message: "프롬프트를 입력해 주세요. 아래 예시 버튼으로 채울 수도 있어요.", focus: prompt };
      }
      return null;
    },
  });
})();
