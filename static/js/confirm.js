// Sure before it's final. A confirmation box that belongs to one choice of a form
// (<input data-confirm-when="decision=return">, the review's 退回) is shown, and required,
// only while that choice is made. Without this file the box is always shown and the
// server asks for it when that choice is posted; every other confirmation box is plain
// HTML (required), so nothing here is needed for the page to work.
(function () {
  "use strict";
  function sync(box) {
    var rule = box.getAttribute("data-confirm-when").split("=");
    var chosen = box.form && box.form.querySelector("[name='" + rule[0] + "']:checked");
    var on = Boolean(chosen && chosen.value === rule[1]);
    var field = box.closest(".field") || box;
    field.hidden = !on;
    box.required = on;
    if (!on) { box.checked = false; }
  }
  function syncAll() {
    document.querySelectorAll("input[data-confirm-when]").forEach(sync);
  }
  document.addEventListener("change", function (event) {
    if (event.target.form && event.target.form.querySelector("input[data-confirm-when]")) { syncAll(); }
  });
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", syncAll); } else { syncAll(); }
}());
