/* Template media upload: a preview of the chosen image, before anything is sent. */
"use strict";
(function () {
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    const input = document.querySelector("input.template-upload");
    if (!input) return;
    const preview = document.createElement("img");
    preview.className = "template-upload-preview";
    preview.id = "template-upload-preview";
    preview.alt = input.dataset.previewAlt || "Preview of the chosen image";
    preview.hidden = true;
    // Below the input's row, not inside it: in the row's flex box the input would stretch to the
    // preview's height (and its focus box with it).
    (input.closest(".flex-container") || input).insertAdjacentElement("afterend", preview);
    input.addEventListener("change", function () {
      if (preview.src) URL.revokeObjectURL(preview.src);
      const file = input.files && input.files[0];
      preview.hidden = !file;
      if (file) preview.src = URL.createObjectURL(file);
      else preview.removeAttribute("src");
    });
  });
})();
