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
    preview.alt = "Preview of the chosen image";
    preview.hidden = true;
    input.insertAdjacentElement("afterend", preview);
    input.addEventListener("change", function () {
      if (preview.src) URL.revokeObjectURL(preview.src);
      const file = input.files && input.files[0];
      preview.hidden = !file;
      if (file) preview.src = URL.createObjectURL(file);
    });
  });
})();
