/* PPL page: character + product upload zones, prompt presets. Shared flow: ui/page.js. */
import { pplProblem } from "./core/validation.js";
import { $ } from "./ui/dom.js";
import { startPage } from "./ui/page.js";
import { createUploadZone } from "./ui/upload-zone.js";

const prompt = $("#prompt");
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

startPage({
  slots: (limits) => [
    createUploadZone("character", "캐릭터", limits),
    createUploadZone("product", "제품", limits),
  ],
  validate() {
    const problem = pplProblem({ prompt: prompt.value, maxChars: prompt.maxLength });
    return problem && { message: problem.message, focus: prompt };
  },
});
